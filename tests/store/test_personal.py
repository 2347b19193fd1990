"""People's data under their control: ``export_user`` gives everything held about a
person; ``purge_user`` erases it, keeping what they wrote on other people's work under
"deleted user". Also through ``coach users export`` and ``coach users delete --purge``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text

from coach import cli
from coach.auth import SignInDesk
from coach.store import (
    DELETED_USER,
    SignIns,
    Store,
    StoreError,
    UserNotFound,
    accounts,
    export_user,
    purge_user,
)
from tests.store.conversations import conversation, opening_state

OPENING = "Come in, mind the cat."


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(accounts, "DEFAULT_ROUNDS", 4)


def _practise(store: Store, username: str, turns: int = 3) -> str:
    user = store.get_user_by_name(username)
    assert user is not None
    session = store.create_session(user.id, "debs", opening_state(OPENING).to_dict(), OPENING)
    for i, (learner, reply, state) in enumerate(conversation(turns, OPENING)):
        store.append_turn(session.id, i, learner=f"{username}: {learner}", coded={"code": "open_question"},
                          reply=reply, act="answer", receptivity=0.3, mood="guarded", changes=[],
                          unlocked=[], realiser="scripted", fallback_reason=None, state_after=state)
    return session.id


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(f"sqlite:///{tmp_path / 'data' / 'coach.db'}")
    s.add_user("elin", "elin-password-1", "trainee")
    s.add_user("ffion", "ffion-password-2", "supervisor")
    _practise(s, "elin")
    _practise(s, "ffion", 2)
    desk = SignInDesk(s)
    desk.sign_in("elin", "wrong-password", "10.0.0.5")
    desk.sign_in("elin", "elin-password-1", "10.0.0.5")
    return s


def test_an_export_holds_everything_about_the_person_and_nothing_else(store: Store) -> None:
    document = export_user(store, "Elin")
    assert document["account"]["username"] == "elin"
    assert "password_hash" not in document["account"]
    held = document["held"]
    assert len(held["practice_sessions"]) == 1 and len(held["turns"]) == 3
    assert all(t["learner"].startswith("elin:") for t in held["turns"])
    assert [a["outcome"] for a in held["sign_in_attempts"]] == ["wrong", "ok"]
    assert len(held["sign_in_sessions"]) == 1 and "token_hash" not in held["sign_in_sessions"][0]
    json.dumps(document)  # one JSON document, as written by the CLI
    with pytest.raises(UserNotFound):
        export_user(store, "nobody")


def test_a_purge_erases_the_person_and_leaves_everyone_else(store: Store) -> None:
    ffion_before = export_user(store, "ffion")["held"]
    counts = purge_user(store, "elin")
    assert counts == {"turns": 3, "practice_sessions": 1, "sign_in_sessions": 1,
                      "sign_in_attempts": 2, "users": 1}
    assert store.get_user_by_name("elin") is None
    with store.engine.connect() as db:
        for table, column in (("turns", "learner"), ("sign_in_attempts", "username")):
            assert not db.execute(text(f"SELECT 1 FROM {table} WHERE {column} LIKE 'elin%'")).all()
    after = export_user(store, "ffion")["held"]
    assert after["turns"] == ffion_before["turns"]
    assert SignIns(store).log("elin") == []


def _supervise(store: Store) -> str:
    """ffion leads a team with elin in it, sets her a role-play and reviews her session:
    an override, comments and a supervision note; elin comments on her own session too."""
    elin, ffion = (store.get_user_by_name(n).id for n in ("elin", "ffion"))  # type: ignore[union-attr]
    team = store.create_team("North", [ffion])
    store.set_members(team.id, [elin], "member")
    store.create_assignment("debs", "Reflect when Debs is angry", None, None, team.id, ffion, [elin])
    session = store.list_sessions(elin)[0].id
    store.set_override(session, 0, "reflection_complex", None, "a reflection", ffion)
    store.add_comment(session, 0, ffion, "Working well: your reflections")
    store.add_comment(session, None, elin, "I found this hard")
    store.set_note(session, ffion, working_towards="a", working_well="b", worried_about="c",
                   needs_to_happen="d")
    return session


def _count(store: Store, table: str) -> int:
    with store.engine.connect() as db:
        return int(db.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def test_an_export_covers_teams_assignments_and_reviews(store: Store) -> None:
    session = _supervise(store)
    elin = export_user(store, "elin")["held"]
    assert [m["kind"] for m in elin["team_members"]] == ["member"]
    assert len(elin["assignment_assignees"]) == 1
    # What supervisors wrote on her session is about her; so is her own comment (once).
    assert [o["code"] for o in elin["overrides"]] == ["reflection_complex"]
    assert sorted(c["text"] for c in elin["comments"]) == ["I found this hard",
                                                           "Working well: your reflections"]
    assert [n["session_id"] for n in elin["supervision_notes"]] == [session]
    ffion = export_user(store, "ffion")
    assert [a["goal"] for a in ffion["held"]["assignments"]] == ["Reflect when Debs is angry"]
    assert [m["kind"] for m in ffion["held"]["team_members"]] == ["lead"]
    assert ffion["kept_when_deleted"] == ["assignments", "comments", "exercises", "overrides",
                                          "supervision_notes"]


def test_what_a_person_wrote_on_others_work_stays_under_deleted_user(store: Store) -> None:
    session = _supervise(store)
    counts = purge_user(store, "ffion")
    assert counts["overrides"] == counts["assignments"] == counts["supervision_notes"] == 1
    assert counts["comments"] == 1 and counts["team_members"] == 1
    with store.engine.connect() as db:
        kept = db.execute(text(
            "SELECT u.username, c.text FROM comments c JOIN users u ON u.id = c.author "
            "WHERE c.turn_index = 0")).all()
        set_by = db.execute(text("SELECT u.username FROM assignments a "
                                 "JOIN users u ON u.id = a.set_by")).scalar_one()
    assert kept == [(DELETED_USER, "Working well: your reflections")] and set_by == DELETED_USER
    assert store.overrides_for(session)[0].code == "reflection_complex"
    assert store.note_for(session) is not None
    assert _count(store, "assignment_assignees") == 1  # elin keeps her assignment
    assert store.authenticate(DELETED_USER, "anything-at-all") is None
    with pytest.raises(StoreError, match="cannot itself be deleted"):
        purge_user(store, DELETED_USER)


def test_a_trainees_purge_takes_the_reviews_of_her_sessions_and_her_memberships(
        store: Store) -> None:
    _supervise(store)
    counts = purge_user(store, "elin")
    assert (counts["overrides"], counts["comments"], counts["supervision_notes"]) == (1, 2, 1)
    assert counts["team_members"] == counts["assignment_assignees"] == 1
    for table in ("overrides", "comments", "supervision_notes", "assignment_assignees"):
        assert _count(store, table) == 0, table
    assert _count(store, "team_members") == 1 and _count(store, "assignments") == 1  # ffion's


def _exercise(store: Store) -> int:
    """ffion opens a moment for the team; elin answers it, and records outcome statements
    after her session."""
    elin, ffion = (store.get_user_by_name(n).id for n in ("elin", "ffion"))  # type: ignore[union-attr]
    team = store.create_team("North", [ffion])
    store.set_members(team.id, [elin], "member")
    exercise = store.create_exercise(team.id, ffion, "Take him into care", {"persona": "debs"},
                                     anonymous=False)
    store.add_exercise_reply(exercise.id, elin, "elin: you sound worn out", {"code": "other"})
    store.replace_statements(store.list_sessions(elin)[0].id,
                             [("I want Megan to feel safe", "outcome")])
    return exercise.id


def test_exercise_replies_and_outcome_statements_are_the_persons_too(store: Store) -> None:
    _exercise(store)
    elin = export_user(store, "elin")["held"]
    assert [r["text"] for r in elin["exercise_replies"]] == ["elin: you sound worn out"]
    assert [s["text"] for s in elin["outcome_statements"]] == ["I want Megan to feel safe"]
    assert [e["title"] for e in export_user(store, "ffion")["held"]["exercises"]] == [
        "Take him into care"]
    counts = purge_user(store, "elin")
    assert counts["exercise_replies"] == counts["outcome_statements"] == 1
    assert _count(store, "exercise_replies") == _count(store, "outcome_statements") == 0
    assert _count(store, "exercises") == 1  # the supervisor's exercise stays


def test_an_exercise_a_supervisor_opened_stays_under_deleted_user(store: Store) -> None:
    exercise = _exercise(store)
    counts = purge_user(store, "ffion")
    assert counts["exercises"] == 1
    assert store.get_exercise(exercise).title == "Take him into care"
    assert [r.text for r in store.exercise_replies(exercise)] == ["elin: you sound worn out"]
    with store.engine.connect() as db:
        opened_by = db.execute(text("SELECT u.username FROM exercises e "
                                    "JOIN users u ON u.id = e.opened_by")).scalar_one()
    assert opened_by == DELETED_USER


def test_the_cli_exports_and_deletes_with_purge_only(
        store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("COACH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("COACH_DATABASE_URL", raising=False)
    out = tmp_path / "elin.json"
    assert cli.main(["users", "export", "elin", "--output", str(out)]) == 0
    assert json.loads(out.read_text())["account"]["username"] == "elin"
    assert cli.main(["users", "delete", "elin"]) == 1
    assert "add --purge to confirm" in capsys.readouterr().err
    assert store.get_user_by_name("elin") is not None
    assert cli.main(["users", "delete", "elin", "--purge"]) == 0
    assert "Deleted 'elin'.\nErased: 1 practice session, 3 turns" in capsys.readouterr().out
    assert store.get_user_by_name("elin") is None
    assert cli.main(["users", "export", "elin"]) == 1
    assert "no account called 'elin'" in capsys.readouterr().err
