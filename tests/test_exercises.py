"""The same-moment exercise through the service: who may open, answer, close and see
what; every reply coded with the person's reaction from the same state, ranked, with
exemplars for contrast; moments made from a session's turn; a trainee's own replies."""

from __future__ import annotations

from pathlib import Path

import pytest

from coach.exercises import ExerciseService
from coach.moments import get_moment
from coach.service import CoachService, NotAllowed, ServiceError
from coach.settings import DatabaseSettings, Settings
from coach.store import Store, User
from coach.supervision import CONSOLE, SupervisionService

MOMENT = "debs_take_him_into_care"
REPLIES = {
    "ann": "It sounds like you're worn out with all of this, and frightened of what we might do.",
    "bob": "If this happens again we will have to look at care proceedings.",
    "cat": "What would help things feel calmer at home for you and Llyr?",
}


class People:
    def __init__(self, sup: SupervisionService) -> None:
        def add(name: str, role: str) -> User:
            return sup.add_user(CONSOLE, name, role, "a-good-password", name.title())[0]

        self.lead, self.other_lead = add("nia", "supervisor"), add("sam", "supervisor")
        self.ann, self.bob, self.cat = (add(n, "trainee") for n in ("ann", "bob", "cat"))
        self.dan, self.admin = add("dan", "trainee"), add("ada", "admin")
        sup.add_team(CONSOLE, "North", "nia")
        sup.join_team(CONSOLE, "North", ["ann", "bob", "cat"])
        sup.add_team(CONSOLE, "South", "sam")
        sup.join_team(CONSOLE, "South", ["dan"])
        sup.add_team(CONSOLE, "Empty", "nia")


