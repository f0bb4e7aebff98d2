"""Load, validate and self-test the fingerprint database (``fingerprints/``).

The database is a directory: one YAML file per thing matched (``http_server.yaml``, ...),
``vendors.yaml`` (the vocabulary of makers), ``oui.yaml`` (MAC prefix overrides),
``policies/`` and ``schema/``. Loading validates each file against its JSON schema and compiles
every pattern; a broken file or fingerprint is left out and recorded as a ``Problem`` so one bad
entry never hides the rest. ``check_database`` is the self-test Recog-style databases need:
every fingerprint proves itself on its own real examples.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import FingerprintError
from ._schema import YamlError, read_yaml, schema_errors
from .vendors import VendorDB

PARAM_NAMES = frozenset({"vendor", "platform_vendor", "model", "firmware", "serial", "device_type", "hostname"})
VENDOR_PARAMS = ("vendor", "platform_vendor")
MAX_EXAMPLES = 20
_FLAGS = {"ignorecase": re.IGNORECASE, "multiline": re.MULTILINE, "dotall": re.DOTALL}
# Data files in the directory that are not fingerprint files (each has its own format).
_SPECIAL = {"vendors.yaml", "oui.yaml", "ports.yaml"}


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the database, naming the file and (where there is one) the fingerprint."""

    file: str
    message: str
    fingerprint: str | None = None

    def __str__(self) -> str:
        where = f"{self.file} [{self.fingerprint}]" if self.fingerprint else self.file
        return f"{where}: {self.message}"


@dataclass(frozen=True, slots=True)
class Example:
    value: str
    params: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Fingerprint:
    id: str
    description: str
    pattern: str
    strength: str
    source: str
    file: str
    regex: re.Pattern[str]
    params: Mapping[str, str] = field(default_factory=dict)
    flags: tuple[str, ...] = ()
    examples: tuple[Example, ...] = ()
    # A signal several makers' firmware shares (a method list): it confirms a maker other
    # evidence names and never names one alone (identity.py).
    confirm_only: bool = False

    def match(self, value: str) -> dict[str, str] | None:
        """Captured named groups (non-empty ones) if the pattern matches ``value``, else None."""
        m = self.regex.search(value)
        if m is None:
            return None
        return {k: v.strip() for k, v in m.groupdict().items() if v is not None and v.strip()}


@dataclass(frozen=True, slots=True)
class FingerprintFile:
    name: str  # file name relative to the database root, e.g. "http_server.yaml"
    matches: tuple[str, ...]
    description: str
    fingerprints: tuple[Fingerprint, ...]

    def applies_to(self, field_name: str) -> bool:
        for m in self.matches:
            if m.endswith(".*") and field_name.startswith(m[:-1]):
                return True
            if m == field_name:
                return True
        return False


@dataclass(frozen=True, slots=True)
class OuiOverride:
    prefix: str  # upper-case hex digits, no separators
    platform_vendor: str
    source: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class DefaultMac:
    """A whole MAC that firmware ships as a default (oui.yaml ``defaults``): many devices send it."""

    mac: str  # lower-case, colon-separated
    source: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class FingerprintDB:
    root: Path
    files: tuple[FingerprintFile, ...]
    vendors: VendorDB
    oui_overrides: tuple[OuiOverride, ...] = ()
    problems: tuple[Problem, ...] = ()  # what loading had to leave out
    default_macs: tuple[DefaultMac, ...] = ()  # oui.yaml defaults: firmware default MACs
    _by_field: dict[str, tuple[FingerprintFile, ...]] = field(default_factory=dict, repr=False, compare=False)

    @property
    def policies_dir(self) -> Path:
        return self.root / "policies"

    @property
    def schema_dir(self) -> Path:
        return self.root / "schema"

    def files_for(self, field_name: str) -> tuple[FingerprintFile, ...]:
        cached = self._by_field.get(field_name)
        if cached is None:
            cached = tuple(f for f in self.files if f.applies_to(field_name))
            self._by_field[field_name] = cached
        return cached

    def fingerprint(self, fingerprint_id: str) -> Fingerprint | None:
        for f in self.files:
            for fp in f.fingerprints:
                if fp.id == fingerprint_id:
                    return fp
        return None

    def __len__(self) -> int:
        return sum(len(f.fingerprints) for f in self.files)


def default_database_path() -> Path:
    """``$CCTV_SCAN_FINGERPRINTS`` if set, ``scanner/_data/fingerprints`` in an installed wheel,
    else the repository's ``fingerprints/`` (the same rule as ``scanner.data``)."""
    try:
        from ..data import fingerprints_dir

        return fingerprints_dir()
    except (ImportError, FileNotFoundError):
        pass
    package_root = Path(__file__).resolve().parent.parent
    installed = package_root / "_data" / "fingerprints"
    if installed.is_dir():
        return installed
    return package_root.parent / "fingerprints"


