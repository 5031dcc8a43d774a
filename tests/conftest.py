from __future__ import annotations

import logging
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SEED_IDS = sorted(p.name for p in SAMPLE.glob("*.txt"))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="Rewrite golden files from the current output.")


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


def seed(prefix: str) -> str:
    """The sample file name starting with ``prefix`` ("000" -> "000_ba2f7013618a9ef5.txt")."""
    return next(name for name in SEED_IDS if name.startswith(prefix))


@pytest.fixture(scope="session")
def seed_report():
    from dedup import scan

    return scan(SAMPLE)


@pytest.fixture
def sample_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "sample"
    shutil.copytree(SAMPLE, folder)
    return folder


@pytest.fixture(scope="session")
def ray_session() -> Iterator[Any]:
    """One local Ray instance (2 CPUs) for the whole session, or the one already running."""
    ray = pytest.importorskip("ray")
    started = not ray.is_initialized()
    if started:
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR)
    yield ray
    if started:
        ray.shutdown()


# The tables each schema version added (schema 6 changed what ``headlines`` holds, no table).
TABLES_ADDED = {3: "words", 4: "headlines", 5: "subjects", 7: "names"}


def as_schema(path: Path, version: int, *statements: str) -> None:
    """Make the index at ``path`` one of an older schema ``version``: run ``statements`` (the older layout
    of what changed), drop the tables added since and set the version."""
    with sqlite3.connect(path) as db:
        for statement in statements:
            db.execute(statement)
        for added, table in TABLES_ADDED.items():
            if added > version:
                db.execute(f"DROP TABLE {table}")
        db.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(version),))
    db.close()
