"""Read the database's YAML files and validate them against the JSON schemas in ``schema/``.

YAML is read with ``yaml.safe_load`` (no object construction) and a size cap, since a user's
policy file comes from outside the project. Schema errors come back as readable strings
("fingerprints[3].examples: [] is too short"), not exceptions, so the self-test can list them all.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

MAX_FILE_BYTES = 8 * 1024 * 1024


class YamlError(ValueError):
    """A database or policy file could not be read as YAML."""


# libyaml's parser where PyYAML was built with it (its wheels are): the database is read at
# every scan's start, and the pure-Python parser spent most of a second on it.
_SAFE: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_SAFE):  # type: ignore[misc,valid-type]
    """SafeLoader that keeps dates as the strings the author wrote (the schemas expect strings)
    and refuses a key written twice in one mapping: YAML would keep the last one silently, and a
    vendor entry with two ``models:`` keys once lost a whole list of grammars that way."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {key!r} written twice in one mapping", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)  # type: ignore[no-any-return]


_Loader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def read_yaml(path: Path) -> Any:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise YamlError(f"cannot read: {exc.strerror or exc}") from exc
    if len(data) > MAX_FILE_BYTES:
        raise YamlError(f"larger than {MAX_FILE_BYTES} bytes")
    try:
        return yaml.load(data.decode("utf-8"), Loader=_Loader)  # noqa: S506  a SafeLoader subclass
    except UnicodeDecodeError as exc:
        raise YamlError(f"not UTF-8: {exc}") from exc
    except yaml.YAMLError as exc:
        raise YamlError(f"invalid YAML: {exc}".replace("\n", " ")) from exc


@lru_cache(maxsize=None)
def _validator(schema_path: str) -> jsonschema.protocols.Validator:
    schema = json.loads(Path(schema_path).read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def schema_errors(document: Any, schema_path: Path) -> list[str]:
    """Every way ``document`` breaks the schema, as 'where: what' lines (empty if valid)."""
    validator = _validator(str(schema_path))
    errors = sorted(validator.iter_errors(document), key=lambda e: [str(p) for p in e.absolute_path])
    lines = []
    for error in errors:
        where = _path(error.absolute_path) or "(top level)"
        lines.append(f"{where}: {error.message}")
    return lines


def _path(parts: Any) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out
