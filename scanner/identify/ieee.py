"""The IEEE MAC address registries (MA-L, MA-M, MA-S): which organisation a MAC prefix belongs to.

Sources, most specific prefix first and, for one prefix length, first source first:

1. what the user loaded with ``cctv-scan oui update FILE`` (an ``oui.csv``, ``mam.csv`` or
   ``oui36.csv`` downloaded from https://standards-oui.ieee.org/), kept in the user's data
   directory as one TSV per registry;
2. **aiooui** (``aiooui/oui.data``): the IEEE MA-L registry, rebuilt with each release (0.1.11,
   2026). It is the newest MA-L copy any package here ships: it holds every one of the 35,084
   MA-L prefixes in netaddr 1.3.0's 2024 ``oui.txt`` plus 5,155 assigned since (among them
   Hikvision's 00:BC:99, 04:EE:CD, 08:3B:C1..., Dahua's 30:DD:AA, 40:7A:A4, Uniview's 14:BA:88,
   EZVIZ's 0C:A6:4C, Tiandy's BC:51:6C), and none fewer. It carries MA-L only (24-bit keys);
3. **scapy** (``scapy.libs.manuf``): Wireshark's ``manuf``, whose /28 and /36 rows are the
   IEEE MA-M and MA-S (and IAB) registries with the organisation's full name. Scapy is already a
   dependency; its MA-L rows are older than aiooui's, so only its small blocks are used first;
4. **netaddr** (``eui/oui.txt`` and ``iab.txt``, 2024): the fallback for anything above.

aiooui's file layout (magic ``OUI1``, a count, sorted uint32 keys, uint32 name offsets, a blob of
newline-terminated names) is read here directly rather than through its API, which is async only
and keeps one global table; the layout is documented in its ``__init__.py``.
"""

from __future__ import annotations

import csv
import io
import os
import re
import struct
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

MAX_CSV_BYTES = 64 * 1024 * 1024  # IEEE's oui.csv is about 4 MB; anything far larger is not one
BITS = {"MA-L": 24, "MA-M": 28, "MA-S": 36, "IAB": 36}
DIGITS = {24: 6, 28: 7, 36: 9}
_HEX = re.compile(r"^[0-9A-F]+$")


class RegistryFileError(ValueError):
    """A file given to ``oui update`` that is not an IEEE registry CSV (says why)."""


@dataclass(frozen=True, slots=True)
class Registration:
    prefix: str  # hex digits, upper case, 6/7/9 long
    org: str
    source: str  # "user MA-L (oui.csv, loaded ...)" | "aiooui 0.1.11" | "scapy manuf" | "netaddr"


Table = dict[int, dict[str, tuple[str, str]]]  # bits -> prefix -> (org, source)


def user_dir() -> Path:
    """Where ``oui update`` keeps the registries a user loaded (beside the inventory)."""
    override = os.environ.get("CCTV_SCAN_DATA")
    if override:
        return Path(override) / "ieee"
    import platformdirs

    return platformdirs.user_data_path("cctv-scan") / "ieee"


def lookup(mac_digits: str) -> Registration | None:
    """The registration of a MAC (12 hex digits), the longest prefix first."""
    digits = mac_digits.upper()
    table = _table()
    for bits in (36, 28, 24):
        n = DIGITS[bits]
        hit = table.get(bits, {}).get(digits[:n])
        if hit is not None:
            return Registration(digits[:n], hit[0], hit[1])
    return None


@lru_cache(maxsize=1)
def organisations() -> tuple[str, ...]:
    """Every organisation name any registry copy holds, including names a newer copy replaced
    (a company renamed keeps devices with its old name): for the self-test of ``ieee_names``."""
    names = {org for loader in _LOADERS for _, _, org, _ in loader()}
    return tuple(sorted(n for n in names if n))


def clear_cache() -> None:
    _table.cache_clear()
    organisations.cache_clear()


@lru_cache(maxsize=1)
def _table() -> Table:
    table: Table = {24: {}, 28: {}, 36: {}}
    # Later sources only fill what earlier ones left empty.
    for loader in _LOADERS:
        for bits, prefix, org, source in loader():
            if org and org != "IEEE Registration Authority":
                table[bits].setdefault(prefix, (org, source))
    return table


def _user_rows():  # type: ignore[no-untyped-def]
    base = user_dir()
    for kind in ("MA-S", "MA-M", "MA-L"):
        path = base / f"{kind}.tsv"
        if not path.is_file():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            prefix, _, org = line.partition("\t")
            if prefix and org:
                yield BITS[kind], prefix, org, f"IEEE {kind} loaded by 'oui update' ({path})"


