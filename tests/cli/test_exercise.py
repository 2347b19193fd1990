"""``coach exercise`` and ``coach outcomes`` on a fresh data directory: the web app's
rules from the terminal, JSON on stdout, exit 2 for a refusal and 1 for a failure."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.conftest import Run

REPLIES = {"ann": "It sounds like you're worn out with it all.",
           "bob": "If this happens again we will have to look at care proceedings.",
           "cat": "What would help things feel calmer at home?"}


def test_an_exercise_and_a_recording_from_the_terminal(coach: Run, tmp_path: Path) -> None:
    for name, role in (("nia", "supervisor"), ("sam", "supervisor"), ("ann", "trainee"),
                       ("bob", "trainee"), ("cat", "trainee"), ("dan", "trainee")):
        assert coach("users", "add", name, "--role", role, "--password-stdin",
                     stdin=f"{name}-password-1\n")[0] == 0
    assert coach("teams", "add", "North", "--supervisor", "nia")[0] == 0
    assert coach("teams", "join", "North", "ann", "bob", "cat")[0] == 0
    assert coach("exercise", "list", "--as", "nia") == (0, "No exercises found.\n", "")
    assert coach("exercise", "list", "--as", "nia", "--json") == (0, "[]\n", "")
    code, out, _ = coach("exercise", "moments")
    assert code == 0 and "debs_take_him_into_care" in out

    code, out, err = coach("exercise", "open", "North", "--moment", "debs_take_him_into_care",
                           "--as", "ann")
    assert code == 2 and "Only the team's supervisor" in err
    code, out, err = coach("exercise", "open", "North", "--as", "nia")
    assert code == 1 and "either --moment" in err
    code, out, _ = coach("exercise", "open", "North", "--moment", "debs_take_him_into_care",
                         "--as", "nia", "--json")
    exercise = str(json.loads(out)["id"])
    for name, reply in REPLIES.items():
        code, out, err = coach("exercise", "answer", exercise, "--text", reply, "--as", name,
                               "--json")
        assert code == 0, err
    assert coach("exercise", "answer", exercise, "--text", "Again", "--as", "ann")[0] == 1
    assert coach("exercise", "show", exercise, "--as", "dan")[0] == 2
    plot = tmp_path / "spread.png"
    code, out, err = coach("exercise", "show", exercise, "--as", "nia", "--json", "--plot", str(plot))
    shown = json.loads(out)
    assert err == f"Wrote the spread plot to {plot}.\n"
    assert [r["rank"] for r in shown["replies"]] == [1, 2, 3]
    assert shown["replies"][-1]["text"] == REPLIES["bob"]
    assert len(shown["exemplars"]) == 2 and plot.read_bytes()[:4] == b"\x89PNG"
    code, out, _ = coach("exercise", "close", exercise, "--as", "nia")
    assert code == 0 and "closed" in out and "they would say" in out

    code, out, _ = coach("outcomes", "check", "I want to walk Cassie again", "Respite care",
                         "--json")
    assert [c["label"] for c in json.loads(out)] == ["outcome", "service"]
    script = tmp_path / "lines.txt"
    script.write_text("What's been happening for you?\n", encoding="utf-8")
    code, out, _ = coach("practice", "--user", "ann", "--persona", "debs", "--script",
                         str(script), "--json")
    session = json.loads(out)["session_id"]
    code, out, err = coach("outcomes", "record", session, "--text", "I want my family together",
                           "--as", "ann", "--json")
    assert code == 0, err
    assert json.loads(out)["statements"][0]["label"] == "outcome"
    assert coach("outcomes", "show", session, "--as", "nia")[0] == 0
    assert coach("outcomes", "show", session, "--as", "sam")[0] == 2
    assert coach("outcomes", "record", session, "--text", "x", "--as", "nia")[0] == 2
