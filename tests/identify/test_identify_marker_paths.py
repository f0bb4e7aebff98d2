"""``http_marker_paths``: the HTTP probe requests exactly the GET paths the http.marker examples name.

The probe fetches these paths from every web server it meets, so the list must come from the
database (no hard-coded path) and must hold nothing but read-only GET paths of real examples.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import yaml

from identify_fixtures import REPO_DB
from scanner.identify import FingerprintDB, http_marker_paths, load_database

MARKER_FILE = REPO_DB / "http_marker.yaml"
# The real Hikvision ISAPI refusal (mezz64/pyHik#15), as fingerprints/http_marker.yaml holds it.
HIK_401 = yaml.safe_load(MARKER_FILE.read_text(encoding="utf-8"))["fingerprints"][0]


def _paths_in_yaml() -> list[str]:
    """The GET paths read straight from the YAML file, independently of the loader."""
    doc = yaml.safe_load(MARKER_FILE.read_text(encoding="utf-8"))
    paths: list[str] = []
    for fp in doc["fingerprints"]:
        for example in fp["examples"]:
            first_line = example["value"].split("\n", 1)[0]
            method, path, _status = first_line.split(" ", 2)
            assert method == "GET", f"{fp['id']}: marker examples are GET requests only"
            if path not in paths:
                paths.append(path)
    return paths


def test_marker_paths_are_the_get_paths_of_the_shipped_marker_examples() -> None:
    paths = http_marker_paths(load_database(REPO_DB))
    assert paths == _paths_in_yaml()
    assert "/ISAPI/System/deviceInfo" in paths
    assert all(re.fullmatch(r"/\S*", p) for p in paths)


def test_marker_paths_default_to_the_shipped_database() -> None:
    assert http_marker_paths() == http_marker_paths(load_database(REPO_DB))


def test_a_path_named_by_two_examples_is_requested_once(db_factory: Callable[..., FingerprintDB]) -> None:
    twice = dict(HIK_401, id="hikvision-isapi-again", description="the same marker, seen again")
    db = db_factory({"http_marker.yaml": {"matches": "http.marker", "description": "markers",
                                          "fingerprints": [HIK_401, twice]}})
    assert http_marker_paths(db) == ["/ISAPI/System/deviceInfo"]


def test_a_database_without_marker_fingerprints_requests_no_path(db_factory: Callable[..., FingerprintDB]) -> None:
    db = db_factory({})
    assert http_marker_paths(db) == []
