"""``coach roleplay``: the script/JSON contract, the interactive loop and error messages."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
import yaml

from coach import cli
from coach.cli import roleplay as roleplay_cli
from coach.settings import DEFAULT_KNOWLEDGE_DIR, KnowledgeSettings, Settings
from tests.roleplay.test_engine import GOOD_DEBS
from tests.support.roleplay_fakes import RuleCoder


@pytest.fixture(autouse=True)
def rule_coder(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI loads the real coder; these tests are about the command, not the coder."""
    import coach.coding

    monkeypatch.setattr(coach.coding, "get_coder", lambda: RuleCoder())


def test_script_json_contract(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    script = tmp_path / "turns.txt"
    script.write_text("# a comment\n\n" + "\n".join(GOOD_DEBS[:6]) + "\n", encoding="utf-8")
    rc = cli.main(["roleplay", "--persona", "debs", "--script", str(script), "--json",
                   "--realiser", "scripted"])
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    assert out["persona"] == "debs"
    assert len(out["turns"]) == 6
    for turn in out["turns"]:
        assert {"learner", "reply", "code", "stance", "receptivity", "unlocked"} <= set(turn)
    assert out["turns"][0]["learner"] == GOOD_DEBS[0]
    hidden = yaml.safe_load((DEFAULT_KNOWLEDGE_DIR / "personas" / "debs.yaml").read_text())["hidden"]
    assert out["hidden"] == [item["id"] for item in hidden["items"]]
    assert out["unlocked"] == [i for t in out["turns"] for i in t["unlocked"]]
    assert set(out["unlocked"]) <= set(out["hidden"]) and out["unlocked"]


def test_json_needs_a_script(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["roleplay", "--persona", "debs", "--json"]) == 2
    assert "--json needs --script" in capsys.readouterr().err


def test_unknown_persona_lists_the_choices(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    script = tmp_path / "t.txt"
    script.write_text("Hello?\n", encoding="utf-8")
    assert cli.main(["roleplay", "--persona", "nobody", "--script", str(script)]) == 2
    err = capsys.readouterr().err
    assert "no persona 'nobody'" in err and "debs" in err


def test_malformed_persona_file_names_file_and_field(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    knowledge = tmp_path / "knowledge"
    shutil.copytree(DEFAULT_KNOWLEDGE_DIR / "personas", knowledge / "personas")
    broken = knowledge / "personas" / "iris.yaml"
    data = yaml.safe_load(broken.read_text(encoding="utf-8"))
    data["hidden"]["items"][1]["kind"] = "secret"
    broken.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    settings = Settings.test_profile(tmp_path / "data", knowledge=KnowledgeSettings.model_construct(dir=knowledge))
    args = cli.build_parser().parse_args(["roleplay", "--persona", "debs"])
    assert roleplay_cli.run(args, settings) == 2
    err = capsys.readouterr().err
    assert str(broken) in err and "hidden.items.1.kind" in err


def test_llm_realiser_needs_configuration(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = Settings.test_profile(tmp_path / "data")
    args = cli.build_parser().parse_args(["roleplay", "--persona", "debs", "--realiser", "llm"])
    assert roleplay_cli.run(args, settings) == 2
    assert "COACH_LLM_BASE_URL" in capsys.readouterr().err


def test_interactive_session_shows_code_and_mood(tmp_path: Path) -> None:
    engine = roleplay_cli.build_engine(Settings.test_profile(tmp_path / "data"), "debs", "scripted")
    typed = "\n".join([GOOD_DEBS[0], "", "/status", *GOOD_DEBS[1:5], "/end"]) + "\n"
    out = io.StringIO()
    assert roleplay_cli.interactive(engine, stdin=io.StringIO(typed), out=out) == 0
    text = out.getvalue()
    assert "You are: A children's services social worker" in text
    assert "[Complex reflection · " in text and "mood: " in text
    assert "the reply is empty" in text  # the blank line got a note, not a crash
    assert "still hidden" in text  # /status
    assert "Debs shared:" in text  # an unlock was announced by its title
    assert "Session over after 5 turns" in text


def test_a_script_that_is_not_utf8_is_refused_naming_the_file(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    script = tmp_path / "bad.txt"
    script.write_bytes(b"\xff\xfeHello\n")
    assert cli.main(["roleplay", "--persona", "debs", "--script", str(script)]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith(f"error: {script} is not UTF-8 text: line 1 ")
    assert captured.out == ""


def test_a_missing_script_is_named_in_plain_words(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    script = tmp_path / "missing.txt"
    assert cli.main(["roleplay", "--persona", "debs", "--script", str(script)]) == 2
    assert capsys.readouterr().err == f"error: No such file: {script}\n"


@pytest.mark.parametrize(("bad_line", "said"), [
    ("x" * 2001, "has 2,001 characters; a reply is limited to 2,000"),
    ("\u200b\u200b", "shows nothing (only invisible characters)"),
])
def test_every_script_line_is_checked_before_the_conversation_starts(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], bad_line: str, said: str) -> None:
    script = tmp_path / "turns.txt"
    script.write_text(f"# line 1 is a comment\n{GOOD_DEBS[0]}\n\n{bad_line}\n", encoding="utf-8")
    assert cli.main(["roleplay", "--persona", "debs", "--script", str(script)]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith(f"error: {script}, line 4 {said}")
    assert captured.out == ""  # not even the opening line


def test_a_script_with_no_lines_to_say_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    script = tmp_path / "turns.txt"
    script.write_text("# only a comment\n\n", encoding="utf-8")
    assert cli.main(["roleplay", "--persona", "debs", "--script", str(script)]) == 2
    assert "has no lines to say" in capsys.readouterr().err
