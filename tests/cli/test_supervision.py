"""The supervision commands on a fresh data directory, as an administrator would script
them: JSON on stdout, exit 2 with a one-line reason for a refusal, 1 for other failures."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from coach.cli.teams import _print_assignments
from coach.coding import Moment
from coach.teams import AssigneeView, AssignmentView
from tests.cli.conftest import Run

LINES = ["Hi Debs, thanks for letting me in. I know this isn't easy.",
         "Why did the police need to come out?",
         "It sounds like Saturday was really frightening for you and the kids.",
         "You rang the police yourself. That took courage."]



def _refused(result: tuple[int, str, str]) -> str:
    code, out, err = result
    assert code == 2 and out == "", result
    assert err.startswith("refused: ") and err.count("\n") == 1, err
    return err


def test_the_whole_supervision_flow(coach: Run, tmp_path: Path) -> None:
    # A supervisor, two teams, trainees in each (one from a CSV with a bad row).
    assert coach("users", "add", "nia", "--role", "supervisor", "--password-stdin",
                 stdin="nia-password-1\n")[0] == 0
    assert coach("users", "add", "sam", "--role", "supervisor", "--password-stdin",
                 stdin="sam-password-1\n")[0] == 0
    assert coach("teams", "add", "North", "--supervisor", "nia")[0] == 0
    assert coach("teams", "add", "South", "--supervisor", "sam")[0] == 0
    csv = tmp_path / "people.csv"
    csv.write_text("username,display_name,role,team\nann,Ann Lewis,trainee,North\n"
                   "bob,Bob Price,trainee,North\ncat,Cat Rees,trainee,South\n"
                   "no one,Bad Row,trainee,North\n", encoding="utf-8")
    code, out, err = coach("users", "import", str(csv))
    assert code == 1 and [line.split("\t")[0] for line in out.splitlines()] == ["ann", "bob", "cat"]
    assert "line 5:" in err
    assert coach("teams", "add", "North", "--supervisor", "nia")[0] == 1  # it exists
    code, out, _ = coach("teams", "list", "--json")
    assert {t["team"]: (t["supervisors"], t["members"]) for t in json.loads(out)} == {
        "North": (["nia"], ["ann", "bob"]), "South": (["sam"], ["cat"])}

    # An assignment to one team.
    code, out, _ = coach("assign", "North", "--persona", "debs", "--goal",
                         "Practise complex reflections when Debs gets defensive",
                         "--focus", "complex_reflections", "--due", "2031-03-01",
                         "--as", "nia", "--json")
    assert code == 0
    assignment = json.loads(out)["assignment_id"]
    assert isinstance(assignment, int)

    # One trainee completes it with `coach practice`.
    script = tmp_path / "debs.txt"
    script.write_text("# Ann's replies\n" + "\n".join(LINES) + "\n", encoding="utf-8")
    code, out, err = coach("practice", "--user", "ann", "--persona", "debs", "--script",
                           str(script), "--assignment", str(assignment), "--json")
    assert code == 0, err
    played = json.loads(out)
    session = played["session_id"]
    assert [t["learner"] for t in played["report"]["turns"]] == LINES

    # The supervisor sees it done, and the other member not started.
    code, out, _ = coach("assignments", "--as", "nia", "--json")
    [seen] = json.loads(out)
    assert seen["assignment_id"] == assignment and seen["focus"] == "complex_reflections"
    status = {a["user"]: a for a in seen["assignees"]}
    assert status["ann"]["status"] == "done" and status["ann"]["session_id"] == session
    assert status["ann"]["indicators"] and status["bob"]["status"] == "not_started"
    code, out, _ = coach("assignments", "--as", "nia")
    assert code == 0 and out.splitlines()[1:] == ["    ann                  done",
                                                  "    bob                  not started, due"]
    code, out, _ = coach("sessions", "--as", "nia", "--json")
    assert [s["session_id"] for s in json.loads(out)] == [session]

    # The supervisor overrides one code and comments.
    code, out, _ = coach("review", session, "--as", "nia", "--json")
    machine = json.loads(out)["turns"][1]["code"]
    human = "closed_question" if machine != "closed_question" else "open_question"
    code, out, err = coach("override", session, "2", "--code", human, "--reason",
                           "A 'why' question puts her on the spot", "--as", "nia")
    assert code == 0, err
    assert coach("comment", session, "2", "--text", "Try 'what happened' instead of 'why'.",
                 "--as", "nia")[0] == 0
    assert coach("note", session, "--towards", "Debs telling her story", "--worried",
                 "Why-questions", "--as", "nia")[0] == 0

    # `coach review` shows the human code, the machine's and the comment.
    code, out, _ = coach("review", session, "--as", "nia", "--json")
    review = json.loads(out)
    assert (review["session_id"], review["user"], review["persona"]) == (session, "ann", "debs")
    turn = review["turns"][1]
    assert turn["index"] == 2 and turn["trainee"] == LINES[1] and turn["person"]
    assert (turn["code"], turn["machine_code"]) == (human, machine)
    assert turn["stance"] == turn["machine_stance"]
    assert turn["override"] == {"by": "nia", "reason": "A 'why' question puts her on the spot"}
    assert turn["comments"] == [{"by": "nia", "text": "Try 'what happened' instead of 'why'."}]
    assert review["turns"][0]["override"] is None
    assert review["report"]["turns"][1]["coded"]["code"] == human  # the report counts the human's
    assert review["note"]["working_towards"] == "Debs telling her story"
    # The plain-text review shows the note too, only the parts that were answered.
    code, out, _ = coach("review", session, "--as", "nia")
    assert code == 0 and out.endswith(
        "Supervision note by nia:\n  What are we working towards?\n    Debs telling her story\n"
        "  What are we worried about?\n    Why-questions\n")
    # The trainee sees both codes and the comment too.
    code, out, _ = coach("review", session, "--as", "ann", "--json")
    assert json.loads(out)["turns"][1]["machine_code"] == machine

    # A trainee of the same team and a supervisor of the other team are refused.
    for outsider in ("bob", "sam"):
        _refused(coach("review", session, "--as", outsider, "--json"))
        _refused(coach("comment", session, "--text", "hello", "--as", outsider))
        _refused(coach("override", session, "1", "--code", "other", "--reason", "x",
                       "--as", outsider))
        code, out, _ = coach("sessions", "--as", outsider, "--json")
        assert session not in out
    _refused(coach("dashboard", "North", "--as", "sam", "--format", "csv"))
    _refused(coach("assignments", "cancel", str(assignment), "--as", "sam"))

    # The dashboard and the labelled data.
    code, out, _ = coach("dashboard", "North", "--as", "nia", "--format", "csv")
    header, row = out.splitlines()
    assert header.startswith("team,trainee,") and row.startswith(f"North,ann,Ann Lewis,{session}")
    code, out, _ = coach("dashboard", "North", "--as", "nia", "--format", "json")
    assert "not performance ratings" in json.loads(out)["note"]
    code, out, _ = coach("overrides", "export")
    [line] = out.splitlines()
    moment = Moment.model_validate(json.loads(line))
    assert moment.replies[0].code == human and moment.replies[0].text == LINES[1]

    assert coach("assignments", "cancel", str(assignment), "--as", "nia")[0] == 0
    code, out, _ = coach("assignments", "--as", "bob", "--json")
    assert json.loads(out)[0]["cancelled"] is True


def test_refusals_exit_2_and_other_failures_exit_1(coach: Run) -> None:
    assert coach("users", "add", "nia", "--role", "supervisor", "--password-stdin",
                 stdin="nia-password-1\n")[0] == 0
    assert coach("users", "add", "ann", "--role", "trainee", "--password-stdin",
                 stdin="ann-password-1\n")[0] == 0
    assert coach("teams", "add", "North", "--supervisor", "nia")[0] == 0
    _refused(coach("sessions", "--as", "nobody", "--json"))
    _refused(coach("review", "no-such-session", "--as", "nia", "--json"))
    _refused(coach("assign", "Nowhere", "--persona", "debs", "--goal", "g", "--as", "nia"))
    _refused(coach("assign", "North", "--persona", "debs", "--goal", "g", "--as", "ann"))
    _refused(coach("teams", "join", "Nowhere", "ann"))
    code, out, err = coach("users", "passwd", "nobody", "--password-stdin", stdin="whatever-123\n")
    assert (code, out, err) == (2, "", "error: There is no account called 'nobody'.\n")
    code, out, err = coach("assign", "North", "--persona", "debs", "--goal", "g",
                           "--due", "next week", "--as", "nia", "--json")
    assert code == 1 and out == "" and "YYYY-MM-DD" in err
    code, _, err = coach("assign", "North", "--persona", "debs", "--goal", "g", "--as", "nia")
    assert code == 1 and "no members" in err
    code, _, err = coach("teams", "add", "South", "--supervisor", "ann")
    assert code == 1 and "led by a supervisor" in err


def test_assignments_in_plain_text_say_where_each_person_stands(
        capsys: pytest.CaptureFixture[str]) -> None:
    def view(due: date | None, *people: AssigneeView, cancelled: bool = False) -> AssignmentView:
        return AssignmentView(7, "debs", "Debs", "Reflect more", None, due, "North", "nia",
                              cancelled, people)

    _print_assignments([
        view(date(2031, 3, 1), AssigneeView("ann", "Ann", "done", state="done"),
             AssigneeView("bob", "Bob", "in_progress", state="overdue"),
             AssigneeView("cat", "Cat", "not_started", state="due")),
        view(None, AssigneeView("dan", "Dan", "not_started", state="due")),
        view(date(2031, 3, 1), AssigneeView("eve", "Eve", "in_progress", state="cancelled"),
             cancelled=True),
    ])
    assert capsys.readouterr().out.splitlines() == [
        "#7 Debs, due 01 Mar 2031: Reflect more",
        "    ann                  done",
        "    bob                  in progress, overdue",
        "    cat                  not started, due",
        "#7 Debs: Reflect more",
        "    dan                  not started",
        "#7 Debs, due 01 Mar 2031 (cancelled): Reflect more",
        "    eve                  in progress",
    ]


def test_a_team_without_a_supervisor_says_so(coach: Run, tmp_path: Path) -> None:
    csv = tmp_path / "people.csv"
    csv.write_text("username,display_name,role,team\nann,Ann Lewis,trainee,West\n"
                   "bob,Bob Price,trainee,\n", encoding="utf-8")
    assert coach("users", "import", str(csv))[0] == 0
    assert coach("teams", "list") == (0, "West: no supervisor yet; members ann\n", "")
    assert coach("teams", "join", "West", "bob") == (0, "West: no supervisor yet; members ann, bob\n", "")
    assert coach("users", "add", "nia", "--role", "supervisor", "--password-stdin",
                 stdin="nia-password-1\n")[0] == 0
    assert coach("teams", "join", "West", "nia") == (0, "West: led by nia; members ann, bob\n", "")


def test_no_sessions_is_said_in_words_and_an_empty_list_in_json(coach: Run) -> None:
    assert coach("users", "add", "ann", "--role", "trainee", "--password-stdin",
                 stdin="ann-password-1\n")[0] == 0
    assert coach("sessions", "--as", "ann") == (0, "No sessions found.\n", "")
    code, out, _ = coach("sessions", "--as", "ann", "--json")
    assert code == 0 and json.loads(out) == []
