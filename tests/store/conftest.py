"""The databases store tests run on: a SQLite file always and, with
COACH_TEST_POSTGRES=1, a schema of its own in a throwaway PostgreSQL on loopback."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.postgres import (
    BACKENDS,
    POSTGRES_WANTED,
    PostgresNotInstalled,
    ThrowawayPostgres,
)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[ThrowawayPostgres]:
    if not POSTGRES_WANTED:
        pytest.skip("PostgreSQL tests run only with COACH_TEST_POSTGRES=1")
    try:
        server = ThrowawayPostgres()
    except PostgresNotInstalled as exc:
        pytest.fail(str(exc), pytrace=False)
    with server:
        yield server


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'data' / 'coach.db'}"
    server: ThrowawayPostgres = request.getfixturevalue("postgres_server")
    return server.create_schema(f"t_{uuid.uuid4().hex[:16]}")
