"""HTTP(S) banner probe: Server header, title, auth realm, favicon hash, TLS certificate, and
the vendor marker paths the fingerprint database names.

Only read-only GETs, no credentials, no cookies kept. Every read is capped in bytes and in
time: a device that sends 50 MB or drips one byte a second costs one capped read and a line in
the report. Redirects are followed by hand, at most three, and only to in-scope addresses.

Written on the standard library's ``http.client`` rather than requests: requests has no
overall deadline (its read timeout restarts with every byte), so a device dripping its headers
could hold a worker for hours. Here a watchdog shuts the socket at the deadline, and the
certificate is read from the same TLS connection as the page.
"""

from __future__ import annotations

import codecs
import hashlib
import html
import re
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import http.client
import threading
import mmh3
from cryptography import x509

from ..models import AttemptStatus, Host, Observation, ProbeOutput
from .base import HostProbe, ProbeContext
from .ports import ports_for

USER_AGENT = "cctv-scan/0.1 (+inventory scan; read-only)"
MAX_REDIRECTS = 3
BODY_OBSERVED = 8 * 1024
MARKER_OBSERVED = 2 * 1024
# Open and close tags are found by two linear searches: one lazy ``<title>(.*?)</title`` pattern
# retried from every "<title>" of a page repeating it costs time quadratic in the page size.
TITLE_OPEN_RE = re.compile(rb"<title[^>]{0,256}>", re.IGNORECASE)
TITLE_CLOSE_RE = re.compile(rb"</title", re.IGNORECASE)
REALM_RE = re.compile(r'realm\s*=\s*"([^"]{0,512})"', re.IGNORECASE)
# Where a front page sends the browser: the Location header of a redirect, a <meta> refresh, a
# script assigning location / location.href or calling location.replace(). Bounded patterns,
# applied to the first BODY_OBSERVED bytes only; at most MAX_LOCATIONS targets per page, each cut
# to LOCATION_OBSERVED characters.
MAX_LOCATIONS = 4
LOCATION_OBSERVED = 256
META_TAG_RE = re.compile(rb"<meta\b[^>]{0,512}>", re.IGNORECASE)
META_REFRESH_RE = re.compile(rb"http-equiv\s{0,8}=\s{0,8}[\"']?refresh", re.IGNORECASE)
META_URL_RE = re.compile(rb"""\burl\s{0,8}=\s{0,8}['"]?([^'"\s>]{1,512})""", re.IGNORECASE)
SCRIPT_LOCATION_RE = re.compile(
    rb"""\blocation(?:\.href)?\s{0,16}=\s{0,16}["']([^"'<>\s]{1,512})["']"""
    rb"""|\blocation\.(?:replace|assign)\(\s{0,16}["']([^"'<>\s]{1,512})["']""",
    re.IGNORECASE,
)
UNINFORMATIVE_LOCATION_RE = re.compile(r"^(?:[a-z][a-z0-9+.-]{0,15}:)?/*[#?]?$", re.IGNORECASE)


@dataclass(frozen=True)
class Fetched:
    url: str
    status: int
    headers: dict[str, str]
    body: bytes
    truncated: bool
    certificate: bytes | None = None


def favicon_observations(ip: str, port: int, icon: bytes, probe: str = "http") -> list[Observation]:
    """The two hashes a favicon is known by: ``http.favicon``, the md5 hex of its bytes (Recog's and
    OWASP's form), and ``http.favicon_mmh3``, Shodan's: MurmurHash3 (32-bit, seed 0, signed) of the
    bytes' base64 text as Python's ``base64.encodebytes`` writes it (a newline after every 76
    characters and at the end). Published favicon hash lists use one form or the other, and a hash of
    the wrong form matches nothing, so both are observed."""
    return [
        Observation(ip=ip, probe=probe, field="http.favicon", value=hashlib.md5(icon).hexdigest(), port=port),
        Observation(ip=ip, probe=probe, field="http.favicon_mmh3", value=str(mmh3.hash(codecs.encode(icon, "base64"))), port=port),
    ]


def extract_title(body: bytes) -> str | None:
    opening = TITLE_OPEN_RE.search(body)
    closing = TITLE_CLOSE_RE.search(body, opening.end()) if opening else None
    if not closing:
        return None
    text = body[opening.end() : closing.start()].decode("utf-8", "replace")
    return " ".join(html.unescape(text).split())[:256] or None


def extract_realms(header: str) -> list[str]:
    return REALM_RE.findall(header or "")


def clean_location(value: str | bytes | None) -> str | None:
    """A redirect target as an observation value: printable characters only, cut to
    LOCATION_OBSERVED; None for nothing, or for a bare scheme or "/" that names no page."""
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value[: LOCATION_OBSERVED * 4].decode("utf-8", "replace")
    text = "".join(c for c in value[: LOCATION_OBSERVED * 4] if c.isprintable()).strip()[:LOCATION_OBSERVED]
    if not text or UNINFORMATIVE_LOCATION_RE.match(text):
        return None
    return text


