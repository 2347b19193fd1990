"""The same-moment exercise and the recording-outcomes drill in the real app: a
supervisor opens Debs's "Fine, take him into care then" for a team, three members answer
through the web API (gradio_client), each seeing the others only after answering; roles
are kept apart; an anonymous exercise names nobody; a trainee records outcomes after a
session. One headless-Chromium pass screenshots the results page, saves a scored file from
the page, and checks the exercise, scoring, recording and try-again screens with axe-core.

One launch serves every test here. The screenshot is copied to /tmp/outcomes-screens/.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from gradio_client import Client

from coach.service import CoachService
from coach.settings import Settings
from coach.store import Store
from tests.support import axe
from tests.support.apprunner import (
    RunningApp,
    call_status,
    fetch,
    seed_data_dir,
    sign_in_cookie,
    signed_in_client,
    start_app,
)
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, SCREENS_COPY, need_chromium
from tests.support.scoring import EXAMPLES

pytestmark = pytest.mark.slow

PASSWORD = "a-good-password"
MOMENT = "debs_take_him_into_care"
REPLIES = {
    "ann": "It sounds like you're worn out with it all, and scared of what we might do.",
    "bob": "If this happens again we will have to start care proceedings. <b>Final</b> warning.",
    "cat": "What would help things feel calmer at home for you and Llyr?",
}


@dataclass
class Seeded:
    app: RunningApp
    session: str  # Ann's ended session with Debs


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory, warm_data_dir: Path) -> Iterator[Seeded]:
    from coach.supervision import CONSOLE, SupervisionService

    data = seed_data_dir(warm_data_dir, tmp_path_factory.mktemp("exercise") / "data")
    settings = Settings.test_profile(data)
    service = CoachService(settings, store=Store(settings.database_url, password_rounds=4))
    sup = SupervisionService(service)
    for name, role in (("nia", "supervisor"), ("sam", "supervisor"), ("ann", "trainee"),
                       ("bob", "trainee"), ("cat", "trainee"), ("dan", "trainee")):
        sup.add_user(CONSOLE, name, role, PASSWORD, name.title())
    sup.add_team(CONSOLE, "North", "nia")
    sup.join_team(CONSOLE, "North", ["ann", "bob", "cat"])
    sup.add_team(CONSOLE, "South", "sam")
    sup.join_team(CONSOLE, "South", ["dan"])
    ann = sup.user_named("ann")
    view = service.start_session(ann, "debs", resume=False)
    for line in ("What's been happening for you?",
                 "It sounds like you were frightened when you couldn't find Megan."):
        service.take_turn(ann, view.id, line)
    service.end_session(ann, view.id)
    service.store.close()
    running = start_app(data)
    yield Seeded(running, view.id)
    running.stop()


def _client(app: RunningApp, user: str) -> Client:
    return signed_in_client(app.url, user, PASSWORD)


def _get(app: RunningApp, path: str, cookie: str | None) -> tuple[int, bytes]:
    """GET a path of the app as a browser with (or without) a sign-in cookie."""
    return fetch(app.url + path, cookie)


def _exercise_id(moment_html: str) -> int:
    found = re.search(r"<b>#(\d+) ", moment_html)
    assert found, moment_html
    return int(found.group(1))


def test_three_members_answer_the_same_moment_end_to_end(seeded: Seeded) -> None:
    nia = _client(seeded.app, "nia")
    _, moment, results, _ = nia.predict("North", MOMENT, False, api_name="/open_exercise")
    assert "Fine, take him into care then" in moment and "0 of 3 answered" in moment
    exercise = _exercise_id(moment)
    members = {name: _client(seeded.app, name) for name in REPLIES}

    # Bob has not answered: he sees the moment, not Ann's reply.
    moment, results, plot, box = members["ann"].predict(exercise, REPLIES["ann"],
                                                        api_name="/answer_exercise")
    assert box == "" and "Your reply" in moment
    _, results, plot = members["bob"].predict(exercise, api_name="/show_exercise")
    assert "Answer first" in results and "worn out" not in results and plot == ""
    chart = f"files/exercise/{exercise}/spread.png"
    assert _get(seeded.app, chart, sign_in_cookie(seeded.app.url, "bob", PASSWORD))[0] == 404
    members["bob"].predict(exercise, REPLIES["bob"], api_name="/answer_exercise")
    moment, results, _, _ = members["cat"].predict(exercise, REPLIES["cat"],
                                                   api_name="/answer_exercise")
    assert "3 of 3 answered" in moment and "worn out" in results  # Cat sees every reply now

    moment, results, plot = nia.predict(exercise, api_name="/show_exercise")
    assert "3 of 3 answered" in moment and chart in plot
    status, png = _get(seeded.app, chart, sign_in_cookie(seeded.app.url, "nia", PASSWORD))
    assert status == 200 and png.startswith(b"\x89PNG")
    # Another team's supervisor gets nothing, not even that it exists.
    assert _get(seeded.app, chart, sign_in_cookie(seeded.app.url, "sam", PASSWORD))[0] == 404
    for name in ("Ann", "Bob", "Cat"):
        assert f"<b>{name}</b>" in results
    assert "&lt;b&gt;Final&lt;/b&gt;" in results and "<b>Final</b>" not in results
    ranks = {n: re.search(rf"<b>#(\d)</b> · <b>{n}</b>", results) for n in ("Ann", "Bob", "Cat")}
    assert all(ranks.values()), results
    assert int(ranks["Bob"].group(1)) == 3  # the threat is received worst
    assert "Exemplar: outcomes-focused" in results and "For contrast: paperwork-led" in results
    assert "They would say" in results and "Receptivity" in results

    with pytest.raises(Exception, match="already answered"):
        members["ann"].predict(exercise, "Another go", api_name="/answer_exercise")
    mine = members["ann"].predict(api_name="/my_exercise_replies")
    assert "worn out" in mine and "care proceedings" not in mine


def test_roles_are_kept_apart_for_exercises(seeded: Seeded) -> None:
    nia = _client(seeded.app, "nia")
    _, moment, _, _ = nia.predict("North", "britton_get_rid_of_the_cat", True,
                                  api_name="/open_exercise")
    exercise = _exercise_id(moment)
    with pytest.raises(Exception, match="could not be found"):
        _client(seeded.app, "dan").predict(exercise, api_name="/show_exercise")
    with pytest.raises(Exception, match="could not be found"):
        _client(seeded.app, "sam").predict(exercise, api_name="/close_exercise")
    with pytest.raises(Exception, match="That exercise could not be found"):
        nia.predict("abc", api_name="/show_exercise")  # not an id the page would send
    with pytest.raises(Exception, match="Only the team's supervisor"):
        _client(seeded.app, "ann").predict("North", MOMENT, False, api_name="/open_exercise")
    # Without a sign-in, the call is refused before any handler runs; so is the chart.
    assert call_status(seeded.app.url, "show_exercise", [exercise]) == 401
    assert _get(seeded.app, f"files/exercise/{exercise}/spread.png", None)[0] == 401
    # Anonymous: nobody's name on the shared screen.
    _client(seeded.app, "cat").predict(exercise, "Cassie means the world to you.",
                                       api_name="/answer_exercise")
    _, results, _ = nia.predict(exercise, api_name="/close_exercise")
    assert "Cassie means the world" in results and "Cat" not in results
    assert "Anonymous" in results
    # A supervisor turns a turn of a session they may see into a moment; Sam may not.
    with pytest.raises(Exception, match="could not be found"):
        _client(seeded.app, "sam").predict("South", seeded.session, 2, False,
                                           api_name="/open_exercise_turn")
    _, moment, _, _ = nia.predict("North", seeded.session, 2, False,
                                  api_name="/open_exercise_turn")
    assert "before reply 2 of a practice session" in moment


def test_recording_outcomes_through_the_web_api(seeded: Seeded) -> None:
    ann = _client(seeded.app, "ann")
    checked = ann.predict("I want to <i>walk</i> Cassie again\nA walk-in shower",
                          api_name="/check_statements")
    assert "a personal outcome" in checked and "a service or input" in checked
    assert "&lt;i&gt;walk&lt;/i&gt;" in checked and "not an outcome in themselves" in checked
    with pytest.raises(Exception, match="at least one statement"):
        ann.predict("   ", api_name="/check_statements")
    ann.predict(api_name="/deal_sort")
    assert "You sorted" in ann.predict([], api_name="/mark_sort")
    saved = ann.predict(seeded.session, "I want to know Megan is safe when she goes out",
                        api_name="/record_outcomes")
    assert "Set beside what Debs shared" in saved
    text, shown = _client(seeded.app, "nia").predict(seeded.session,
                                                     api_name="/recorded_outcomes")
    assert text == "I want to know Megan is safe when she goes out" and "Debs" in shown
    with pytest.raises(Exception, match="could not be found"):
        _client(seeded.app, "sam").predict(seeded.session, api_name="/recorded_outcomes")


def test_rewind_and_try_again_through_the_web_api(seeded: Seeded) -> None:
    ann = _client(seeded.app, "ann")
    chat, _, notice, person, brief = ann.predict(seeded.session, 2, api_name="/rewind")
    assert "Back before your reply 2" in notice
    assert person == "debs" and brief.startswith("### Debs")  # Practice shows who and the brief
    assert len(chat) == 3  # the opening, her first reply and Debs's answer to it
    store = Store(Settings.test_profile(seeded.app.data_dir).database_url)
    ann_id = store.get_user_by_name("ann").id
    [session_id] = [s.id for s in store.list_sessions(ann_id) if s.parent_id == seeded.session]
    store.close()
    with pytest.raises(Exception, match="could not be found"):
        _client(seeded.app, "bob").predict(seeded.session, 1, api_name="/rewind")
    with pytest.raises(Exception, match="End both"):
        ann.predict(session_id, api_name="/compare_branches")
    ann.predict("You rang them yourself; that took courage.", api_name="/send")
    ann.predict(api_name="/end")
    compared = ann.predict(session_id, api_name="/compare_branches")
    assert "| Indicator | Original | Tried again |" in compared


@pytest.mark.browser
def test_the_results_page_in_chromium(seeded: Seeded, tmp_path: Path) -> None:
    need_chromium()
    from playwright.sync_api import expect, sync_playwright

    nia = _client(seeded.app, "nia")
    _, moment, _, _ = nia.predict("North", MOMENT, False, api_name="/open_exercise")
    exercise = _exercise_id(moment)
    for name, reply in REPLIES.items():
        _client(seeded.app, name).predict(exercise, reply, api_name="/answer_exercise")
    shot = tmp_path / "exercise-results.png"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(seeded.app.url)
        page.locator("#username").fill("nia")
        page.locator("#password").fill(PASSWORD)
        page.locator("#signin-btn").click()
        expect(page.locator("#main")).to_be_visible(timeout=20_000)
        # Signing in ends by opening the assignments tab: wait for it before moving on.
        expect(page.locator("#my-assignments")).to_contain_text("No assignments",
                                                                timeout=20_000)
        page.get_by_role("tab", name="Team exercise").click()
        expect(page.locator("#ex-open")).to_be_visible(timeout=20_000)  # the lead's panel
        page.locator("#ex-choice input").click()
        page.get_by_role("option", name=re.compile(rf"^#{exercise} ")).first.click()
        page.locator("#ex-show").click()
        expect(page.locator("#ex-results")).to_contain_text("For contrast", timeout=30_000)
        expect(page.locator("#ex-spread img")).to_be_visible(timeout=30_000)
        page.screenshot(path=str(shot), full_page=True)
        violations = axe.serious_violations(page, "team exercise")
        # The scored file's results are saved from the page itself: no server file.
        page.get_by_role("tab", name="Score a file").click()
        page.locator("#score-file input[type=file]").set_input_files(
            str(EXAMPLES / "debs-six-replies.csv"))
        page.locator("#score-btn").click()
        expect(page.locator("#score-results")).to_contain_text("6 replies scored",
                                                               timeout=30_000)
        with page.expect_download() as saving:
            page.locator("#score-csv").click()
        saved = tmp_path / saving.value.suggested_filename
        saving.value.save_as(saved)
        violations += axe.serious_violations(page, "score a file")
        for tab, screen in (("Record outcomes", "record outcomes"), ("Try again", "try again")):
            page.get_by_role("tab", name=tab).click()
            page.wait_for_timeout(500)
            violations += axe.serious_violations(page, screen)
        browser.close()
    assert violations == [], violations
    assert saved.name == "outcomes-coach-scores.csv"
    assert saved.read_text(encoding="utf-8").splitlines()[1].startswith("1,reflect,")
    assert shot.stat().st_size > 20_000
    SCREENS_COPY.mkdir(parents=True, exist_ok=True)
    shutil.copy(shot, SCREENS_COPY / shot.name)
