"""Credentials the user supplies with ``--credentials FILE`` for authenticated ONVIF queries.

The file is YAML, readable by its owner only (mode 0600; anything wider is refused)::

    default:                 # used for any host without its own entry
      username: admin
      password: "..."
    hosts:                   # per address or CIDR; the most specific match wins
      198.18.0.10: {username: operator, password: "..."}
      198.18.0.0/28: {username: admin, password: "..."}

Passwords never appear in a repr, a log line, a report or an exception message: errors name
the file and the problem, never its content.
"""

from __future__ import annotations

import ipaddress
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .errors import CctvScanError

MAX_CREDENTIALS_BYTES = 256 * 1024  # PyYAML's pure-Python parser takes about a second per megabyte


class CredentialsError(CctvScanError):
    """The credentials file is missing, too widely readable, or not in the expected form."""


@dataclass(frozen=True, slots=True)
class Credential:
    username: str
    password: str = field(repr=False)

    def __str__(self) -> str:
        return f"Credential(username={self.username!r}, password=***)"


@dataclass(frozen=True)
class Credentials:
    default: Credential | None = None
    hosts: tuple[tuple[ipaddress.IPv4Network, Credential], ...] = ()

    def for_host(self, ip: str) -> Credential | None:
        try:
            addr = ipaddress.IPv4Address(ip)
        except ValueError:
            return None
        matches = [(net.prefixlen, cred) for net, cred in self.hosts if addr in net]
        if matches:
            return max(matches, key=lambda m: m[0])[1]
        return self.default

    def __repr__(self) -> str:
        return f"Credentials(default={'set' if self.default else 'none'}, hosts={len(self.hosts)})"


def _credential(raw: object, where: str, path: Path) -> Credential:
    if not isinstance(raw, dict) or not isinstance(raw.get("username"), str) or not isinstance(raw.get("password"), str):
        raise CredentialsError(f"{path}: {where} needs a username and a password (strings)")
    return Credential(username=raw["username"], password=raw["password"])


def read_private_yaml(path: str | os.PathLike[str], what: str = "credentials") -> object:
    """Parse a YAML file that must be a regular file readable by its owner only (mode 0600).

    Errors name the file and the problem, never its content."""
    p = Path(path)
    try:
        st = p.stat()
    except OSError as exc:
        raise CredentialsError(f"cannot read {what} file {p}: {exc.strerror}") from None
    if not stat.S_ISREG(st.st_mode):
        raise CredentialsError(f"{what} file {p} is not a regular file")
    if st.st_size > MAX_CREDENTIALS_BYTES:
        raise CredentialsError(f"{what} file {p} is larger than {MAX_CREDENTIALS_BYTES // 1024} KiB")
    if st.st_mode & 0o077:
        raise CredentialsError(
            f"{what} file {p} has mode {stat.S_IMODE(st.st_mode):04o}; it must be readable by its owner only (chmod 600 {p})"
        )
    try:
        return yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        where = f" (line {line + 1})" if line is not None else ""
        raise CredentialsError(f"{what} file {p} is not valid YAML{where}") from None
    except (OSError, UnicodeDecodeError):
        raise CredentialsError(f"cannot read {what} file {p}") from None
    except RecursionError:
        raise CredentialsError(f"{what} file {p} is nested too deeply") from None


def load_credentials(path: str | os.PathLike[str]) -> Credentials:
    p = Path(path)
    data = read_private_yaml(p)
    if not isinstance(data, dict):
        raise CredentialsError(f"credentials file {p} must be a mapping with 'default' and/or 'hosts'")
    default = _credential(data["default"], "'default'", p) if data.get("default") is not None else None
    hosts: list[tuple[ipaddress.IPv4Network, Credential]] = []
    raw_hosts = data.get("hosts") or {}
    if not isinstance(raw_hosts, dict):
        raise CredentialsError(f"{p}: 'hosts' must be a mapping of address or CIDR to credentials")
    for key, raw in raw_hosts.items():
        try:
            net = ipaddress.IPv4Network(str(key), strict=False)
        except ValueError:
            raise CredentialsError(f"{p}: host key {str(key)[:40]!r} is not an IPv4 address or CIDR") from None
        hosts.append((net, _credential(raw, f"host {net}", p)))
    if default is None and not hosts:
        raise CredentialsError(f"credentials file {p} defines no credentials")
    return Credentials(default=default, hosts=tuple(hosts))
