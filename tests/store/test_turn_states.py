"""Each turn's state is stored compactly (its size does not grow with the conversation)
and the whole state after any turn is restored exactly, without replaying anything."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from coach.roleplay import PersonaState
from coach.service import CoachService, ServiceError
from coach.settings import Settings
from coach.store import SessionNotFound, Store, TurnNotFound
from coach.store._schema import TurnRow
from coach.store._turnstate import compact, restore, restore_all
from tests.roleplay.test_engine import GOOD_DEBS
from tests.store.conversations import conversation, opening_state
from tests.support.roleplay_fakes import RuleCoder

OPENING = "Come in, if you must."


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    with Store(db_url, password_rounds=4) as opened:
        yield opened


def play(store: Store, turns: int) -> tuple[str, list[dict[str, Any]]]:
    user = store.add_user(f"trainee{turns}", "correct horse", "trainee")
    session = store.create_session(user.id, "debs", opening_state(OPENING).to_dict(), OPENING)
    states = []
    for i, (learner, reply, state) in enumerate(conversation(turns, OPENING)):
        store.append_turn(session.id, i, learner, {"code": "open_question"}, reply, "answer",
                          state["receptivity"], "warming", [], [], "scripted", None, state)
        states.append(state)
    return session.id, states


def stored_sizes(store: Store, session_id: str) -> list[int]:
    with store.engine.connect() as conn:
        rows = conn.execute(select(TurnRow.state_after).where(TurnRow.session_id == session_id)
                            .order_by(TurnRow.index)).scalars()
        return [len(json.dumps(r, ensure_ascii=False)) for r in rows]


def test_the_stored_state_does_not_grow_with_the_conversation(store: Store) -> None:
    session_id, states = play(store, 200)
    sizes = stored_sizes(store, session_id)
    # Turn 200's stored state is about the size of turn 2's ...
    assert sizes[199] < 1.25 * sizes[1], (sizes[1], sizes[199])
    # ... where a copy of the whole state (as stored before) is some fifty times larger.
    whole = len(json.dumps(states[199], ensure_ascii=False))
    assert whole > 40 * sizes[199], (whole, sizes[199])
    # And the whole state after every turn comes back exactly.
    loaded = store.get_session(session_id, turn_states=True)
    assert [t.state_after for t in loaded.turns] == states
    for index in (0, 1, 57, 198, 199):
        assert store.state_after(session_id, index) == states[index]
    assert store.get_session(session_id).state == states[199]


def test_a_turn_that_is_not_there_is_refused(store: Store) -> None:
    session_id, _ = play(store, 3)
    for bad in (3, -1):
        with pytest.raises(TurnNotFound, match=f"no turn {bad} in session .*: it has turns 0 to 2"):
            store.state_after(session_id, bad)
    empty = store.create_session(store.add_user("dai", "correct horse", "trainee").id, "debs", {}, "Hi")
    with pytest.raises(TurnNotFound, match="it has no turns yet"):
        store.state_after(empty.id, 0)
    with pytest.raises(SessionNotFound):
        store.state_after("no-such-session", 0)
    owner = store.get_session(session_id).user_id
    assert store.state_after(session_id, 2, user_id=owner)["turn"] == 3
    with pytest.raises(SessionNotFound):  # another user's session is not there for them
        store.state_after(session_id, 2, user_id=owner + 1)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (None, {"history": [["person", "Hi"], ["worker", "w"], ["person", "r"]], "seed": 1}),
        # A history the turns do not tell (a stored reply rewritten, say) is kept whole.
        ({"history": [["person", "Hi"]]}, {"history": [["person", "Hi"], ["worker", "w"], ["person", "other"]]}),
        ({"used": ["a", "b"]}, {"used": ["a"]}),                      # a list that shrank
        ({"used": ["a", "b"]}, {"used": ["b", "a", "c"]}),            # one that changed
        ({"used": "a"}, {"used": ["a"]}),                             # not a list before
        ({"gone": 1, "kept": [1]}, {"kept": [1], "new": {"x": [1]}}),  # keys come and go
        ({"n": [[1], [2]]}, {"n": [[1], [2], [3]]}),
    ],
    ids=["first-turn", "history-not-told", "shrunk", "reordered", "was-text", "keys", "nested"],
)
def test_whatever_the_state_holds_it_is_restored_exactly(
    before: dict[str, Any] | None, after: dict[str, Any]
) -> None:
    stored = compact(before, after, "Hi", "w", "r")
    assert restore(before, stored, "Hi", "w", "r") == after


def test_what_only_grew_is_stored_as_what_was_added() -> None:
    before = opening_state(OPENING).to_dict()
    learner, reply, after = conversation(1, OPENING)[0]
    stored = compact(before, after, OPENING, learner, reply)
    assert stored["appended"] == {"used_lines": ["answer_0_0"]}
    assert stored["history_from_turns"] is True and "history" not in stored["fields"]
    assert stored["fields"]["receptivity"] == after["receptivity"]
    assert list(restore_all(OPENING, [])) == []


# --- through the service, with the real persona engine ----------------------------------

@pytest.fixture
def service(tmp_path: Path) -> CoachService:
    return CoachService(Settings.test_profile(tmp_path / "data"), coder=RuleCoder())


def test_the_service_restores_the_engines_state_after_any_turn(service: CoachService) -> None:
    service.store.add_user("trainee", "a-good-password", "trainee")
    user = service.store.get_user_by_name("trainee")
    assert user is not None
    view = service.start_session(user, "debs")
    after: list[PersonaState] = []
    for line in GOOD_DEBS:
        view = service.take_turn(user, view.id, line)
        after.append(PersonaState.from_dict(service.store.get_session(view.id).state))
        if view.status != "active":
            break
    assert len(after) >= 8 and len(after[-1].history) == 2 * len(after) + 1
    for index, expected in enumerate(after):
        assert service.state_after(user, view.id, index) == expected
    # The engine's history is what the opening and the turns say, so none of it is stored.
    with service.store.engine.connect() as conn:
        stored = list(conn.execute(select(TurnRow.state_after)).scalars())
    assert len(stored) == len(after)
    assert all(s.get("history_from_turns") and "history" not in s["fields"] for s in stored)
    assert all(s["appended"]["used_lines"] for s in stored[1:])

    with pytest.raises(ServiceError, match=f"has {len(after)} turns, so there is no turn {len(after) + 1}"):
        service.state_after(user, view.id, len(after))
    service.store.add_user("someone", "a-good-password", "trainee")
    other = service.store.get_user_by_name("someone")
    assert other is not None
    with pytest.raises(ServiceError, match="could not be found"):
        service.state_after(other, view.id, 0)

