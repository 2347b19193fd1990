"""Moments through the service: anyone signed in sees the curated moments and gets the
same reaction to the same reply; a supervisor makes a moment from a turn of a session
they may see, and nobody else can."""

from __future__ import annotations

from pathlib import Path

import pytest

from coach.momentmaking import MomentService
from coach.moments import load_moment
from coach.service import CoachService, NotAllowed, ServiceError
from coach.settings import DatabaseSettings, Settings
from coach.store import Store
from coach.supervision import CONSOLE, SupervisionService

LINES = ["What's been happening for you?", "Why did the police need to come out?",
         "It sounds like you've been holding it all together.",
         "You rang the police yourself, which took courage."]
PASSWORD = "a-good-password"


@pytest.fixture(scope="module")
def world(indexed_settings: Settings, tmp_path_factory: pytest.TempPathFactory):
    db = tmp_path_factory.mktemp("moments") / "coach.db"
    settings = Settings.test_profile(
        indexed_settings.data_dir, database=DatabaseSettings.model_construct(url=f"sqlite:///{db}"))
    service = CoachService(settings, store=Store(settings.database_url, password_rounds=4))
    sup = SupervisionService(service)
    people = {name: sup.add_user(CONSOLE, name, role, PASSWORD)[0] for name, role in (
        ("ada", "admin"), ("nia", "supervisor"), ("sam", "supervisor"), ("ann", "trainee"),
        ("bob", "trainee"))}
    sup.add_team(CONSOLE, "North", "nia")
    sup.join_team(CONSOLE, "North", ["ann", "bob"])
    sup.add_team(CONSOLE, "South", "sam")
    view = service.start_session(people["ann"], "debs", resume=False)
    for line in LINES:
        view = service.take_turn(people["ann"], view.id, line)
    return MomentService(service), people, view


def test_anyone_signed_in_sees_the_curated_moments_and_nobody_signed_out(world) -> None:
    moments, people, _ = world
    listed = moments.moments(people["bob"])
    assert len(listed) >= 12 and listed == sorted(listed, key=lambda m: (m.persona, m.id))
    assert moments.moment(people["bob"], "debs_take_him_into_care").persona == "debs"
    with pytest.raises(ServiceError, match="no moment 'nope'"):
        moments.moment(people["bob"], "nope")
    for call in (lambda: moments.moments(None),
                 lambda: moments.moment(None, "debs_take_him_into_care")):
        with pytest.raises(NotAllowed, match="sign in"):
            call()


def test_a_reaction_through_the_service_is_the_same_every_time(world) -> None:
    moments, people, _ = world
    moment = moments.moment(people["ann"], "debs_take_him_into_care")
    first = moments.react(people["ann"], moment, "You've had enough of it all.")
    assert moments.react(people["nia"], moment, "You've had enough of it all.") == first
    with pytest.raises(ServiceError, match="the reply is empty"):
        moments.react(people["ann"], moment, " ")


def test_a_moment_from_a_turn_is_where_the_trainee_stood(world) -> None:
    moments, people, view = world
    nia = people["nia"]
    moment = moments.from_turn(nia, view.id, 3)
    # The person's words just before reply 3, and the state after reply 2.
    assert moment.last_words == view.turns[1].reply
    assert [s.text for s in moment.conversation if s.speaker == "worker"] == LINES[:2]
    state = moments.service.state_after(nia, view.id, 1)
    assert moment.state.receptivity == state.receptivity
    assert set(moment.state.unlocked) == set(state.unlocked)
    # Answering it as the trainee did reproduces what happened in the session.
    again = moments.react(nia, moment, LINES[2])
    assert again.receptivity_after == pytest.approx(view.turns[2].receptivity)
    assert again.reply == view.turns[2].reply


def test_the_first_turn_is_the_opening_at_the_starting_state(world) -> None:
    moments, people, view = world
    moment = moments.from_turn(people["ada"], view.id, 1)
    assert moment.conversation == () and moment.last_words == view.opening
    assert moment.state.receptivity == 0.30 and moment.state.unlocked == ()


def test_only_supervisors_who_may_see_the_session_and_admins_make_moments(world) -> None:
    moments, people, view = world
    assert moments.from_turn(people["ada"], view.id, 2).persona == "debs"
    with pytest.raises(NotAllowed, match="Only supervisors and admins"):
        moments.from_turn(people["ann"], view.id, 2)  # even of her own session
    with pytest.raises(NotAllowed, match="could not be found"):
        moments.from_turn(people["sam"], view.id, 2)  # another team's supervisor
    with pytest.raises(NotAllowed, match="sign in"):
        moments.from_turn(None, view.id, 2)
    with pytest.raises(ServiceError, match="has 4 replies, so there is no reply 5"):
        moments.from_turn(people["nia"], view.id, 5)


def test_a_moment_from_a_session_saves_as_a_valid_moment_file(world, tmp_path: Path) -> None:
    moments, people, view = world
    moment = moments.from_turn(people["nia"], view.id, 4)
    path = tmp_path / f"{moment.id}.yaml"
    path.write_text(moment.to_yaml(), encoding="utf-8")
    assert load_moment(path, moments.service.personas) == moment