def _aiooui_rows():  # type: ignore[no-untyped-def]
    try:
        from importlib.resources import files

        import aiooui
    except ImportError:
        return
    data = (files("aiooui") / "oui.data").read_bytes()
    magic, count = struct.unpack_from("<4sI", data)
    if magic != b"OUI1":
        return
    keys = struct.unpack_from(f"<{count}I", data, 8)
    offsets = struct.unpack_from(f"<{count}I", data, 8 + 4 * count)
    blob = 8 + 8 * count
    source = f"aiooui {aiooui.__version__}"
    for key, off in zip(keys, offsets):
        start = blob + off
        org = data[start : data.index(b"\n", start)].decode("utf-8", "replace").strip()
        yield 24, f"{key:06X}", org, source


def _scapy_rows():  # type: ignore[no-untyped-def]
    try:
        from scapy.libs.manuf import DATA  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001  scapy's import may fail on odd platforms; the others remain
        return
    for line in DATA.splitlines():
        if not line or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) < 3:
            continue
        prefix, _, bits = parts[0].strip().partition("/")
        digits = prefix.replace(":", "").upper()
        n = int(bits) if bits else 24
        if n in DIGITS and len(digits) >= DIGITS[n] and _HEX.match(digits):
            yield n, digits[: DIGITS[n]], parts[2].strip(), "Wireshark manuf (scapy)"


def _netaddr_rows():  # type: ignore[no-untyped-def]
    import netaddr

    base = Path(netaddr.__file__).parent / "eui"
    oui, iab = base / "oui.txt", base / "iab.txt"
    if oui.is_file():
        text = oui.read_text(encoding="utf-8", errors="replace")
        for prefix, org in re.findall(r"^([0-9A-F]{6})\s+\(base 16\)\s+(.+?)\s*$", text, re.M):
            yield 24, prefix, org, "netaddr"
    if iab.is_file():
        # An IAB is a 24-bit block ('(hex)' line) plus the start of a 12-bit range ('(base 16)').
        text = iab.read_text(encoding="utf-8", errors="replace")
        pattern = r"^([0-9A-F]{2})-([0-9A-F]{2})-([0-9A-F]{2})\s+\(hex\)\s+.*\n([0-9A-F]{3})[0-9A-F]{3}-[0-9A-F]{6}\s+\(base 16\)\s+(.+?)\s*$"
        for a, b, c, start, org in re.findall(pattern, text, re.M):
            yield 36, f"{a}{b}{c}{start}", org, "netaddr"


_LOADERS = (_user_rows, _aiooui_rows, _scapy_rows, _netaddr_rows)


# ------------------------------------------------------------------------- oui update
def parse_csv(data: bytes) -> tuple[str, list[tuple[str, str]]]:
    """An IEEE registry CSV -> (registry kind, [(prefix, organisation)]), or RegistryFileError."""
    if len(data) > MAX_CSV_BYTES:
        raise RegistryFileError(f"file is {len(data)} bytes; an IEEE registry CSV is a few MB")
    text = data.decode("utf-8-sig", errors="replace")
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if not header or [h.strip() for h in header[:3]] != ["Registry", "Assignment", "Organization Name"]:
        raise RegistryFileError(
            "not an IEEE registry CSV: the first line must start 'Registry,Assignment,Organization Name' "
            "(download oui.csv, mam.csv or oui36.csv from https://standards-oui.ieee.org/)"
        )
    kind: str | None = None
    rows: list[tuple[str, str]] = []
    for number, row in enumerate(reader, 2):
        if not row or not any(c.strip() for c in row):
            continue
        if len(row) < 3:
            raise RegistryFileError(f"line {number}: expected Registry,Assignment,Organization Name")
        registry, prefix, org = row[0].strip(), row[1].strip().upper(), row[2].strip()
        if registry not in ("MA-L", "MA-M", "MA-S"):
            raise RegistryFileError(f"line {number}: registry {registry[:20]!r} is not MA-L, MA-M or MA-S")
        if kind is None:
            kind = registry
        elif registry != kind:
            raise RegistryFileError(f"line {number}: {registry} row in a {kind} file")
        if len(prefix) != DIGITS[BITS[registry]] or not _HEX.match(prefix):
            raise RegistryFileError(f"line {number}: assignment {prefix[:20]!r} is not a {registry} prefix")
        if org:
            rows.append((prefix, " ".join(org.split())[:200]))
    if kind is None:
        raise RegistryFileError("the file has a header but no assignments")
    return kind, rows


def install_csv(path: Path) -> tuple[str, int, Path]:
    """Validate an IEEE CSV and keep it (as TSV) in the user's data directory, used first from
    now on. Returns (registry kind, assignments, where it was stored)."""
    kind, rows = parse_csv(path.read_bytes()[: MAX_CSV_BYTES + 1])
    target_dir = user_dir()
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / f"{kind}.tsv"
    tmp = target.with_suffix(".tmp")
    tmp.write_text("".join(f"{p}\t{o}\n" for p, o in rows), encoding="utf-8")
    tmp.replace(target)
    clear_cache()
    return kind, len(rows), target
