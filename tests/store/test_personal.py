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
    HOLDINGS,
    Holding,
    SignIns,
    Store,
    StoreError,
    UserNotFound,
    _personal,
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


def test_what_a_person_wrote_on_others_work_stays_under_deleted_user(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    # A supervisor's comment on a trainee's session (the supervision tables register
    # themselves in HOLDINGS with keep=True; this one stands in for them).
    with store.engine.begin() as db:
        db.execute(text("CREATE TABLE comments (id INTEGER PRIMARY KEY, session_id TEXT, "
                        "author_id INTEGER NOT NULL REFERENCES users(id), body TEXT)"))
        elin_session = store.list_sessions(store.get_user_by_name("elin").id)[0].id  # type: ignore[union-attr]
        ffion = store.get_user_by_name("ffion").id  # type: ignore[union-attr]
        db.execute(text("INSERT INTO comments (session_id, author_id, body) VALUES "
                        "(:s, :a, 'Working well: your reflections')"), {"s": elin_session, "a": ffion})
    monkeypatch.setattr(_personal, "HOLDINGS",
                        (*HOLDINGS, Holding("comments", "author_id", keep=True)))
    assert export_user(store, "ffion")["held"]["comments"][0]["body"].startswith("Working well")
    assert purge_user(store, "ffion")["comments"] == 1
    with store.engine.connect() as db:
        author, body = db.execute(text(
            "SELECT u.username, c.body FROM comments c JOIN users u ON u.id = c.author_id")).one()
    assert (author, body) == (DELETED_USER, "Working well: your reflections")
    assert store.authenticate(DELETED_USER, "anything-at-all") is None
    with pytest.raises(StoreError, match="cannot itself be deleted"):
        purge_user(store, DELETED_USER)


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
    assert "Deleted 'elin' and their data (3 turns, 1 practice sessions" in capsys.readouterr().out
    assert store.get_user_by_name("elin") is None
    assert cli.main(["users", "export", "elin"]) == 1
    assert "no account called 'elin'" in capsys.readouterr().err
