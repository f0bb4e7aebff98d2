"""Fixtures for the identify tests: databases built from real banners (see identify_fixtures.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from identify_fixtures import make_database

from scanner.identify import FingerprintDB, load_database


@pytest.fixture
def db_factory(tmp_path: Path) -> Callable[..., FingerprintDB]:
    counter = iter(range(1000))

    def build(files: dict[str, object] | None = None, **kwargs: object) -> FingerprintDB:
        root = make_database(tmp_path / f"db{next(counter)}", files, **kwargs)  # type: ignore[arg-type]
        return load_database(root, strict=False)

    return build


@pytest.fixture
def mini_db(db_factory: Callable[..., FingerprintDB]) -> FingerprintDB:
    db = db_factory()
    assert not db.problems, db.problems
    return db
