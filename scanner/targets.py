"""Where a scan's scope comes from: targets on the command line, a scope file, and interfaces.

- Targets (CIDRs or addresses) and ``--exclude`` entries are taken as given.
- A scope file adds one CIDR or address per line; ``#`` starts a comment; a line starting with
  ``!`` or ``exclude `` is an exclusion. The file is read with a size cap and every bad line is
  reported with its number.
- With no target from either, ``--interface`` supplies the scope: the IPv4 subnets attached to
  each named interface (``scanner.interfaces``). Named interfaces are checked to exist even when
  targets are given (they then only restrict where ARP and multicast go).

Whatever the source, the result goes through ``parse_scope``, so public ranges are refused
without ``allow_public`` and the address limit holds.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import ScopeError
from .interfaces import interface_subnets
from .scope import DEFAULT_MAX_ADDRESSES, Scope, parse_scope

MAX_SCOPE_FILE_BYTES = 1024 * 1024
EXCLUDE_PREFIXES = ("!", "exclude ", "exclude\t")


@dataclass(frozen=True)
class ScopeFile:
    """What a scope file lists: targets and exclusions, as text (validated CIDRs/addresses)."""

    targets: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()


def parse_scope_file(text: str, name: str = "scope file") -> ScopeFile:
    """Targets and exclusions from the text of a scope file; ScopeError names the bad line."""
    targets: list[str] = []
    excludes: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        bucket = targets
        lowered = line.lower()
        for prefix in EXCLUDE_PREFIXES:
            if lowered.startswith(prefix):
                line, bucket = line[len(prefix):].strip(), excludes
                break
        try:
            ipaddress.IPv4Network(line, strict=False)
        except ValueError:
            shown = line[:60] if line.isprintable() else repr(line[:60])
            raise ScopeError(f"{name} line {number}: {shown!r} is not an IPv4 address or CIDR") from None
        bucket.append(line)
    return ScopeFile(tuple(targets), tuple(excludes))


def read_scope_file(path: str | os.PathLike[str]) -> ScopeFile:
    p = Path(path)
    try:
        with p.open("rb") as fh:
            data = fh.read(MAX_SCOPE_FILE_BYTES + 1)
    except OSError as exc:
        raise ScopeError(f"cannot read scope file {p}: {exc.strerror or exc}") from None
    if len(data) > MAX_SCOPE_FILE_BYTES:
        raise ScopeError(f"scope file {p} is larger than {MAX_SCOPE_FILE_BYTES // 1024} KiB")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ScopeError(f"scope file {p} is not UTF-8 text") from None
    return parse_scope_file(text, f"scope file {p}")


def resolve_scope(
    targets: Sequence[str] = (),
    excludes: Sequence[str] = (),
    *,
    scope_file: str | os.PathLike[str] | None = None,
    interfaces: Sequence[str] = (),
    allow_public: bool = False,
    max_addresses: int = DEFAULT_MAX_ADDRESSES,
) -> Scope:
    """The scope of a scan from every source (see the module docstring)."""
    all_targets = [t for t in targets if t.strip()]
    all_excludes = [e for e in excludes if e.strip()]
    if scope_file is not None:
        listed = read_scope_file(scope_file)
        all_targets += listed.targets
        all_excludes += listed.excludes
    subnets = list(dict.fromkeys(str(net) for name in dict.fromkeys(interfaces) for net in interface_subnets(name)))
    if not all_targets:
        all_targets = subnets
    if not all_targets:
        raise ScopeError("no targets given: name CIDRs or addresses, --scope-file FILE or --interface IF")
    return parse_scope(all_targets, all_excludes, allow_public=allow_public, max_addresses=max_addresses)
