"""``coach moments``: list, show and react for the curated moments, and ``from-turn`` as a
supervisor would script it (exit 2 with a one-line reason for a refusal)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.conftest import Run
from tests.support.apprunner import seed_data_dir

LINES = "What's been happening for you?\nIt sounds like you've been holding it all together.\n"


def test_list_show_and_react(coach: Run) -> None:
    status, out, _ = coach("moments", "list", "--json")
    listed = json.loads(out)
    assert status == 0 and len(listed) >= 12
    assert {m["persona"] for m in listed} == {"debs", "britton", "iris", "johanna", "young_father"}
    status, out, _ = coach("moments", "show", "britton_get_rid_of_the_cat")
    assert status == 0 and "person: Why does everybody want me to get rid of the cat?" in out
    status, out, _ = coach("moments", "react", "debs_take_him_into_care",
                           "It sounds like you're at the end of your tether.", "--json")
    reaction = json.loads(out)
    assert status == 0 and reaction["receptivity_change"] > 0
    assert {"code", "stance", "cues", "receptivity_change", "mood", "reply", "unlocks"} <= set(reaction)
    again = coach("moments", "react", "debs_take_him_into_care",
                  "It sounds like you're at the end of your tether.", "--json")[1]
    assert json.loads(again) == reaction


def test_unknown_moments_and_empty_replies_are_exit_status_2(coach: Run) -> None:
    status, out, err = coach("moments", "show", "nope")
    assert status == 2 and out == "" and "no moment 'nope'" in err
    status, _, err = coach("moments", "react", "debs_take_him_into_care", "  ")
    assert status == 2 and "the reply is empty" in err


def test_from_turn_as_a_supervisor_and_refused_for_a_trainee(
    coach: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, warm_data_dir: Path
) -> None:
    # A data directory with the guidance already indexed, as after any first run: the
    # practice report cites it.
    data = seed_data_dir(warm_data_dir, tmp_path / "warm")
    monkeypatch.setenv("COACH_DATA_DIR", str(data))
    for name, role in (("nia", "supervisor"), ("ann", "trainee")):
        assert coach("users", "add", name, "--role", role, "--password-stdin",
                     stdin=f"{name}-password-1\n")[0] == 0
    assert coach("teams", "add", "North", "--supervisor", "nia")[0] == 0
    assert coach("teams", "join", "North", "ann")[0] == 0
    script = tmp_path / "lines.txt"
    script.write_text(LINES, encoding="utf-8")
    status, out, err = coach("practice", "--user", "ann", "--persona", "debs", "--script",
                             str(script), "--json")
    assert status == 0, err
    session = json.loads(out)["session_id"]

    status, out, err = coach("moments", "from-turn", session, "2", "--as", "nia", "--json",
                             "--save", str(tmp_path / "made"))
    assert status == 0, err
    moment = json.loads(out)
    assert moment["persona"] == "debs" and moment["conversation"][-1]["speaker"] == "worker"
    saved = tmp_path / "made" / f"{moment['id']}.yaml"
    assert saved.is_file()
    status, out, err = coach("moments", "from-turn", session, "2", "--as", "ann")
    assert status == 2 and out == "" and err.startswith("refused: Only supervisors and admins")
    status, _, err = coach("moments", "from-turn", session, "9", "--as", "nia")
    assert status == 1 and "no reply 9" in err
