"""A turn sent twice with the same browser turn id (a retry after a dropped connection,
or the same press of Send reaching two replicas) is stored once."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from coach.service import CoachService, ServiceError
from coach.settings import Settings
from tests.test_service import _settings


@pytest.fixture(scope="module")
def two_replicas(indexed_settings: Settings,
                 tmp_path_factory: pytest.TempPathFactory) -> tuple[CoachService, CoachService]:
    """Two services on one database: what two app processes are."""
    settings = _settings(indexed_settings, tmp_path_factory.mktemp("retry"))
    one, two = CoachService(settings), CoachService(settings)
    one.warm_up()
    two.warm_up()
    return one, two


def _trainee(service: CoachService):  # type: ignore[no-untyped-def]
    name = f"r{time.time_ns()}"
    service.store.add_user(name, "a-good-password", "trainee")
    return service.store.get_user_by_name(name)


def test_a_retried_turn_is_stored_once(two_replicas: tuple[CoachService, CoachService]) -> None:
    one, two = two_replicas
    user = _trainee(one)
    session = one.start_session(user, "debs")
    first = one.take_turn(user, session.id, "What matters to you today?", client_turn_id="t-1")
    again = two.take_turn(user, session.id, "What matters to you today?", client_turn_id="t-1")
    assert len(first.turns) == len(again.turns) == 1 and again.notice is None
    later = two.take_turn(user, session.id, "Tell me more about that.", client_turn_id="t-2")
    assert [t.learner for t in later.turns] == ["What matters to you today?",
                                                "Tell me more about that."]
    stored = one.store.get_session(session.id)
    assert [t.client_turn_id for t in stored.turns] == ["t-1", "t-2"]


def test_the_same_turn_racing_on_two_replicas_is_stored_once(
        two_replicas: tuple[CoachService, CoachService]) -> None:
    one, two = two_replicas
    user = _trainee(one)
    session = one.start_session(user, "britton")
    barrier = threading.Barrier(2)
    views = []

    def press(service: CoachService) -> None:
        barrier.wait()
        views.append(service.take_turn(user, session.id, "How is Cassie doing?",
                                       client_turn_id="same-press"))

    threads = [threading.Thread(target=press, args=(s,)) for s in (one, two)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(one.store.get_session(session.id).turns) == 1
    # Neither window is told its message was lost: it was not.
    assert all(v.notice is None for v in views)


def test_turns_without_an_id_behave_as_before_and_long_ids_are_refused(
        two_replicas: tuple[CoachService, CoachService]) -> None:
    one, _ = two_replicas
    user = _trainee(one)
    session = one.start_session(user, "iris")
    one.take_turn(user, session.id, "How has coming home been?")
    one.take_turn(user, session.id, "How has coming home been?")
    assert len(one.store.get_session(session.id).turns) == 2
    with pytest.raises(ServiceError, match="at most 64"):
        one.take_turn(user, session.id, "Hello", client_turn_id="x" * 65)


def test_an_id_is_per_session(two_replicas: tuple[CoachService, CoachService], tmp_path: Path) -> None:
    one, _ = two_replicas
    user = _trainee(one)
    a, b = one.start_session(user, "debs", resume=False), one.start_session(user, "johanna")
    one.take_turn(user, a.id, "Hello Debs.", client_turn_id="k")
    assert len(one.take_turn(user, b.id, "Hello Johanna.", client_turn_id="k").turns) == 1


def test_an_id_sent_again_with_other_words_is_refused_and_nothing_more_is_stored(
        two_replicas: tuple[CoachService, CoachService]) -> None:
    one, two = two_replicas
    user = _trainee(one)
    session = one.start_session(user, "britton")
    one.take_turn(user, session.id, "What matters to you about Cassie?", client_turn_id="t-9")
    for replica in (one, two):
        with pytest.raises(ServiceError, match="other words was already sent"):
            replica.take_turn(user, session.id, "Something different", client_turn_id="t-9")
    turns = one.store.get_session(session.id).turns
    assert [t.learner for t in turns] == ["What matters to you about Cassie?"]
