"""The service's practice features: lines not repeated across a trainee's recent
sessions, hints that do not repeat themselves, feedback about the reply, the report's
visit sections, and asking the guidance."""

from __future__ import annotations

import time

import pytest

from coach.guidance import GuidanceService
from coach.service import CoachService, NotAllowed, ServiceError
from coach.settings import Settings
from coach.store import User
from tests.test_service import _settings


@pytest.fixture(scope="module")
def service(indexed_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> CoachService:
    return CoachService(_settings(indexed_settings, tmp_path_factory.mktemp("practice")))


@pytest.fixture
def trainee(service: CoachService):  # type: ignore[no-untyped-def]
    name = f"p{time.time_ns()}"
    service.store.add_user(name, "a-good-password", "trainee")
    return service.store.get_user_by_name(name)


def test_a_new_session_avoids_the_lines_of_the_last_three(service, trainee) -> None:  # type: ignore[no-untyped-def]
    heard: list[str] = []
    for _ in range(3):
        view = service.start_session(trainee, "debs", resume=False)
        service.take_turn(trainee, view.id, "Hello Debs, how are you doing today?")
        state = service.store.get_session(view.id).state
        assert set(state.get("avoid_lines", [])) == set(heard)
        heard += state["used_lines"]
        service.end_session(trainee, view.id)
    firsts = [s.state["used_lines"][1] for s in service.store.list_sessions(trainee.id, "debs")]
    assert len(set(firsts)) == 3


def test_hints_feedback_report_and_guidance(service, trainee) -> None:  # type: ignore[no-untyped-def]
    view = service.start_session(trainee, "britton", resume=False)
    view = service.take_turn(trainee, view.id, "Why did you refuse to go to hospital?")
    assert "blame" in view.turns[-1].feedback and "Mr Britton" in view.turns[-1].feedback
    first = service.hint(trainee, view.id)
    second = service.hint(trainee, view.id, previous=first.memo())
    assert (second.rule, second.skill) != (first.rule, first.skill)
    report = service.end_session(trainee, view.id)
    assert report.meta and report.meta.trainee == trainee.username and report.meta.persona_id == "britton"
    assert report.ending and report.ending.by == "trainee"
    assert {c.id for c in report.safeguarding} == {"hospital_refusals", "managing_at_home"}
    assert report.safeguarding[0].raised and report.safeguarding[0].turn_index == 1


def test_only_the_sessions_trainee_gets_its_hints(service, trainee) -> None:  # type: ignore[no-untyped-def]
    view = service.start_session(trainee, "debs", resume=False)
    name = f"o{time.time_ns()}"
    service.store.add_user(name, "a-good-password", "trainee")
    other = service.store.get_user_by_name(name)
    with pytest.raises(NotAllowed):
        service.hint(other, view.id)
    assert service.hint(trainee, view.id).skill


def test_a_rebuilt_report_keeps_when_the_session_ended(service, trainee) -> None:  # type: ignore[no-untyped-def]
    view = service.start_session(trainee, "iris", resume=False)
    service.take_turn(trainee, view.id, "What matters most to you at the moment, Iris?")
    first = service.end_session(trainee, view.id)
    time.sleep(1.1)  # the times are kept to the second
    again = service.rebuild_report(view.id)
    assert first.meta and again.meta and again.meta.ended == first.meta.ended
    assert again.meta.rubric_version == service.rubric.version


def test_anyone_signed_in_may_ask_the_guidance(service, trainee) -> None:  # type: ignore[no-untyped-def]
    guide = GuidanceService(service)
    answer = guide.ask(trainee, "How do I summarise in an empowering way?")
    assert answer.sentences and answer.sources
    with pytest.raises(ServiceError, match="Type a question"):
        guide.ask(trainee, "")
    gone = User(id=10**9, username="gone", display_name="", role="trainee",
                created_at=trainee.created_at)
    with pytest.raises(NotAllowed):
        guide.ask(gone, "What is a personal outcome?")