@pytest.fixture(scope="module")
def ex(indexed_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> ExerciseService:
    db = tmp_path_factory.mktemp("ex") / "coach.db"
    settings = Settings.test_profile(
        indexed_settings.data_dir, database=DatabaseSettings.model_construct(url=f"sqlite:///{db}"))
    return ExerciseService(CoachService(settings, store=Store(settings.database_url,
                                                              password_rounds=4)))


@pytest.fixture(scope="module")
def people(ex: ExerciseService) -> People:
    return People(SupervisionService(ex.service))


def test_only_the_team_s_supervisor_or_an_admin_opens_an_exercise(
        ex: ExerciseService, people: People) -> None:
    for who in (people.ann, people.other_lead):
        with pytest.raises(NotAllowed):
            ex.open(who, "North", moment_id=MOMENT)
    with pytest.raises(ServiceError, match="no moment called"):
        ex.open(people.lead, "North", moment_id="nothing_like_it")
    with pytest.raises(ServiceError, match="no members"):
        ex.open(people.lead, "Empty", moment_id=MOMENT)
    with pytest.raises(NotAllowed, match="no team"):
        ex.open(people.lead, "Nowhere", moment_id=MOMENT)
    view = ex.open(people.admin, "North", moment_id=MOMENT)
    assert view.last_words.startswith("Fine, take him into care then")
    assert (view.status, view.members, view.answered) == ("open", 3, 0)


def test_members_answer_once_and_see_the_others_only_after_answering(
        ex: ExerciseService, people: People) -> None:
    view = ex.open(people.lead, "North", moment_id=MOMENT)
    ex.answer(people.ann, view.id, REPLIES["ann"])
    before = ex.view(people.bob, view.id)
    assert not before.shows_replies and before.replies == () and before.answered == 1
    assert ex.answer(people.bob, view.id, REPLIES["bob"]).shows_replies
    with pytest.raises(ServiceError, match="already answered"):
        ex.answer(people.bob, view.id, "Something else")
    with pytest.raises(ServiceError):
        ex.answer(people.cat, view.id, "   ")
    with pytest.raises(NotAllowed):
        ex.answer(people.lead, view.id, "A supervisor does not answer")
    for outsider in (people.dan, people.other_lead):
        with pytest.raises(NotAllowed, match="could not be found"):
            ex.view(outsider, view.id)
        with pytest.raises(NotAllowed):
            ex.answer(outsider, view.id, "Hello")
    with pytest.raises(NotAllowed):
        ex.close(people.ann, view.id)
    closed = ex.close(people.lead, view.id)
    assert closed.status == "closed"
    with pytest.raises(ServiceError, match="closed"):
        ex.answer(people.cat, view.id, REPLIES["cat"])
    late = ex.view(people.cat, view.id)  # closed: shown without answering
    assert late.shows_replies and len(late.replies) == 2 and late.my_reply is None


def test_results_rank_replies_by_the_person_s_reaction_from_the_same_state(
        ex: ExerciseService, people: People) -> None:
    view = ex.open(people.lead, "North", moment_id=MOMENT)
    for who in (people.ann, people.bob, people.cat):
        ex.answer(who, view.id, REPLIES[who.username])
    results = ex.view(people.lead, view.id)
    assert [r.rank for r in results.replies] == [1, 2, 3]
    changes = [r.reaction["receptivity_change"] for r in results.replies]
    assert changes == sorted(changes, reverse=True)
    by_name = {r.name: r for r in results.replies}
    assert by_name["Bob"].rank == 3 and by_name["Bob"].stance == "paperwork"
    assert by_name["Ann"].code.startswith("reflection")
    # Each reaction is the moment's own: the same reply from the same state, alone.
    moment = get_moment(MOMENT, ex.service.parts.moments)
    again = ex.service.parts.reactor.react(moment, REPLIES["cat"])
    assert by_name["Cat"].reaction["receptivity_change"] == again.receptivity_change
    assert by_name["Cat"].reaction["reply"] == again.reply
    assert {"receptivity_change", "mood", "reply", "unlocks"} <= set(by_name["Cat"].reaction)
    stances = [e.stance for e in results.exemplars]
    assert len(results.exemplars) == 2 and stances[0] == "outcomes" and stances[1] == "paperwork"
    assert (results.exemplars[0].reaction["receptivity_change"]
            > results.exemplars[1].reaction["receptivity_change"])


def test_an_anonymous_exercise_names_nobody(ex: ExerciseService, people: People,
                                           tmp_path: Path) -> None:
    view = ex.open(people.lead, "North", moment_id="britton_get_rid_of_the_cat", anonymous=True)
    ex.answer(people.ann, view.id, "Cassie means a great deal to you.")
    ex.answer(people.cat, view.id, "The cat will need to go if you want to stay here.")
    for who in (people.lead, people.ann, people.admin):
        results = ex.view(who, view.id)
        assert all(r.name is None for r in results.replies)
        assert [r.mine for r in results.replies].count(True) == (who is people.ann)
    png = ex.spread(people.lead, view.id, tmp_path / "spread.png")
    assert png is not None and png.read_bytes()[:4] == b"\x89PNG"
    assert ex.spread(people.bob, view.id, tmp_path / "not-yet.png") is None


def test_a_supervisor_makes_a_moment_from_a_turn_of_a_session_they_may_see(
        ex: ExerciseService, people: People) -> None:
    session = ex.service.start_session(people.ann, "debs", resume=False)
    ex.service.take_turn(people.ann, session.id, "What's been happening for you?")
    view = ex.service.take_turn(people.ann, session.id, "It sounds like it's been a hard week.")
    for who in (people.other_lead, people.bob):
        with pytest.raises(NotAllowed):
            ex.moment_from_turn(who, session.id, 1)
    with pytest.raises(ServiceError, match="no reply 3"):
        ex.moment_from_turn(people.lead, session.id, 3)
    # Reply 2's moment: what the person had just said when the trainee gave reply 2.
    moment = ex.moment_from_turn(people.lead, session.id, 2)
    assert moment.last_words == view.turns[0].reply
    assert moment.conversation[-1].text == "What's been happening for you?"
    assert moment.state.receptivity == pytest.approx(view.turns[0].receptivity)
    opened = ex.open(people.lead, "North", session_id=session.id, turn=2)
    assert opened.last_words == view.turns[0].reply
    with pytest.raises(NotAllowed):
        ex.open(people.other_lead, "South", session_id=session.id, turn=2)


def test_a_trainee_finds_their_own_replies_in_their_history(ex: ExerciseService,
                                                            people: People) -> None:
    mine = ex.my_replies(people.ann)
    assert mine and all(r.mine for _, r in mine)
    assert REPLIES["ann"] in [r.text for _, r in mine]
    assert all(view.team == "North" for view, _ in mine)
    assert ex.my_replies(people.dan) == []
    assert {e.team for e in ex.exercises(people.dan)} <= {"South"}
    assert all(not e.replies for e in ex.exercises(people.ann))  # the list is a summary


def test_a_member_who_leaves_the_team_no_longer_sees_its_exercises(
        ex: ExerciseService, people: People) -> None:
    sup = SupervisionService(ex.service)
    view = ex.open(people.other_lead, "South", moment_id=MOMENT)
    ex.answer(people.dan, view.id, "That sounds exhausting.")
    assert [v.id for v, _ in ex.my_replies(people.dan)] == [view.id]
    sup.leave_team(CONSOLE, "South", ["dan"])
    try:
        assert ex.my_replies(people.dan) == []
        with pytest.raises(NotAllowed):
            ex.view(people.dan, view.id)
    finally:
        sup.join_team(CONSOLE, "South", ["dan"])


def test_a_purged_trainee_s_words_leave_the_exercises_made_from_their_session(
        ex: ExerciseService, people: People) -> None:
    from coach.store import purge_user

    sup = SupervisionService(ex.service)
    eve = sup.add_user(CONSOLE, "eve", "trainee", "a-good-password", "Eve")[0]
    sup.join_team(CONSOLE, "North", ["eve"])
    session = ex.service.start_session(eve, "debs", resume=False)
    ex.service.take_turn(eve, session.id, "Eve's own words about her week, Debs?")
    ex.service.take_turn(eve, session.id, "It sounds like it's been a hard week.")
    opened = ex.open(people.lead, "North", session_id=session.id, turn=2)
    curated = ex.open(people.lead, "North", moment_id=MOMENT)

    counts = purge_user(ex.store, "eve")

    assert counts["exercise_moments_redacted"] == 1
    kept = ex.store.get_exercise(opened.id).moment
    said = {(s["speaker"], s["text"]) for s in kept["conversation"]}
    assert not any("Eve's own words" in text for _, text in said)
    assert ("worker", "[removed: this trainee's account was deleted]") in said
    assert kept["last_words"] == opened.last_words  # the person's words stay
    assert ex.store.get_exercise(curated.id).moment == get_moment(MOMENT).model_dump(mode="json")
