"""``coach practice --script``: every line of the script is checked before a session
starts, so a bad line leaves nothing behind in the trainee's history."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.conftest import Run


@pytest.fixture
def ana(coach: Run) -> Run:
    assert coach("users", "add", "ana", "--role", "trainee", "--password-stdin",
                 stdin="pw123456\n")[0] == 0
    return coach


def _no_sessions(coach: Run) -> bool:
    code, out, _ = coach("sessions", "--as", "ana", "--json")
    return code == 0 and json.loads(out) == []


def _practise(coach: Run, script: Path) -> tuple[int, str, str]:
    return coach("practice", "--user", "ana", "--persona", "debs", "--script", str(script))


def test_a_line_over_the_limit_is_refused_by_number_and_no_session_is_started(
        ana: Run, tmp_path: Path) -> None:
    script = tmp_path / "long.txt"
    script.write_text("Hello Debs, thanks for letting me in.\n" + "x" * 2500 + "\n",
                      encoding="utf-8")
    assert _practise(ana, script) == (
        2, "", f"error: {script}, line 2 has 2,500 characters; a reply is limited to 2,000. "
               "Nothing was started.\n")
    assert _no_sessions(ana)


def test_the_limit_is_the_one_in_the_settings(
        ana: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COACH_MAX_MESSAGE_CHARS", "150")
    script = tmp_path / "lines.txt"
    script.write_text("Hello Debs.\n" + "y" * 151 + "\n", encoding="utf-8")
    code, _, err = _practise(ana, script)
    assert code == 2 and "line 2 has 151 characters; a reply is limited to 150." in err
    assert _no_sessions(ana)


def test_a_line_that_shows_nothing_is_refused_by_number(ana: Run, tmp_path: Path) -> None:
    script = tmp_path / "lines.txt"
    script.write_text("# Ana's replies\nHello Debs.\n\u200b\u2060\n", encoding="utf-8")
    code, _, err = _practise(ana, script)
    assert code == 2 and err.startswith(f"error: {script}, line 3 shows nothing")
    assert _no_sessions(ana)


def test_a_missing_script_is_named_in_plain_words(ana: Run, tmp_path: Path) -> None:
    script = tmp_path / "missing.txt"
    assert _practise(ana, script) == (2, "", f"error: No such file: {script}\n")
    assert _no_sessions(ana)


def test_a_script_that_is_not_utf8_is_refused(ana: Run, tmp_path: Path) -> None:
    script = tmp_path / "bad.txt"
    script.write_bytes(b"Hello Debs.\n\xff\xfeHow are things?\n")
    code, _, err = _practise(ana, script)
    assert code == 2 and err.startswith(f"error: {script} is not UTF-8 text: line 2 ")
    assert _no_sessions(ana)
