"""Recording outcomes through the service: the drill, the sort exercise, and statements
written after a session, stored with it, compared with what the person disclosed, and
shown only to those who may see the session."""

from __future__ import annotations

from pathlib import Path

import pytest

from coach.recording import MAX_STATEMENTS, RecordingService
from coach.service import CoachService, NotAllowed, ServiceError
from coach.settings import DatabaseSettings, Settings
from coach.store import Store, User
from coach.supervision import CONSOLE, SupervisionService

SCRIPT = Path(__file__).resolve().parent.parent / "evals/datasets/persona_scripts/debs-outcomes.txt"


class People:
    def __init__(self, sup: SupervisionService) -> None:
        def add(name: str, role: str) -> User:
            return sup.add_user(CONSOLE, name, role, "a-good-password")[0]

        self.lead, self.other_lead = add("nia", "supervisor"), add("sam", "supervisor")
        self.ann, self.bob = add("ann", "trainee"), add("bob", "trainee")
        self.admin = add("ada", "admin")
        sup.add_team(CONSOLE, "North", "nia")
        sup.join_team(CONSOLE, "North", ["ann"])
        sup.add_team(CONSOLE, "South", "sam")
        sup.join_team(CONSOLE, "South", ["bob"])


@pytest.fixture(scope="module")
def rec(indexed_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> RecordingService:
    db = tmp_path_factory.mktemp("rec") / "coach.db"
    settings = Settings.test_profile(
        indexed_settings.data_dir, database=DatabaseSettings.model_construct(url=f"sqlite:///{db}"))
    return RecordingService(CoachService(settings, store=Store(settings.database_url,
                                                               password_rounds=4)))


@pytest.fixture(scope="module")
def people(rec: RecordingService) -> People:
    return People(SupervisionService(rec.service))


@pytest.fixture(scope="module")
def ended(rec: RecordingService, people: People) -> str:
    """Ann's conversation with Debs, the first six lines of an outcomes-focused script,
    ended before everything has come out."""
    view = rec.service.start_session(people.ann, "debs", resume=False)
    lines = [x for x in SCRIPT.read_text(encoding="utf-8").splitlines()
             if x.strip() and not x.startswith("#")]
    for line in lines[:6]:
        view = rec.service.take_turn(people.ann, view.id, line)
    rec.service.end_session(people.ann, view.id)
    return view.id


def test_the_drill_checks_each_line_and_keeps_nothing(rec: RecordingService, people: People) -> None:
    checks = rec.check(people.bob, "I want to walk my dog on the beach again\n\n"
                                   "Respite care one weekend a month\nPoor mobility")
    assert [c.label for c in checks] == ["outcome", "service", "need"]
    assert all(c.citations() for c in checks)


@pytest.mark.parametrize("bad, message", [
    ("", "at least one statement"), ("\n \n", "at least one statement"),
    ("\n".join(f"I want {n}" for n in range(MAX_STATEMENTS + 1)), f"Up to {MAX_STATEMENTS}"),
    ("I want to see my son\n" + "x" * 400, "Statement 2"),
])
def test_bad_drill_input_is_refused_clearly(rec: RecordingService, people: People, bad: str,
                                            message: str) -> None:
    with pytest.raises(ServiceError, match=message):
        rec.check(people.bob, bad)


def test_the_sort_exercise_is_marked_on_the_server(rec: RecordingService, people: People) -> None:
    cards = rec.deal_sort(people.ann, seed=11)
    assert len(cards) == 8
    result = rec.mark_sort(people.ann, [c.number for c in cards], [])
    assert result.score == "4 of 8"  # every service right, every outcome missed
    with pytest.raises(ServiceError, match="not from this exercise"):
        rec.mark_sort(people.ann, [c.number for c in cards], [cards[0].number, -1])
    with pytest.raises(ServiceError, match="Deal a set"):
        rec.mark_sort(people.ann, [], [])


def test_statements_after_a_session_are_stored_and_set_beside_what_was_disclosed(
        rec: RecordingService, people: People, ended: str) -> None:
    report = rec.service.past_report(people.ann, ended)
    shared = [h for h in report.hidden if h.unlocked]
    hidden = [h for h in report.hidden if not h.unlocked]
    assert shared and hidden, [(h.id, h.unlocked) for h in report.hidden]
    kept = [h for h in hidden if h.kind == "outcome" or h.kind == "strength"]
    texts = [shared[0].title, "Referral to a parenting course", kept[0].title]
    recording = rec.record(people.ann, ended, "\n".join(texts))
    verdicts = {i.id: i.verdict for i in recording.comparison.items}
    assert verdicts[shared[0].id] == "recorded"
    assert verdicts[kept[0].id] == "not disclosed"
    assert 1 in recording.comparison.unmatched
    assert recording.checks[1].label == "service"
    # Stored with the session, and written again in place, not added to.
    again = rec.record(people.ann, ended, texts[0])
    assert [c.text for c in again.checks] == [texts[0]]
    assert [s.text for s in rec.store.statements_for(ended)] == [texts[0]]


def test_only_the_trainee_writes_and_only_those_who_may_see_read(
        rec: RecordingService, people: People, ended: str) -> None:
    rec.record(people.ann, ended, "I want us to have a few days away as a family")
    for may in (people.ann, people.lead, people.admin):
        found = rec.recorded(may, ended)
        assert found is not None and found.checks[0].text.startswith("I want us")
    for outsider in (people.bob, people.other_lead):
        with pytest.raises(NotAllowed):
            rec.recorded(outsider, ended)
        with pytest.raises(NotAllowed, match="^That conversation could not be found.$"):
            rec.record(outsider, ended, "I want to keep my children")
    for supervisor in (people.lead, people.admin):  # not theirs to write
        with pytest.raises(NotAllowed, match="^Only the trainee who held this conversation "
                                             "can record its outcomes.$"):
            rec.record(supervisor, ended, "I want to keep my children")
    assert rec.recorded(people.ann, ended).checks[0].text.startswith("I want us")


def test_statements_wait_for_the_end_of_the_conversation(rec: RecordingService,
                                                         people: People) -> None:
    view = rec.service.start_session(people.bob, "britton", resume=False)
    with pytest.raises(ServiceError, match="End the conversation first"):
        rec.record(people.bob, view.id, "I want to keep Cassie")
    assert rec.store.statements_for(view.id) == []
    assert rec.recorded(people.bob, view.id) is None
