"""``coach code``: the JSONL contract other tools rely on, and the readable output."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from coach.cli import main
from coach.coding import CODES, STANCES
from evals.common import PROJECT_ROOT


def _lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_jsonl_contract(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join([
        json.dumps({"id": "a", "reply": "Tell me about the holiday.",
                    "context": "We're saving for a holiday."}),
        json.dumps({"id": 2, "reply": "It sounds lonely. What would help?",
                    "history": [{"speaker": "person", "text": "I don't see anybody."}]}),
        json.dumps({"id": "c", "reply": "You'll need to sign the form."}),
    ]) + "\n")
    assert main(["code", "--jsonl", str(path)]) == 0
    out = _lines(capsys.readouterr().out)
    assert [o["id"] for o in out] == ["a", 2, "c"]
    for o in out:
        assert {"id", "code", "stance", "sentences", "cues"} <= set(o)
        assert o["code"] in CODES and o["stance"] in STANCES
        assert all(set(s) == {"text", "code"} and s["code"] in CODES for s in o["sentences"])
        assert isinstance(o["cues"], list) and o["cues"]
    assert out[0]["code"] == "open_question"
    assert [s["text"] for s in out[1]["sentences"]] == ["It sounds lonely.", "What would help?"]


def test_jsonl_bad_lines_give_errors_and_the_rest_is_coded(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join([
        json.dumps({"id": 1, "reply": "How are you getting on?"}),
        "{not json",
        json.dumps({"id": 3, "reply": "   "}),
        "",
        json.dumps({"id": 5, "reply": "Hi", "history": [{"speaker": "cat", "text": "x"}]}),
        json.dumps({"id": 6, "reply": 42}),
        json.dumps(["a list"]),
        json.dumps({"id": 8, "reply": "So you'd like to stay at home.",
                    "context": "I want to stay at home."}),
    ]) + "\n")
    assert main(["code", "--jsonl", str(path)]) == 1
    captured = capsys.readouterr()
    out = _lines(captured.out)
    assert len(out) == 7  # the blank line is not a request
    by_line = {o.get("line"): o for o in out if "error" in o}
    assert set(by_line) == {2, 3, 5, 6, 7}
    assert "not valid JSON" in by_line[2]["error"]
    assert by_line[3]["id"] == 3 and "empty" in by_line[3]["error"]
    assert by_line[5]["id"] == 5 and "history[0]" in by_line[5]["error"]
    assert by_line[6]["id"] == 6 and "'reply' must be a string" in by_line[6]["error"]
    coded = [o for o in out if "error" not in o]
    assert [o["id"] for o in coded] == [1, 8]
    assert coded[1]["code"].startswith("reflection")
    assert "could not be coded" in captured.err


def test_readable_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["code", "Why didn't you know she was out?",
                 "--context", "I didn't know she was out."]) == 0
    out = capsys.readouterr().out
    assert "Code:     Open question (open_question)" in out
    assert "Stance:   Paperwork / risk-led (paperwork)" in out
    assert "asks why" in out


def test_empty_reply_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["code", "  "]) == 2
    assert "empty" in capsys.readouterr().err


def test_cli_subprocess_reads_stdin() -> None:
    line = json.dumps({"id": "x", "reply": "What matters to you?", "context": "Not much."})
    proc = subprocess.run(
        [sys.executable, "-m", "coach.cli", "code", "--jsonl", "-"],
        input=line + "\n", capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    (out,) = _lines(proc.stdout)
    assert out["id"] == "x" and out["code"] == "open_question"


def test_a_jsonl_file_that_is_not_utf8_is_refused_whole_naming_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_bytes(b'{"reply": "Hello"}\n\xff\xfe{"reply": "hi"}\n')
    assert main(["code", "--jsonl", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""  # nothing coded from a file that will be refused
    assert captured.err.startswith(f"error: {path} is not UTF-8 text: line 2 ")
    assert "Traceback" not in captured.err


def test_a_missing_jsonl_file_is_named_in_plain_words(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "missing.jsonl"
    assert main(["code", "--jsonl", str(path)]) == 2
    assert capsys.readouterr().err == f"error: No such file: {path}\n"


def test_piped_lines_that_are_not_utf8_are_errors_of_their_own_and_the_rest_is_coded(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Strict decoding, as standard input has under a locale such as en_GB.UTF-8.
    piped = b'\xff\xfe{"id": 1, "reply": "hi"}\n{"id": 2, "reply": "How are you?"}\n'
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(piped), encoding="utf-8"))
    assert main(["code", "--jsonl", "-"]) == 1
    captured = capsys.readouterr()
    first, second = _lines(captured.out)
    assert first == {"id": None, "line": 1, "error": "not UTF-8 text: save the input as UTF-8"}
    assert second["id"] == 2 and second["code"] == "open_question"
    assert captured.err.startswith("1 line could not be coded;")