def redirect_targets(fetched: Fetched) -> list[str]:
    """Where a page sends the browser, in order: the Location header of a 3xx answer, then
    <meta http-equiv="refresh"> targets, then script location assignments in the first
    BODY_OBSERVED bytes. Distinct, at most MAX_LOCATIONS."""
    found: list[str] = []

    def keep(value: str | bytes | None) -> bool:
        text = clean_location(value)
        if text and text not in found:
            found.append(text)
        return len(found) >= MAX_LOCATIONS

    if 300 <= fetched.status < 400 and keep(fetched.headers.get("location")):
        return found
    head = fetched.body[:BODY_OBSERVED]
    for tag in META_TAG_RE.finditer(head):
        if META_REFRESH_RE.search(tag.group(0)):
            url = META_URL_RE.search(tag.group(0))
            if url and keep(url.group(1)):
                return found
    for m in SCRIPT_LOCATION_RE.finditer(head):
        if keep(m.group(1) or m.group(2)):
            return found
    return found


def certificate_names(der: bytes) -> tuple[str, str]:
    """(subject, issuer) of a DER certificate; ValueError for anything unreadable."""
    try:
        cert = x509.load_der_x509_certificate(der)
        return cert.subject.rfc4514_string(), cert.issuer.rfc4514_string()
    except Exception as exc:  # noqa: BLE001 - by version, cryptography raises ValueError or KeyError here
        raise ValueError(f"unreadable certificate ({type(exc).__name__}: {str(exc)[:120]})") from None


def parse_response(ip: str, port: int, fetched: Fetched, *, marker_path: str | None = None) -> list[Observation]:
    """Observations from one HTTP response (pure: no network)."""
    obs: list[Observation] = []

    def add(field: str, value: str | None) -> None:
        if value:
            obs.append(Observation(ip=ip, probe="http", field=field, value=value[:4096], port=port))

    if marker_path is not None:
        text = fetched.body[:MARKER_OBSERVED].decode("utf-8", "replace")
        add("http.marker", f"GET {marker_path} {fetched.status}\n\n{text}")
    else:
        add("http.server", fetched.headers.get("server"))
        add("http.title", extract_title(fetched.body))
        add("http.body", fetched.body[:BODY_OBSERVED].decode("utf-8", "replace").strip() or None)
        for target in redirect_targets(fetched):
            add("http.location", target)
    for realm in extract_realms(fetched.headers.get("www-authenticate", "")):
        add("http.realm", realm)
    return obs


