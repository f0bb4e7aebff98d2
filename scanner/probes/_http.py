"""A capped HTTP GET for the discovery probes (UPnP descriptions): a connect/read timeout, a
wall-clock deadline for the whole body (a device dripping one byte a second is cut off), a byte
cap, no redirects, no proxies from the environment."""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass

import requests


@dataclass(frozen=True, slots=True)
class Fetched:
    status: int
    body: bytes
    truncated: bool
    headers: dict[str, str]


class FetchError(Exception):
    """The fetch failed; the message is the recorded reason (no URL credentials in it)."""

    def __init__(self, message: str, timeout: bool = False) -> None:
        super().__init__(message)
        self.timeout = timeout


def get_capped(url: str, *, timeout: float, cap: int, headers: dict[str, str] | None = None) -> Fetched:
    return request_capped("GET", url, timeout=timeout, cap=cap, headers=headers)


def request_capped(
    method: str, url: str, *, timeout: float, cap: int, headers: dict[str, str] | None = None, data: bytes | None = None
) -> Fetched:
    session = requests.Session()
    session.trust_env = False
    deadline = time.monotonic() + timeout * 2
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # verify=False on a camera's self-signed certificate
            resp = session.request(method, url, data=data, timeout=(timeout, timeout), stream=True,
                                   allow_redirects=False, headers=headers or {"User-Agent": "cctv-scan"}, verify=False)
        with resp:
            chunks: list[bytes] = []
            size = 0
            truncated = False
            for chunk in resp.iter_content(chunk_size=8192):
                chunks.append(chunk)
                size += len(chunk)
                if size > cap:
                    truncated = True
                    break
                if time.monotonic() > deadline:
                    raise FetchError("body not complete before the deadline", timeout=True)
            body = b"".join(chunks)[:cap]
            return Fetched(resp.status_code, body, truncated, {k: v[:512] for k, v in resp.headers.items()})
    except requests.Timeout:
        raise FetchError("timed out", timeout=True) from None
    except requests.ConnectionError as exc:
        raise FetchError(f"connection failed: {type(exc).__name__}") from None
    except requests.RequestException as exc:
        raise FetchError(f"request failed: {type(exc).__name__}") from None
    finally:
        session.close()
