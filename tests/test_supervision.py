"""Roles, teams, assignments and reviews through the service, with its real parts: who may
see and do what is decided here, so the web app and the CLI cannot differ."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from coach.coding import Moment
from coach.service import CoachService, NotAllowed, ServiceError
from coach.settings import DatabaseSettings, Settings
from coach.store import Store, User
from coach.supervision import CONSOLE, SupervisionService

LINES = ["What's been happening for you?", "Why did the police need to come out?",
         "It sounds like you've been holding it all together.",
         "You rang the police yourself, which took courage."]


class People:
    def __init__(self, sup: SupervisionService) -> None:
        def add(name: str, role: str) -> User:
            return sup.add_user(CONSOLE, name, role, "a-good-password")[0]

        self.admin = add("ada", "admin")
        self.north_lead = add("nia", "supervisor")
        self.south_lead = add("sam", "supervisor")
        self.ann, self.bob, self.cat = (add(n, "trainee") for n in ("ann", "bob", "cat"))
        sup.add_team(CONSOLE, "North", "nia")
        sup.join_team(CONSOLE, "North", ["ann", "bob"])
        sup.add_team(CONSOLE, "South", "sam")
        sup.join_team(CONSOLE, "South", ["cat"])


@pytest.fixture(scope="module")
def sup(indexed_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> SupervisionService:
    db = tmp_path_factory.mktemp("sup") / "coach.db"
    settings = Settings.test_profile(
        indexed_settings.data_dir, database=DatabaseSettings.model_construct(url=f"sqlite:///{db}"))
    service = CoachService(settings, store=Store(settings.database_url, password_rounds=4))
    return SupervisionService(service)


@pytest.fixture(scope="module")
def people(sup: SupervisionService) -> People:
    return People(sup)


def _played(sup: SupervisionService, user: User, persona: str = "debs",
            assignment: int | None = None, end: bool = True) -> str:
    view = (sup.start_assignment(user, assignment) if assignment
            else sup.service.start_session(user, persona, resume=False))
    for line in LINES:
        sup.service.take_turn(user, view.id, line)
    if end:
        sup.service.end_session(user, view.id)
    return view.id


def test_supervisors_see_their_own_teams_only_trainees_their_own_admins_all(
        sup: SupervisionService, people: People) -> None:
    ann_session = _played(sup, people.ann)
    cat_session = _played(sup, people.cat, "britton", end=False)
    svc = sup.service
    assert svc.session(people.north_lead, ann_session).id == ann_session
    assert svc.session(people.admin, cat_session).id == cat_session
    for outsider, session in [(people.south_lead, ann_session), (people.north_lead, cat_session),
                              (people.bob, ann_session), (people.ann, cat_session)]:
        with pytest.raises(NotAllowed, match="could not be found"):
            svc.session(outsider, session)
        with pytest.raises(NotAllowed):
            sup.review(outsider, session)
        with pytest.raises(NotAllowed):
            sup.comment(outsider, session, None, "Hello")
    seen = {s.session_id for s in sup.sessions(people.north_lead)}
    assert ann_session in seen and cat_session not in seen
    assert {s.session_id for s in sup.sessions(people.cat)} == {cat_session}
    assert {ann_session, cat_session} <= {s.session_id for s in sup.sessions(people.admin)}


def test_only_the_trainee_carries_on_their_own_conversation(
        sup: SupervisionService, people: People) -> None:
    session = _played(sup, people.bob, "iris", end=False)
    with pytest.raises(NotAllowed, match="Only the trainee"):
        sup.service.take_turn(people.north_lead, session, "Hello")
    with pytest.raises(NotAllowed, match="Only the trainee"):
        sup.service.end_session(people.admin, session)


def test_team_and_account_management_is_for_admins(sup: SupervisionService, people: People) -> None:
    for who in (people.north_lead, people.ann):
        with pytest.raises(NotAllowed, match="Only an admin"):
            sup.add_team(who, "East", "nia")
        with pytest.raises(NotAllowed, match="Only an admin"):
            sup.join_team(who, "North", ["cat"])
        with pytest.raises(NotAllowed, match="Only an admin"):
            sup.add_user(who, "eve", "trainee")
    with pytest.raises(ServiceError, match="'ann' is a trainee; a team is led by a supervisor"):
        sup.add_team(people.admin, "East", "ann")
    with pytest.raises(ServiceError, match="'ada' is an admin; a team is led by a supervisor"):
        sup.add_team(people.admin, "East", "ada")
    with pytest.raises(NotAllowed, match="no team called"):
        sup.join_team(people.admin, "Nowhere", ["ann"])


def test_assignments_reach_the_team_and_report_who_has_done_what(
        sup: SupervisionService, people: People) -> None:
    made = sup.assign(people.north_lead, "debs", "Practise complex reflections when Debs gets "
                      "defensive", team="North", focus="complex_reflections",
                      due=date.today() + timedelta(days=7))
    assert [a.user for a in made.assignees] == ["ann", "bob"]
    assert {a.status for a in made.assignees} == {"not_started"}
    with pytest.raises(NotAllowed, match="do not lead"):
        sup.assign(people.south_lead, "debs", "goal", team="North")
    with pytest.raises(NotAllowed, match="Not in a team you lead"):
        sup.assign(people.south_lead, "debs", "goal", trainees=["ann"])
    with pytest.raises(NotAllowed):
        sup.assign(people.ann, "debs", "goal", trainees=["bob"])
    with pytest.raises(ServiceError, match="Unknown focus skill"):
        sup.assign(people.north_lead, "debs", "goal", team="North", focus="charm")
    with pytest.raises(ServiceError, match="has already passed"):
        sup.assign(people.north_lead, "debs", "goal", team="North",
                   due=date.today() - timedelta(days=1))
    with pytest.raises(ServiceError, match="limited to 500"):
        sup.assign(people.north_lead, "debs", "g" * 501, team="North")

    # A session started from the assignment is linked to it; Bob's is still open.
    session = _played(sup, people.ann, assignment=made.id)
    assert sup.store.get_session(session).assignment_id == made.id
    _played(sup, people.bob, assignment=made.id, end=False)
    with pytest.raises(NotAllowed, match="not set to you"):
        sup.start_assignment(people.cat, made.id)

    seen = next(a for a in sup.assignments(people.north_lead) if a.id == made.id)
    status = {a.user: a for a in seen.assignees}
    assert status["ann"].status == "done" and status["ann"].indicators
    assert status["bob"].status == "in_progress"
    # ... and where each stands against the due date.
    later = next(a for a in sup.assignments(people.north_lead, today=date.today() + timedelta(days=30))
                 if a.id == made.id)
    assert {a.user: a.state for a in later.assignees} == {"ann": "done", "bob": "overdue"}
    assert {a.user: a.state for a in seen.assignees} == {"ann": "done", "bob": "due"}
    # A trainee sees their own line only, and theirs first.
    mine = sup.assignments(people.ann)
    assert mine[0].id == made.id and [a.user for a in mine[0].assignees] == ["ann"]
    assert mine[0].my_state == "done"
    assert sup.assignments(people.bob, today=date.today() + timedelta(days=30))[0].my_state == "overdue"
    assert all(a.id != made.id for a in sup.assignments(people.cat))
    assert all(a.id != made.id for a in sup.assignments(people.south_lead))

    with pytest.raises(NotAllowed, match="who set"):
        sup.cancel_assignment(people.south_lead, made.id)
    sup.cancel_assignment(people.north_lead, made.id)
    assert sup.assignments(people.bob)[-1].my_state == "cancelled"
    with pytest.raises(NotAllowed, match="no assignment"):
        sup.cancel_assignment(people.north_lead, 999_999)


def test_an_override_puts_the_human_code_in_the_report_and_keeps_the_machines(
        sup: SupervisionService, people: People) -> None:
    session = _played(sup, people.bob, "britton")
    before = sup.review(people.north_lead, session)
    machine = before.turns[1].machine_code  # "Why did the police need to come out?"
    human = "open_question" if machine != "open_question" else "closed_question"
    with pytest.raises(NotAllowed, match="nobody reviews their own"):
        sup.override(people.bob, session, 2, code=human, reason="mine")
    with pytest.raises(NotAllowed):
        sup.override(people.south_lead, session, 2, code=human, reason="not my team")
    with pytest.raises(ServiceError, match="Say why"):
        sup.override(people.north_lead, session, 2, code=human, reason=" ")
    with pytest.raises(ServiceError, match="limited to 2,000"):
        sup.override(people.north_lead, session, 2, code=human, reason="r" * 2001)
    with pytest.raises(ServiceError, match="Unknown code"):
        sup.override(people.north_lead, session, 2, code="flattery", reason="x")
    with pytest.raises(NotAllowed, match="no reply 9"):
        sup.override(people.north_lead, session, 9, code=human, reason="x")

    after = sup.override(people.north_lead, session, 2, code=human, stance="paperwork",
                         reason="It asks 'why': it puts her on the spot.")
    turn = after.turns[1]
    assert (turn.code, turn.stance, turn.machine_code) == (human, "paperwork", machine)
    assert turn.override and turn.override.by == "nia"
    # The report counts the human's code, and the trainee sees both.
    report_codes = [t["coded"]["code"] for t in sup.store.get_session(session).report["turns"]]
    assert report_codes[1] == human
    own = sup.service.session(people.bob, session).turns[1]
    assert (own.code, own.machine_code) == (human, machine)
    assert sup.review(people.bob, session).turns[1].override.reason.startswith("It asks")
    assert before.report["turns"][1]["coded"]["code"] == machine
    history = {r.session_id: r for r in sup.service.history(people.bob)}
    rebuilt = {i["name"]: i for i in sup.store.get_session(session).report["indicators"]}
    assert history[session].indicators == rebuilt
    assert rebuilt != {i["name"]: i for i in before.report["indicators"]}


def test_comments_and_the_supervision_note_reach_the_trainee(
        sup: SupervisionService, people: People) -> None:
    session = _played(sup, people.ann, "iris")
    sup.comment(people.north_lead, session, 3, "<b>Lovely</b> complex reflection here.")
    sup.comment(people.north_lead, session, None, "A warm opening overall.")
    sup.comment(people.ann, session, 3, "Thanks, I tried to slow down.")  # the trainee replies
    sup.set_note(people.north_lead, session, working_towards="Debs leading the conversation",
                 working_well="Reflections", worried_about="Why-questions",
                 needs_to_happen="Swap one question for a reflection")
    with pytest.raises(NotAllowed):
        sup.set_note(people.ann, session, working_well="me")
    with pytest.raises(ServiceError, match="limited to 2,000"):
        sup.set_note(people.north_lead, session, worried_about="w" * 2001)
    seen = sup.review(people.ann, session)
    assert [c.text for c in seen.turns[2].comments] == ["<b>Lovely</b> complex reflection here.",
                                                        "Thanks, I tried to slow down."]
    assert [c.text for c in seen.comments] == ["A warm opening overall."]
    assert seen.note and seen.note["worried_about"] == "Why-questions" and seen.note["by"] == "nia"
    assert seen.to_dict()["turns"][2]["comments"][0] == {"by": "nia", "text": "<b>Lovely</b> complex reflection here."}


def test_agreement_counts_every_reply_of_reviewed_sessions(
        sup: SupervisionService, people: People) -> None:
    found = sup.agreement(people.north_lead)
    assert found.sessions >= 2 and found.overridden >= 1
    assert found.replies == sum(len(sup.review(people.north_lead, s.session_id).turns)
                                for s in sup.sessions(people.north_lead) if s.reviewed)
    assert found.code_kappa is not None and found.code_kappa < 1
    assert found.disagreements and found.disagreements[0][2] >= 1
    with pytest.raises(NotAllowed):
        sup.agreement(people.ann)
    assert sup.agreement(people.south_lead).replies == 0


def test_overrides_export_as_exemplar_moments(sup: SupervisionService, people: People) -> None:
    moments = sup.export_overrides(CONSOLE)
    assert moments
    for raw in moments:
        moment = Moment.model_validate(raw)  # the exemplar files' own schema
        assert moment.replies[0].tags[0] == "supervisor_override"
    assert sup.export_overrides(people.south_lead) == []


def test_report_history_and_dashboard_count_every_question_and_an_override_as_one_code(
        sup: SupervisionService, people: People) -> None:
    # MITI counts behaviours, not turns: three questions in one reply are three questions.
    view = sup.service.start_session(people.ann, "debs", resume=False)
    sup.service.take_turn(people.ann, view.id, "Thanks for letting me in, Debs. What's been "
                          "happening for you? And who is around to help you with it?")
    sup.service.take_turn(people.ann, view.id, "What would make the biggest difference "
                          "this week?")
    sup.service.end_session(people.ann, view.id)

    def counted() -> tuple[dict, dict, dict]:
        report = sup.store.get_session(view.id).report
        found = {i["name"]: i for i in report["indicators"]}
        history = {r.session_id: r for r in sup.service.history(people.ann)}[view.id]
        row = next(r for r in sup.dashboard_data(people.north_lead, "North")["sessions"]
                   if r["session_id"] == view.id)
        return found, history.indicators, row

    found, history, row = counted()
    assert found["open_questions"]["display"].endswith("of 3)"), found["open_questions"]
    assert history == found
    assert row["open_questions_pct"] == round(100 * found["open_questions"]["value"], 1)

    # The supervisor's code replaces everything the coder found in that reply.
    sup.override(people.north_lead, view.id, 1, code="advice", reason="One act: advice.")
    found, history, row = counted()
    assert found["open_questions"]["display"] == "100% (1 of 1)"
    assert history == found
    assert row["open_questions_pct"] == 100.0


def test_the_dashboard_is_for_the_teams_leads(sup: SupervisionService, people: People,
                                              tmp_path: Path) -> None:
    data = sup.dashboard_data(people.north_lead, "North")
    assert {r["trainee"] for r in data["sessions"]} == {"ann", "bob"}
    assert "not performance ratings" in data["note"]
    assert data["bands"]["complex_reflections_pct"] == (40.0, 50.0)
    assert data["summary"][-1]["trainee"] == "(team)"
    csv_text = sup.dashboard_csv(people.admin, "North")
    assert csv_text.splitlines()[0].startswith("team,trainee,display_name,session_id")
    assert len(csv_text.splitlines()) == 1 + len(data["sessions"])
    assert sup.dashboard_png(people.north_lead, "North", tmp_path / "d.png").stat().st_size > 10_000
    for outsider in (people.south_lead, people.ann):
        with pytest.raises(NotAllowed):
            sup.dashboard(outsider, "North")


def test_history_can_open_a_report_and_discard_an_unfinished_session(
        sup: SupervisionService, people: People) -> None:
    ended = _played(sup, people.cat, "johanna")
    left = _played(sup, people.cat, "johanna", end=False)
    assert sup.service.past_report(people.cat, ended).indicators
    with pytest.raises(ServiceError, match="not ended"):
        sup.service.past_report(people.cat, left)
    with pytest.raises(NotAllowed):
        sup.service.discard_session(people.south_lead, left)
    with pytest.raises(ServiceError, match="Only an unfinished"):
        sup.service.discard_session(people.cat, ended)
    sup.service.discard_session(people.cat, left)
    assert left not in {r.session_id for r in sup.service.history(people.cat)}


def test_users_import_reports_bad_rows_by_line_and_keeps_the_good(
        sup: SupervisionService, people: People) -> None:
    text = ("username,display_name,role,team\n"
            "dee,Dee Jones,trainee,West\n"
            "x,Too Short,trainee,West\n"
            "wyn,Wyn Lead,supervisor,West\n"
            "fay,Fay,wizard,West\n"
            "ann,Ann,trainee,West\n"
            "ada,Ada,trainee,West\n")
    done = sup.import_users(CONSOLE, text)
    assert [u for u, _ in done.created] == ["dee", "wyn"]
    assert all(len(p) >= 12 for _, p in done.created)
    assert [line for line, _ in done.problems] == [3, 5, 7]
    assert done.problems[-1][1] == "'ada' already exists as an admin, not a trainee."
    assert done.teams_created == ("West",)
    west = sup.store.get_team("West")
    assert [m.username for m in west.members] == ["ann", "dee"]
    assert [m.username for m in west.leads] == ["wyn"]
    with pytest.raises(NotAllowed):
        sup.import_users(people.north_lead, text)


def test_a_due_date_that_is_not_a_date_is_explained_with_an_example_that_is_accepted() -> None:
    from coach.teams import parse_due

    with pytest.raises(ValueError, match="write it as YYYY-MM-DD") as refused:
        parse_due("next Friday")
    example = re.search(r"e\.g\. (\d{4}-\d{2}-\d{2})", str(refused.value))
    assert example and parse_due(example[1]) > date.today()


def test_the_dashboard_lists_members_who_have_not_practised_yet(sup: SupervisionService,
                                                                people: People) -> None:
    sup.add_user(CONSOLE, "eve", "trainee", "a-good-password")
    sup.add_team(CONSOLE, "East", "nia")
    sup.join_team(CONSOLE, "East", ["eve"])
    data = sup.dashboard_data(people.north_lead, "East")
    assert data["sessions"] == []
    assert [(r["trainee"], r["sessions"]) for r in data["summary"]] == [("eve", 0)]
    north = sup.dashboard_data(people.north_lead, "North")["summary"]
    assert [r["trainee"] for r in north] == ["ann", "bob", "(team)"]
