"""The supervisor's screens in the real app: role isolation through the web API (signed
in as each role, and not signed in at all) with gradio_client, and one headless-Chromium
pass that screenshots the trainee's assignment list, the review screen with an override
and a comment, and the team dashboard, checking each with axe-core when it is available.

One launch serves every test here. Screenshots go to a temporary directory and are
copied to /tmp/outcomes-screens/ for a person to look at.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from gradio_client import Client

from coach.service import CoachService
from coach.settings import Settings
from coach.store import Store
from tests.support import axe
from tests.support.apprunner import (
    RunningApp,
    fetch,
    seed_data_dir,
    sign_in_cookie,
    signed_in_client,
    start_app,
)
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, SCREENS_COPY, need_chromium

pytestmark = pytest.mark.slow

PASSWORD = "a-good-password"
LINES = ["What's been happening for you, from your side?", "Why did the police come out?",
         "It sounds like Saturday was really frightening.", "You rang them yourself. That took courage."]

@dataclass
class Seeded:
    app: RunningApp
    session: str  # Ann's ended session, from the North assignment
    assignment: int


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory, warm_data_dir: Path) -> Iterator[Seeded]:
    from coach.supervision import CONSOLE, SupervisionService

    data = seed_data_dir(warm_data_dir, tmp_path_factory.mktemp("supervise") / "data")
    settings = Settings.test_profile(data)
    service = CoachService(settings, store=Store(settings.database_url, password_rounds=4))
    sup = SupervisionService(service)
    for name, role in (("ada", "admin"), ("nia", "supervisor"), ("sam", "supervisor"),
                       ("ann", "trainee"), ("bob", "trainee"), ("cat", "trainee")):
        sup.add_user(CONSOLE, name, role, PASSWORD, name.title())
    sup.add_team(CONSOLE, "North", "nia")
    sup.join_team(CONSOLE, "North", ["ann", "bob"])
    sup.add_team(CONSOLE, "South", "sam")
    sup.join_team(CONSOLE, "South", ["cat"])
    nia, ann = sup.user_named("nia"), sup.user_named("ann")
    made = sup.assign(nia, "debs", "Practise complex reflections when Debs gets <defensive>",
                      team="North", focus="complex_reflections",
                      due=date.today() + timedelta(days=5))
    # A due date in the past is refused when set; one that has passed since is stored so.
    service.store.create_assignment("britton", "Ask what matters about Cassie", None,
                                    date.today() - timedelta(days=1), None, nia.id, [ann.id])
    view = sup.start_assignment(ann, made.id)
    for line in LINES:
        service.take_turn(ann, view.id, line)
    service.end_session(ann, view.id)
    service.store.close()
    running = start_app(data)
    yield Seeded(running, view.id, made.id)
    running.stop()


def _client(app: RunningApp, user: str) -> Client:
    return signed_in_client(app.url, user, PASSWORD)


def _status(url: str, cookie: str | None = None, data: dict[str, Any] | None = None) -> int:
    return fetch(url, cookie, data)[0]


def test_not_signed_in_nothing_is_served(seeded: Seeded) -> None:
    # Without a sign-in cookie the web API is refused before any handler runs.
    with pytest.raises(Exception):  # noqa: B017 - gradio_client cannot even read the config
        Client(seeded.app.url, verbose=False)
    calls = [("/supervisor_overview", ()), ("/review", (seeded.session,)),
             ("/override", (seeded.session, 1, "other", "", "x")),
             ("/comment", (seeded.session, 0, "hello")),
             ("/assign", ("debs", "North", [], "goal", "", "")),
             ("/dashboard", ("North",)), ("/open_past", (seeded.session,)),
             ("/my_assignments", ()), ("/start_assignment", (seeded.assignment,)),
             ("/history", ()), ("/ask", ("What is a personal outcome?",)),
             ("/exercise_overview", ()), ("/show_exercise", (1,)),
             ("/answer_exercise", (1, "hello")), ("/my_exercise_replies", ()),
             ("/check_statements", ("I want to walk again",)), ("/deal_sort", ()),
             ("/recorded_outcomes", (seeded.session,)), ("/rewind", (seeded.session, 1)),
             ("/compare_branches", (seeded.session,)),
             ("/score_file", (None, "", "Worker", "Person"))]
    for api, args in calls:
        url = f"{seeded.app.url}gradio_api/call{api}"
        assert _status(url, data={"data": list(args)}) == 401, api
    for path in ("files/dashboard/North.csv", "files/dashboard/North.png",
                 f"files/report/{seeded.session}.md", "files/exercise/1/spread.png"):
        assert _status(seeded.app.url + path) == 401, path


def test_roles_are_kept_apart_through_the_web_api(seeded: Seeded) -> None:
    # A trainee of the same team: no supervisor screens, and not Ann's session.
    bob = _client(seeded.app, "bob")
    with pytest.raises(Exception, match="supervisors and admins"):
        bob.predict(seeded.session, api_name="/review")
    with pytest.raises(Exception, match="supervisors and admins"):
        bob.predict("North", api_name="/dashboard")
    with pytest.raises(Exception, match="could not be found"):
        bob.predict(seeded.session, api_name="/open_past")
    # Anyone signed in may ask the guidance; the answer is cited.
    assert "[1]" in bob.predict("How do I summarise in an empowering way?", api_name="/ask")
    # A supervisor of the other team.
    sam = _client(seeded.app, "sam")
    with pytest.raises(Exception, match="could not be found"):
        sam.predict(seeded.session, api_name="/review")
    with pytest.raises(Exception, match="could not be found"):
        sam.predict(seeded.session, 1, "other", "", "no", api_name="/override")
    with pytest.raises(Exception, match="Only the supervisors of North"):
        sam.predict("North", api_name="/dashboard")
    with pytest.raises(Exception, match="do not lead"):
        sam.predict("debs", "North", [], "goal", "", "", api_name="/assign")
    overview = sam.predict(api_name="/supervisor_overview")
    assert seeded.session not in json.dumps(overview)
    # An admin sees it.
    ada = _client(seeded.app, "ada")
    html, _ = ada.predict(seeded.session, api_name="/review")
    assert "Ann" in html


def test_a_supervisor_reviews_overrides_and_comments(seeded: Seeded) -> None:
    nia = _client(seeded.app, "nia")
    overview = nia.predict(api_name="/supervisor_overview")
    assert seeded.session in json.dumps(overview)
    assert "&lt;defensive&gt;" in overview[3]  # the goal, escaped, with who has done what
    html, _ = nia.predict(seeded.session, api_name="/review")
    assert "Why did the police come out?" in html
    html, message, agreement = nia.predict(seeded.session, 2, "closed_question", "paperwork",
                                           "A 'why' puts her on the spot", api_name="/override")
    assert "Coder said" in html and "Override saved" in message and "κ" in agreement
    html, _, box = nia.predict(seeded.session, 2, "<script>alert(1)</script> try 'what'",
                               api_name="/comment")
    assert "&lt;script&gt;" in html and "<script>" not in html and box == ""
    with pytest.raises(Exception, match="Choose a team first"):
        nia.predict(None, api_name="/dashboard")
    plot, table, csv_link = nia.predict("North", api_name="/dashboard")
    assert 'src="files/dashboard/North.png?at=' in plot and table["data"][0][0] == "ann"
    assert 'href="files/dashboard/North.csv"' in csv_link
    # The chart and the CSV come from the app to the team's supervisor, not to a trainee.
    nia_cookie = sign_in_cookie(seeded.app.url, "nia", PASSWORD)
    ann_cookie = sign_in_cookie(seeded.app.url, "ann", PASSWORD)
    for path in ("files/dashboard/North.csv", "files/dashboard/North.png"):
        assert _status(seeded.app.url + path, nia_cookie) == 200, path
        assert _status(seeded.app.url + path, ann_cookie) == 404, path
    # And she may fetch her team member's report.
    assert _status(f"{seeded.app.url}files/report/{seeded.session}.md", nia_cookie) == 200

    # The trainee sees both codes and the comment in her history, and her assignments.
    ann = _client(seeded.app, "ann")
    report, review = ann.predict(seeded.session, api_name="/open_past")
    assert "Coder said" in review and "&lt;script&gt;" in review and "#" in report
    listing, _ = ann.predict(api_name="/my_assignments")
    assert listing.index("Overdue") < listing.index("Done")


@pytest.mark.browser
def test_screens_in_chromium_with_screenshots(seeded: Seeded, tmp_path: Path) -> None:
    need_chromium()
    from playwright.sync_api import expect, sync_playwright

    shots = tmp_path / "screens"
    shots.mkdir()
    found: dict[str, list[str]] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)

        def sign_in(name: str):  # type: ignore[no-untyped-def]
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(seeded.app.url)
            page.locator("#username").fill(name)
            page.locator("#password").fill(PASSWORD)
            page.locator("#signin-btn").click()
            expect(page.locator("#main")).to_be_visible(timeout=20_000)
            return page

        trainee = sign_in("ann")
        expect(trainee.locator("#my-assignments")).to_contain_text("Overdue", timeout=20_000)
        trainee.screenshot(path=str(shots / "trainee-assignments.png"), full_page=True)
        found["trainee assignments"] = axe.serious_violations(trainee, "trainee assignments")
        expect(trainee.get_by_role("tab", name="Supervise")).to_have_count(0)

        page = sign_in("nia")
        page.get_by_role("tab", name="Supervise").click()
        page.get_by_role("tab", name="Review").click()
        page.locator("#review-session input").click()
        page.get_by_role("option").first.click()
        page.locator("#review-open").click()
        expect(page.locator("#review")).to_contain_text("Why did the police", timeout=20_000)
        page.locator("#override-turn input").fill("3")
        page.locator("#override-code input").click()
        page.get_by_role("option", name="Simple reflection").first.click()
        page.locator("#override-reason textarea").fill("It gives back her words; nothing added.")
        page.locator("#override-btn").click()
        expect(page.locator("#review")).to_contain_text("nothing added", timeout=20_000)
        page.locator("#comment-turn input").fill("3")
        page.locator("#comment-text textarea").fill("Good: you stayed with her fear.")
        page.locator("#comment-btn").click()
        expect(page.locator("#review")).to_contain_text("stayed with her fear", timeout=20_000)
        page.screenshot(path=str(shots / "review.png"), full_page=True)
        found["review"] = axe.serious_violations(page, "review")

        page.get_by_role("tab", name="Dashboard").click()
        page.locator("#dash-team input").click()
        page.get_by_role("option", name="North").first.click()
        page.locator("#dash-btn").click()
        expect(page.locator("#dash-plot img")).to_be_visible(timeout=30_000)
        expect(page.locator("#not-ratings")).to_contain_text("not performance ratings")
        page.screenshot(path=str(shots / "dashboard.png"), full_page=True)
        found["dashboard"] = axe.serious_violations(page, "dashboard")
        browser.close()

    SCREENS_COPY.mkdir(parents=True, exist_ok=True)
    for shot in shots.iterdir():
        assert shot.stat().st_size > 20_000, shot
        shutil.copy(shot, SCREENS_COPY / shot.name)
    (SCREENS_COPY / "axe-findings.json").write_text(json.dumps(found, indent=2), encoding="utf-8")
    problems = {screen: v for screen, v in found.items() if v}
    assert not problems, problems


def test_starting_an_assignment_opens_practice_with_its_person_and_goal(seeded: Seeded) -> None:
    # Last in this module: it starts a new session of Ann's, which the screens above
    # would list.
    ann = _client(seeded.app, "ann")
    chat, _mood, _notice, person, brief = ann.predict(seeded.assignment,
                                                       api_name="/start_assignment")
    assert chat and person == "debs" and brief.startswith("### Debs")
    assert "Practise complex reflections when Debs gets \\<defensive\\>" in brief