class HttpProbe(HostProbe):
    name = "http"
    description = "HTTP(S) banners: Server, title, realm, favicon, TLS certificate, vendor marker paths"

    def probe(self, ctx: ProbeContext, host: Host) -> ProbeOutput:
        out = ProbeOutput()
        open_ports = ctx.open_ports.get(host.ip, set())
        plain, tls = ports_for("http") & open_ports, ports_for("https") & open_ports
        for port in sorted(plain | tls):
            self._port(ctx, host.ip, port, "https" if port in tls else "http", out)
        return out

    def _port(self, ctx: ProbeContext, ip: str, port: int, scheme: str, out: ProbeOutput) -> None:
        base = f"{scheme}://{ip}:{port}"
        hops: list[str] = []
        fetched = self._get(ctx, base + "/", out, follow=True, hops=hops)
        # Where "/" redirected to is recorded even when the chain ended out of scope or in a loop.
        seen_locations: set[str] = set()
        for target in hops:
            location = clean_location(target)
            if location and location not in seen_locations:
                seen_locations.add(location)
                out.observations.append(Observation(ip=ip, probe=self.name, field="http.location", value=location, port=port))
        if fetched is None:
            return
        if fetched.certificate:
            self._certificate(ip, port, fetched.certificate, out)
        server_seen = fetched.headers.get("server")
        out.observations.extend(
            o for o in parse_response(ip, port, fetched) if not (o.field == "http.location" and o.value in seen_locations)
        )
        favicon = self._get(ctx, base + "/favicon.ico", out, quiet=True)
        if favicon and favicon.status == 200 and favicon.body and not favicon.truncated:
            out.observations.extend(favicon_observations(ip, port, favicon.body))
        for path in ctx.http_marker_paths:
            marker = self._get(ctx, base + path, out, quiet=True)
            if marker is None or marker.status == 404:
                continue
            out.observations.extend(parse_response(ip, port, marker, marker_path=path))
            if not server_seen and marker.headers.get("server"):
                server_seen = marker.headers["server"]
                out.observations.append(Observation(ip=ip, probe=self.name, field="http.server", value=server_seen[:4096], port=port))

    def _get(
        self, ctx: ProbeContext, url: str, out: ProbeOutput, *, follow: bool = False, quiet: bool = False, hops: list[str] | None = None
    ) -> Fetched | None:
        started = time.monotonic()
        for _hop in range(MAX_REDIRECTS + 1):
            if (urlsplit(url).hostname or "") not in ctx.scope:
                out.attempts.append(self.attempt(url, AttemptStatus.SKIPPED, "redirect leaves the scope; not followed", started))
                return None
            ctx.wait_turn()
            try:
                fetched = fetch(url, ctx.timeout, ctx.max_body_bytes)
            except ConnectionRefusedError:
                status, detail = AttemptStatus.REFUSED, "connection refused"
            except (TimeoutError, socket.timeout) as exc:
                status, detail = AttemptStatus.TIMEOUT, _short(exc) or f"no answer within {ctx.timeout}s"
            except ssl.SSLError as exc:
                status, detail = AttemptStatus.MALFORMED, f"TLS failure: {_short(exc)}"
            except (http.client.HTTPException, ValueError, UnicodeError) as exc:
                status, detail = AttemptStatus.MALFORMED, f"not valid HTTP: {type(exc).__name__} {_short(exc)}"
            except OSError as exc:
                status, detail = AttemptStatus.UNREACHABLE, _short(exc)
            else:
                location = fetched.headers.get("location")
                if follow and location and 300 <= fetched.status < 400:
                    if hops is not None:
                        hops.append(location[: LOCATION_OBSERVED * 4])
                    try:
                        url = urljoin(url, location)
                    except ValueError:
                        out.attempts.append(self.attempt(url, AttemptStatus.MALFORMED, "unreadable redirect target", started))
                        return None
                    continue
                if fetched.truncated:
                    detail = f"body over {ctx.max_body_bytes} bytes; first part kept"
                    out.attempts.append(self.attempt(url, AttemptStatus.TOO_LARGE, detail, started))
                elif not quiet:
                    out.attempts.append(self.attempt(url, AttemptStatus.OK, f"HTTP {fetched.status}", started))
                return fetched
            if not (quiet and status is AttemptStatus.REFUSED):
                out.attempts.append(self.attempt(url, status, detail, started))
            return None
        out.attempts.append(self.attempt(url, AttemptStatus.MALFORMED, "too many redirects", started))
        return None

    def _certificate(self, ip: str, port: int, der: bytes, out: ProbeOutput) -> None:
        try:
            subject, issuer = certificate_names(der)
        except ValueError as exc:
            out.attempts.append(self.attempt(f"{ip}:{port}", AttemptStatus.MALFORMED, f"TLS certificate: {_short(exc)}"))
            return
        for field, value in (("tls.subject", subject), ("tls.issuer", issuer)):
            if value:
                out.observations.append(Observation(ip=ip, probe=self.name, field=field, value=value[:1024], port=port))


def _tls_context() -> ssl.SSLContext:
    # We identify devices, we do not trust them: accept any certificate, send no client cert.
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.minimum_version = ssl.TLSVersion.TLSv1  # old cameras speak old TLS
    context.set_ciphers("DEFAULT:@SECLEVEL=0")
    return context


def fetch(url: str, timeout: float, cap: int) -> Fetched:
    """One GET with a hard deadline of twice ``timeout`` for the whole exchange."""
    parts = urlsplit(url)
    host, port = parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)
    if parts.scheme == "https":
        conn: http.client.HTTPConnection = http.client.HTTPSConnection(host, port, timeout=timeout, context=_tls_context())
    else:
        conn = http.client.HTTPConnection(host, port, timeout=timeout)
    fired = threading.Event()

    def watchdog() -> None:
        fired.set()
        if conn.sock is not None:
            try:
                conn.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    timer = threading.Timer(timeout * 2, watchdog)
    timer.daemon = True
    try:
        conn.connect()
        timer.start()
        certificate = conn.sock.getpeercert(binary_form=True) if isinstance(conn.sock, ssl.SSLSocket) else None
        # the query is part of what is asked: a marker path such as Dahua's
        # /cgi-bin/magicBox.cgi?action=getSystemInfo without it is another request
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        conn.putrequest("GET", target, skip_accept_encoding=True)
        conn.putheader("User-Agent", USER_AGENT)
        conn.putheader("Accept", "*/*")
        conn.putheader("Accept-Encoding", "identity")
        conn.putheader("Connection", "close")
        conn.endheaders()
        resp = conn.getresponse()
        chunks, size, truncated = [], 0, False
        while True:
            chunk = resp.read1(16384)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size >= cap:
                truncated = True
                break
        if fired.is_set() and not truncated:
            raise TimeoutError(f"answer still incomplete after {timeout * 2:.1f}s")
        headers = {k.lower(): v for k, v in resp.getheaders()}
        return Fetched(url, resp.status, headers, b"".join(chunks)[:cap], truncated, certificate)
    except (OSError, http.client.HTTPException):
        if fired.is_set():
            raise TimeoutError(f"no complete answer within {timeout * 2:.1f}s") from None
        raise
    finally:
        timer.cancel()
        conn.close()


def _short(exc: BaseException) -> str:
    text = str(exc)
    return text if len(text) < 200 else text[:197] + "..."
