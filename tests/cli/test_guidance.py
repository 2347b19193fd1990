"""``coach ask``: any account may ask the guidance; the answer is cited by title and
publisher; an unknown account is refused (exit 2) and an empty question fails (exit 1)."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from coach import cli
from coach.settings import Settings


def test_ask_the_guidance_from_the_terminal(indexed_settings: Settings, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    # The already-indexed guidance, with a database of this test's own.
    monkeypatch.setenv("COACH_DATA_DIR", str(indexed_settings.data_dir))
    monkeypatch.setenv("COACH_DATABASE_URL", f"sqlite:///{tmp_path / 'coach.db'}")

    def coach(*argv: str, stdin: str = "") -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        code = cli.main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    assert coach("users", "add", "ann", "--role", "trainee", "--password-stdin",
                 stdin="ann-password-1\n")[0] == 0
    code, out, err = coach("ask", "How do I summarise in an empowering way?", "--as", "ann",
                           "--json")
    assert code == 0, err
    answer = json.loads(out)
    assert answer["sentences"] and answer["sources"]
    numbers = {s["n"] for s in answer["sources"]}
    assert all(s["source"] in numbers for s in answer["sentences"])
    assert not any(".md" in s["label"] or "inferred" in s["label"] for s in answer["sources"])

    code, out, _ = coach("ask", "What's the difference between an outcome and a service?",
                         "--as", "ann")
    assert code == 0 and "[1]" in out and "Sources" in out

    code, out, err = coach("ask", "What is a personal outcome?", "--as", "nobody")
    assert (code, out) == (2, "") and err.startswith("refused: ")
    code, out, err = coach("ask", "   ", "--as", "ann")
    assert (code, out) == (1, "") and "question" in err.lower()
