"""The ``coach`` command as a test calls it: ``coach("users", "list")`` runs
``coach.cli.main`` in-process on a fresh data directory (SQLite there, whatever the
environment says) and returns the exit code, standard output and standard error."""

from __future__ import annotations

import io
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from coach import cli

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def coach(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
          capsys: pytest.CaptureFixture[str]) -> Run:
    monkeypatch.setenv("COACH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("COACH_DATABASE_URL", raising=False)

    def run(*argv: str, stdin: str = "") -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        code = cli.main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run