def load_database(path: str | Path | None = None, *, strict: bool = True) -> FingerprintDB:
    """Read the database at ``path`` (default: ``default_database_path()``).

    With ``strict`` any loading problem (YAML, schema, regex) raises ``FingerprintError`` listing
    them all; without it the broken parts are left out and listed in ``db.problems``.
    """
    root = Path(path) if path is not None else default_database_path()
    problems: list[Problem] = []
    if not root.is_dir():
        raise FingerprintError(f"fingerprint database not found: {root}")
    schema_dir = root / "schema"
    vendors = _load_vendors(root, schema_dir, problems)
    overrides, default_macs = _load_oui(root, schema_dir, problems)
    files = []
    for path_ in sorted(root.glob("*.yaml")):
        if path_.name in _SPECIAL:
            continue
        loaded = _load_file(path_, schema_dir, problems)
        if loaded is not None:
            files.append(loaded)
    db = FingerprintDB(root=root, files=tuple(files), vendors=vendors, oui_overrides=overrides, problems=tuple(problems),
                       default_macs=default_macs)
    if strict and problems:
        raise FingerprintError(
            f"fingerprint database {root} has {len(problems)} problem(s):\n" + "\n".join(f"  {p}" for p in problems)
        )
    return db


def _load_vendors(root: Path, schema_dir: Path, problems: list[Problem]) -> VendorDB:
    path = root / "vendors.yaml"
    try:
        doc = read_yaml(path)
    except YamlError as exc:
        problems.append(Problem("vendors.yaml", str(exc)))
        return VendorDB(vendors={}, lists={})
    errors = schema_errors(doc, schema_dir / "vendors.schema.json")
    problems.extend(Problem("vendors.yaml", e) for e in errors)
    if errors:
        return VendorDB(vendors={}, lists={})
    try:
        return VendorDB.from_document(doc)
    except re.error as exc:
        problems.append(Problem("vendors.yaml", f"a model grammar pattern does not compile: {exc}"))
        return VendorDB(vendors={}, lists={})


def _load_oui(root: Path, schema_dir: Path, problems: list[Problem]) -> tuple[tuple[OuiOverride, ...], tuple[DefaultMac, ...]]:
    path = root / "oui.yaml"
    if not path.exists():
        return (), ()
    try:
        doc = read_yaml(path)
    except YamlError as exc:
        problems.append(Problem("oui.yaml", str(exc)))
        return (), ()
    errors = schema_errors(doc, schema_dir / "oui.schema.json")
    problems.extend(Problem("oui.yaml", e) for e in errors)
    if errors:
        return (), ()
    overrides = tuple(
        OuiOverride(
            prefix=re.sub(r"[^0-9A-Fa-f]", "", o["prefix"]).upper(),
            platform_vendor=o["platform_vendor"],
            source=o["source"],
            note=o.get("note", ""),
        )
        for o in doc["overrides"]
    )
    defaults = []
    for d in doc.get("defaults") or ():
        digits = re.sub(r"[^0-9A-Fa-f]", "", d["mac"]).lower()
        defaults.append(DefaultMac(":".join(digits[i:i + 2] for i in range(0, 12, 2)), d["source"], d.get("note", "")))
    return overrides, tuple(defaults)


def _load_file(path: Path, schema_dir: Path, problems: list[Problem]) -> FingerprintFile | None:
    name = path.name
    try:
        doc = read_yaml(path)
    except YamlError as exc:
        problems.append(Problem(name, str(exc)))
        return None
    errors = schema_errors(doc, schema_dir / "fingerprint_file.schema.json")
    if errors:
        problems.extend(Problem(name, e, _fingerprint_at(doc, e)) for e in errors)
        return None
    matches = doc["matches"]
    fingerprints = []
    for raw in doc["fingerprints"]:
        flags = 0
        for flag in raw.get("flags", ()):
            flags |= _FLAGS[flag]
        try:
            regex = re.compile(raw["pattern"], flags)
        except re.error as exc:
            problems.append(Problem(name, f"pattern does not compile: {exc}", raw["id"]))
            continue
        fingerprints.append(
            Fingerprint(
                id=raw["id"],
                description=raw["description"],
                pattern=raw["pattern"],
                strength=raw["strength"],
                source=raw["source"],
                file=name,
                regex=regex,
                params=dict(raw.get("params") or {}),
                flags=tuple(raw.get("flags", ())),
                examples=tuple(Example(str(e["value"]), dict(e.get("params") or {})) for e in raw["examples"]),
                confirm_only=bool(raw.get("confirm_only", False)),
            )
        )
    return FingerprintFile(
        name=name,
        matches=(matches,) if isinstance(matches, str) else tuple(matches),
        description=doc["description"],
        fingerprints=tuple(fingerprints),
    )


def _fingerprint_at(doc: object, error_line: str) -> str | None:
    """The id of the fingerprint a schema error points into, if any ('fingerprints[3]...')."""
    m = re.match(r"fingerprints\[(\d+)\]", error_line)
    if m and isinstance(doc, dict):
        try:
            return str(doc["fingerprints"][int(m.group(1))].get("id")) or None
        except (IndexError, KeyError, TypeError, AttributeError):
            return None
    return None


def http_marker_paths(db: FingerprintDB | None = None) -> list[str]:
    """The paths the HTTP probe should request: every ``GET <path>`` in an ``http.marker`` example."""
    if db is None:
        from .devices import _default_db

        db = _default_db()
    paths: list[str] = []
    for f in db.files_for("http.marker"):
        for fp in f.fingerprints:
            for example in fp.examples:
                m = re.match(r"GET (/\S*)", example.value)
                if m and m.group(1) not in paths:
                    paths.append(m.group(1))
    return paths


def check_database(db: FingerprintDB, *, check_ieee: bool = True) -> list[Problem]:
    """The self-test: loading problems plus every rule in fingerprints/README.md."""
    from ._check import run_checks

    return [*db.problems, *run_checks(db, check_ieee=check_ieee)]
