"""``coach db current`` and ``coach db upgrade``."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from coach import cli
from tests.store import legacy_v1


@pytest.fixture
def data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("COACH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("COACH_DATABASE_URL", raising=False)
    return tmp_path / "data"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(["db", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_current_then_upgrade_a_database_from_before_migrations(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = data_dir / "coach.db"
    legacy_v1.create(f"sqlite:///{db}").dispose()

    code, out, _ = run(capsys, "current")
    assert code == 0
    assert "written before schema migrations (counts as revision 0001); the latest is 0005" in out
    assert "coach db upgrade" in out
    with sqlite3.connect(db) as conn:  # looking changed nothing
        assert not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'alembic_version'").fetchall()
    assert list(data_dir.glob("coach.db.backup-*")) == []

    code, out, _ = run(capsys, "upgrade")
    assert code == 0
    assert "upgraded from revision 0001 to 0005 (ran 0002, 0003, 0004, 0005)" in out
    (backup,) = data_dir.glob("coach.db.backup-0001-*")
    assert f"kept in {backup}" in out

    assert run(capsys, "current")[:2] == (0, f"sqlite:///{db}: revision 0005 (the latest).\n")
    code, out, _ = run(capsys, "upgrade")
    assert (code, out) == (0, f"sqlite:///{db}: already at the latest revision, 0005.\n")
    assert len(list(data_dir.glob("coach.db.backup-*"))) == 1


def test_a_new_database(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "current")
    assert code == 0 and "no database yet; it is created at revision 0005" in out
    assert not (data_dir / "coach.db").exists()  # looking does not create it

    code, out, _ = run(capsys, "upgrade")
    assert (code, out) == (0, f"sqlite:///{data_dir / 'coach.db'}: created at revision 0005.\n")
    assert list(data_dir.glob("coach.db.backup-*")) == []


def test_a_database_from_a_newer_version_is_an_error(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "upgrade")[0] == 0
    with sqlite3.connect(data_dir / "coach.db") as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0042'")
    for action in ("current", "upgrade"):
        code, out, err = run(capsys, action)
        assert (code, out) == (1, "")
        assert err.startswith("error: ") and "revision 0042, which this version" in err
