"""Rewind and try again: a branch shares the conversation up to the chosen reply, the
original stays as it was, only the trainee rewinds their own session, and the two
branches' indicators can be compared once both have ended."""

from __future__ import annotations

import pytest

from coach.rewinding import RewindService
from coach.service import CoachService, NotAllowed, ServiceError
from coach.settings import DatabaseSettings, Settings
from coach.store import Store, User
from coach.supervision import CONSOLE, SupervisionService

LINES = ["What's been happening for you?", "Why did the police need to come out?",
         "You need to sign this agreement about the drinking."]
BETTER = ["It sounds like Saturday really frightened you.",
          "You rang the police yourself; that took courage."]


@pytest.fixture(scope="module")
def rw(indexed_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> RewindService:
    db = tmp_path_factory.mktemp("rw") / "coach.db"
    settings = Settings.test_profile(
        indexed_settings.data_dir, database=DatabaseSettings.model_construct(url=f"sqlite:///{db}"))
    return RewindService(CoachService(settings, store=Store(settings.database_url,
                                                            password_rounds=4)))


@pytest.fixture(scope="module")
def people(rw: RewindService) -> dict[str, User]:
    sup = SupervisionService(rw.service)
    made = {n: sup.add_user(CONSOLE, n, r, "a-good-password")[0]
            for n, r in (("nia", "supervisor"), ("ann", "trainee"), ("bob", "trainee"))}
    sup.add_team(CONSOLE, "North", "nia")
    sup.join_team(CONSOLE, "North", ["ann", "bob"])
    return made


def _played(rw: RewindService, user: User) -> str:
    view = rw.service.start_session(user, "debs", resume=False)
    for line in LINES:
        rw.service.take_turn(user, view.id, line)
    return view.id


def test_a_rewind_shares_the_conversation_up_to_the_reply_and_leaves_the_original(
        rw: RewindService, people: dict[str, User]) -> None:
    ann = people["ann"]
    original = _played(rw, ann)
    before = rw.service.session(ann, original)
    branch = rw.rewind(ann, original, reply=2)
    assert branch.id != original and branch.status == "active" and "Back before" in branch.notice
    assert [t.learner for t in branch.turns] == LINES[:1]
    assert branch.turns[0].reply == before.turns[0].reply
    assert branch.receptivity == pytest.approx(before.turns[0].receptivity)
    assert rw.service.state_after(ann, branch.id, 0) == rw.service.state_after(ann, original, 0)
    tried = rw.service.take_turn(ann, branch.id, BETTER[0])
    assert [t.learner for t in tried.turns] == [LINES[0], BETTER[0]]
    after = rw.service.session(ann, original)
    assert [t.learner for t in after.turns] == LINES and after.receptivity == before.receptivity
    stored = rw.store.get_session(branch.id)
    assert (stored.parent_id, stored.branched_at) == (original, 1)
    assert rw.branches(ann, original) == [branch.id]
    assert rw.original_of(ann, branch.id) == original


def test_back_to_the_very_start_keeps_the_opening(rw: RewindService,
                                                   people: dict[str, User]) -> None:
    ann = people["ann"]
    original = _played(rw, ann)
    branch = rw.rewind(ann, original, reply=1)
    assert branch.turns == () and branch.opening == rw.service.session(ann, original).opening


def test_only_the_trainee_rewinds_their_own_session(rw: RewindService,
                                                    people: dict[str, User]) -> None:
    original = _played(rw, people["ann"])
    # Her supervisor may see the session, so is told why; another trainee learns nothing.
    with pytest.raises(NotAllowed, match="Only the trainee who held this conversation can go "
                                         "back and try again"):
        rw.rewind(people["nia"], original, reply=1)
    with pytest.raises(NotAllowed, match="^That conversation could not be found.$"):
        rw.rewind(people["bob"], original, reply=1)
    for bad in (0, 4, -1):
        with pytest.raises(ServiceError, match=f"has {len(LINES)} replies, so there is no "
                                               f"reply {bad}"):
            rw.rewind(people["ann"], original, reply=bad)


def test_the_two_branches_indicators_side_by_side(rw: RewindService,
                                                  people: dict[str, User]) -> None:
    ann = people["ann"]
    original = _played(rw, ann)
    branch = rw.rewind(ann, original, reply=2)
    with pytest.raises(ServiceError, match="End both"):
        rw.compare(ann, branch.id)
    for line in BETTER:
        rw.service.take_turn(ann, branch.id, line)
    rw.service.end_session(ann, original)
    rw.service.end_session(ann, branch.id)
    with pytest.raises(ServiceError, match="not a rewind"):
        rw.compare(ann, original)
    compared = rw.compare(ann, branch.id)
    assert compared.shared_turns == 1
    pairs = {p.name: p for p in compared.indicators}
    assert {"reflection_to_question", "outcomes_focus"} <= set(pairs)
    # The paperwork line was replaced by two reflections: more reflecting, more outcomes focus.
    focus = pairs["outcomes_focus"]
    assert focus.branch_value is not None and focus.original_value is not None
    assert focus.branch_value > focus.original_value
    assert "| Indicator | Original | Tried again |" in compared.to_markdown()
    assert compared == rw.compare(people["nia"], branch.id)  # the supervisor may see both
    with pytest.raises(NotAllowed):
        rw.compare(people["bob"], branch.id)
