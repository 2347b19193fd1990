"""The ``coach`` entry point: a reader that stops early (``coach … | head -1``) ends the
command quietly, with the status a shell gives a Unix tool its reader left (141)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from coach import cli
from evals.common import PROJECT_ROOT
from tests.cli.conftest import Run


class _ClosedPipe:
    """Standard output after the reader has gone: every write fails as a pipe's would."""

    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")

    def flush(self) -> None:
        raise BrokenPipeError(32, "Broken pipe")


@pytest.mark.parametrize("argv", [("users", "list"), ("teams", "list")])
def test_a_closed_pipe_ends_the_command_quietly(
        coach: Run, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        argv: tuple[str, ...]) -> None:
    monkeypatch.setattr(sys, "stdout", _ClosedPipe())
    assert cli.main(list(argv)) == 141
    monkeypatch.undo()
    assert capsys.readouterr().err == ""  # no "error: [Errno 32] Broken pipe"


def test_a_closed_pipe_leaves_nothing_on_standard_error_at_exit(tmp_path: Path) -> None:
    env = {**os.environ, "COACH_DATA_DIR": str(tmp_path / "data")}
    env.pop("COACH_DATABASE_URL", None)
    run = subprocess.Popen([sys.executable, "-m", "coach.cli", "users", "list"], cwd=PROJECT_ROOT,
                           env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert run.stdout is not None and run.stderr is not None
    run.stdout.close()  # the reader goes before the command has written anything
    err = run.stderr.read().decode()
    assert (run.wait(timeout=120), err) == (141, "")
