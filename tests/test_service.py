"""The application service with its real parts: coder, personas, Chroma, SQLite."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from coach.service import CoachService, ServiceError
from coach.settings import DatabaseSettings, LLMSettings, Settings
from coach.store import Store
from tests.support.fake_openai import FakeOpenAIServer, dead_base_url


def _settings(indexed: Settings, db_dir: Path, **overrides: object) -> Settings:
    """The already-indexed knowledge store, with a database of the test's own."""
    db_dir.mkdir(parents=True, exist_ok=True)
    return Settings.test_profile(
        indexed.data_dir, database=DatabaseSettings.model_construct(url=f"sqlite:///{db_dir / 'coach.db'}"),
        **overrides,
    )


@pytest.fixture(scope="module")
def service(indexed_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> CoachService:
    svc = CoachService(_settings(indexed_settings, tmp_path_factory.mktemp("svc")))
    svc.warm_up()
    return svc


@pytest.fixture
def trainee(service: CoachService):  # type: ignore[no-untyped-def]
    name = f"t{time.time_ns()}"
    service.store.add_user(name, "a-good-password", "trainee")
    return service.store.get_user_by_name(name)


def test_scenarios_show_only_the_brief(service: CoachService) -> None:
    scenarios = {s.id: s for s in service.scenarios()}
    assert {"debs", "britton", "iris", "johanna", "young_father"} <= set(scenarios)
    debs = scenarios["debs"]
    assert debs.situation and debs.your_goal
    shown = " ".join(str(v) for v in vars(debs).values())
    for item in service.personas["debs"].hidden.items:
        for line in item.lines:
            assert line not in shown


def test_a_turn_is_coded_answered_and_stored(service: CoachService, trainee) -> None:  # type: ignore[no-untyped-def]
    view = service.start_session(trainee, "debs")
    assert view.opening and not view.turns
    view = service.take_turn(trainee, view.id, "It sounds like Saturday was really frightening for you.")
    turn = view.turns[-1]
    assert turn.code.startswith("reflection") and turn.stance in {"outcomes", "neutral"}
    assert turn.reply and turn.feedback
    stored = service.store.get_session(view.id)
    assert stored.turn_count == 1 and stored.turns[0].learner.startswith("It sounds like")


def test_a_welsh_reply_stays_in_the_conversation_and_the_view_says_coding_is_english_only(
        service: CoachService, trainee) -> None:  # type: ignore[no-untyped-def]
    from coach.ui.render import chips_html

    welsh = "Sut wyt ti heddiw? Dw i eisiau siarad am dy deulu di."
    view = service.start_session(trainee, "debs", resume=False)
    view = service.take_turn(trainee, view.id, welsh)
    turn = view.turns[-1]
    assert turn.learner == welsh and turn.reply
    assert (turn.code, turn.stance) == ("other", "neutral")
    assert "English-only" in " ".join(turn.cues)
    assert "Coding is English-only for now" in chips_html(turn)
    assert service.store.get_session(view.id).turns[0].learner == welsh


def test_empty_and_overlong_messages_are_refused_and_nothing_changes(service: CoachService, trainee) -> None:  # type: ignore[no-untyped-def]
    view = service.start_session(trainee, "britton")
    with pytest.raises(ServiceError, match="empty"):
        service.take_turn(trainee, view.id, "   \n ")
    with pytest.raises(ServiceError, match="limited to"):
        service.take_turn(trainee, view.id, "x" * (service.settings.app.max_message_chars + 1))
    assert service.store.get_session(view.id).turn_count == 0


def test_an_empty_reply_is_refused_in_the_same_words_by_service_engine_and_coder(
        service: CoachService, trainee) -> None:  # type: ignore[no-untyped-def]
    from coach.coding import InvalidReply, reply_text

    with pytest.raises(InvalidReply) as checked:
        reply_text(" \n\t")
    view = service.start_session(trainee, "debs")
    with pytest.raises(ServiceError) as by_service:
        service.take_turn(trainee, view.id, " \n\t")
    engine = service.engine("debs")
    with pytest.raises(InvalidReply) as by_engine:
        engine.respond(engine.start(), " \n\t")
    with pytest.raises(InvalidReply) as by_coder:
        service.coder.code(" \n\t")
    assert str(by_service.value) == str(by_engine.value) == str(by_coder.value) == str(checked.value)


def test_a_session_lock_is_kept_only_while_someone_holds_or_waits_for_it(
        service: CoachService, trainee) -> None:  # type: ignore[no-untyped-def]
    from coach.locks import SessionLocks

    locks = SessionLocks()
    inside, release, order = threading.Event(), threading.Event(), []

    def first() -> None:
        with locks.hold("s1"):
            inside.set()
            release.wait(5)
            order.append("first")

    def second() -> None:
        with locks.hold("s1"):
            order.append("second")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    threads[0].start()
    assert inside.wait(5)
    threads[1].start()
    time.sleep(0.1)
    assert order == [] and len(locks) == 1  # the second waits on the same lock
    with locks.hold("s2"):  # another session does not wait
        assert len(locks) == 2
    release.set()
    for t in threads:
        t.join(5)
    assert order == ["first", "second"] and len(locks) == 0

    view = service.start_session(trainee, "iris", resume=False)
    service.take_turn(trainee, view.id, "How are you finding being home again?")
    service.end_session(trainee, view.id)
    assert len(service._session_locks) == 0


def test_resume_returns_the_same_conversation(service: CoachService, trainee) -> None:  # type: ignore[no-untyped-def]
    first = service.start_session(trainee, "iris")
    service.take_turn(trainee, first.id, "How are you finding being home again?")
    again = service.start_session(trainee, "iris")
    assert again.id == first.id and len(again.turns) == 1 and again.notice
    fresh = service.start_session(trainee, "iris", resume=False)
    assert fresh.id != first.id and not fresh.turns


def test_trainees_cannot_open_each_others_sessions(service: CoachService, trainee) -> None:  # type: ignore[no-untyped-def]
    view = service.start_session(trainee, "johanna")
    service.store.add_user("nosy-neighbour", "a-good-password", "trainee")
    other = service.store.get_user_by_name("nosy-neighbour")
    with pytest.raises(ServiceError, match="could not be found"):
        service.session(other, view.id)
    with pytest.raises(ServiceError, match="could not be found"):
        service.take_turn(other, view.id, "Hello")


def test_ending_builds_and_stores_a_report(service: CoachService, trainee) -> None:  # type: ignore[no-untyped-def]
    view = service.start_session(trainee, "debs")
    for line in ["What's been happening for you?", "It sounds like you've been holding it all together.",
                 "You rang the police yourself, which took courage."]:
        service.take_turn(trainee, view.id, line)
    report = service.end_session(trainee, view.id)
    stored = service.store.get_session(view.id)
    assert stored.status == "ended" and stored.report == report.to_dict()
    with pytest.raises(ServiceError, match="ended"):
        service.take_turn(trainee, view.id, "One more thing?")
    assert service.end_session(trainee, view.id).to_dict() == report.to_dict()  # idempotent
    rows = service.history(trainee)
    assert rows[0].session_id == view.id and rows[0].indicators


def test_a_200_turn_session_stays_whole(service: CoachService, trainee) -> None:  # type: ignore[no-untyped-def]
    view = service.start_session(trainee, "young_father")
    lines = ["What matters most to you at the moment?", "It sounds like money is weighing on you.",
             "You've been sorting things out even while unwell.", "What would help right now?"]
    sent = 0
    for n in range(200):
        view = service.take_turn(trainee, view.id, f"{lines[n % len(lines)]} ({n})")
        sent += 1
        if view.ended:
            break
    stored = Store(service.settings.database_url).get_session(view.id)
    assert stored.turn_count == sent == len(view.turns)
    assert [t.index for t in stored.turns] == list(range(sent))


def test_a_dead_model_endpoint_falls_back_to_the_scripted_person(indexed_settings: Settings, tmp_path: Path) -> None:
    settings = _settings(
        indexed_settings, tmp_path,
        llm=LLMSettings.model_construct(base_url=dead_base_url(), model="fake", api_key="x", timeout_s=2.0,
                                        max_tokens=120, temperature=0.7),
    )
    svc = CoachService(settings)
    svc.store.add_user("llm-user", "a-good-password", "trainee")
    user = svc.store.get_user_by_name("llm-user")
    view = svc.start_session(user, "britton")
    view = svc.take_turn(user, view.id, "What matters to you about living here with Cassie?")
    assert view.turns[-1].reply
    assert view.turns[-1].realiser == "scripted" and view.turns[-1].fallback_reason
    assert "scripted person answered instead" in (view.notice or "")


def test_a_live_model_phrases_the_reply(indexed_settings: Settings, tmp_path: Path) -> None:
    with FakeOpenAIServer(replies=["Well now. Cassie is good company, I'll say that much."]) as server:
        settings = _settings(
            indexed_settings, tmp_path,
            llm=LLMSettings.model_construct(base_url=server.base_url, model="fake", api_key="x",
                                            timeout_s=5.0, max_tokens=120, temperature=0.7),
        )
        svc = CoachService(settings)
        svc.store.add_user("llm-user2", "a-good-password", "trainee")
        user = svc.store.get_user_by_name("llm-user2")
        view = svc.start_session(user, "britton")
        view = svc.take_turn(user, view.id, "How are you getting on at home?")
        assert server.requests, "the model was never called"
    turn = view.turns[-1]
    assert turn.realiser == "llm" and turn.fallback_reason is None
    assert turn.reply.startswith("Well now")
