"""Headless Chromium against the real app: a page belongs to the person signed in, and
what people type stays text.

- Signing out leaves nothing of the person on the page, and the next person to sign in
  in the same tab sees only their own work.
- A reload keeps the sign-in; an ended sign-in gets the sign-in form, not error badges.
- A message written to make browsers fetch something makes no browser fetch anything.
"""

from __future__ import annotations

import http.server
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from coach.store import Store
from tests.support.apprunner import RunningApp, add_user, free_port, seed_data_dir, start_app
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, need_chromium

pytestmark = [pytest.mark.browser, pytest.mark.slow]
need_chromium(module_level=True)

A_WORDS = "Aardvark-Tuesday-Lighthouse"
DRAFT = "an unsent draft about Zanzibar"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory, warm_data_dir: Path) -> Iterator[RunningApp]:
    data = seed_data_dir(warm_data_dir, tmp_path_factory.mktemp("trust") / "data")
    add_user(data, "annwen", "annwen-password-1")
    add_user(data, "bleddyn", "bleddyn-password-2")
    add_user(data, "carys", "carys-password-3")
    add_user(data, "dafydd", "dafydd-password-4")
    add_user(data, "mererid", "mererid-password-5", "supervisor")
    with Store(f"sqlite:///{data / 'coach.db'}") as store:  # mererid leads dafydd's team
        lead, member = (store.get_user_by_name(n) for n in ("mererid", "dafydd"))
        team = store.create_team("North", [lead.id])  # type: ignore[union-attr]
        store.set_members(team.id, [member.id], "member")  # type: ignore[union-attr]
    running = start_app(data)
    yield running
    running.stop()


@pytest.fixture
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield launched
        launched.close()


def sign_in(page: Any, url: str, username: str, password: str) -> None:
    from playwright.sync_api import expect

    if "/login" not in page.url:
        page.goto(url)
    page.locator("#username").fill(username)
    page.locator("#password").fill(password)
    page.locator("#signin-btn").click()
    expect(page.locator("#greeting")).to_contain_text("Signed in as", timeout=30_000)


def start_debs(page: Any) -> None:
    from playwright.sync_api import expect

    # Signing in opens the person's assignments; this practice is not assigned.
    page.get_by_role("tab", name="Practice").click()
    page.locator("#persona input").click()
    page.get_by_role("option", name="Debs").first.click()
    page.locator("#start-btn").click()
    expect(page.locator("#chat [data-testid='bot']").first).to_be_visible(timeout=30_000)


def send(page: Any, text: str) -> None:
    from playwright.sync_api import expect

    count = page.locator("#chat .chip.code").count()
    page.locator("#message textarea").fill(text)
    page.locator("#send-btn").click()
    expect(page.locator("#chat .chip.code")).to_have_count(count + 1, timeout=30_000)


def test_signing_out_leaves_nothing_for_the_next_person(app: RunningApp, browser: Any) -> None:
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    sign_in(page, app.url, "annwen", "annwen-password-1")
    start_debs(page)
    send(page, f"It sounds like Saturday was frightening. {A_WORDS}")
    with sqlite3.connect(app.data_dir / "coach.db") as db:
        (turn_id,) = db.execute("SELECT client_turn_id FROM turns WHERE learner LIKE ?",
                                (f"%{A_WORDS}",)).fetchone()
    assert turn_id and len(turn_id) >= 16  # the browser gave the turn its own id
    page.locator("#hint-btn").click()
    expect(page.locator("#hint")).to_contain_text("Try next", timeout=30_000)
    page.locator("#end-btn").click()
    expect(page.locator("#report-md")).to_contain_text("Reflection", timeout=30_000)
    expect(page.locator("#timeline img")).to_be_visible()
    page.get_by_role("tab", name="History").click()  # opening it brings the history
    expect(page.locator("#trend img")).to_be_visible(timeout=30_000)
    page.get_by_role("tab", name="Practice").click()
    page.locator("#message textarea").fill(DRAFT)

    page.locator("#signout-btn").click()
    expect(page.locator("#signin-form")).to_be_visible(timeout=30_000)
    assert "signed out" in page.locator("body").inner_text().lower()
    assert page.locator("#username").input_value() == ""
    assert page.locator("#password").input_value() == ""
    # Back does not bring the previous person's page back.
    page.go_back()
    page.wait_for_load_state()
    expect(page.locator("#signin-form")).to_be_visible(timeout=30_000)

    sign_in(page, app.url, "bleddyn", "bleddyn-password-2")
    expect(page.locator("#greeting")).to_contain_text("bleddyn")
    page.get_by_role("tab", name="History").click()  # opening it brings the history
    expect(page.locator("#trend")).to_contain_text("once you have ended", timeout=30_000)
    page.get_by_role("tab", name="Report").click()
    page.get_by_role("tab", name="Practice").click()
    text = page.locator("body").inner_text()
    for trace in ("annwen", A_WORDS, DRAFT, "Saturday was frightening", "Try next"):
        assert trace not in text and trace not in page.content(), trace
    assert page.locator("#message textarea").input_value() == ""
    assert page.locator("#timeline img").count() == 0
    assert page.locator("#chat .chip").count() == 0
    assert page.locator("#report-md").inner_text().strip().startswith("End a conversation")


def test_signing_out_clears_the_supervisor_screens_too(app: RunningApp, browser: Any) -> None:
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    sign_in(page, app.url, "dafydd", "dafydd-password-4")
    start_debs(page)
    send(page, f"What matters to you about the children? {A_WORDS}")
    page.locator("#signout-btn").click()
    expect(page.locator("#signin-form")).to_be_visible(timeout=30_000)

    sign_in(page, app.url, "mererid", "mererid-password-5")
    page.get_by_role("tab", name="Supervise").click()
    page.get_by_role("tab", name="Review").click()
    page.locator("#review-session input").click()
    page.get_by_role("option").first.click()
    page.locator("#review-open").click()
    expect(page.locator("#review")).to_contain_text(A_WORDS, timeout=30_000)
    page.locator("#comment-text textarea").fill(DRAFT)
    page.locator("#comment-btn").click()
    expect(page.locator("#review")).to_contain_text(DRAFT, timeout=30_000)
    page.locator("#signout-btn").click()
    expect(page.locator("#signin-form")).to_be_visible(timeout=30_000)

    sign_in(page, app.url, "bleddyn", "bleddyn-password-2")
    expect(page.get_by_role("tab", name="Supervise")).to_have_count(0)
    for trace in ("mererid", "dafydd", A_WORDS, DRAFT, "North"):
        assert trace not in page.locator("body").inner_text(), trace
        assert trace not in page.content(), trace


def test_a_reload_keeps_the_sign_in_and_an_ended_one_asks_to_sign_in_again(
        app: RunningApp, browser: Any) -> None:
    from playwright.sync_api import expect

    page = browser.new_page()
    sign_in(page, app.url, "carys", "carys-password-3")
    page.reload()
    expect(page.locator("#greeting")).to_contain_text("carys", timeout=30_000)
    start_debs(page)
    # The sign-in ends on the server (expired, or signed out in another tab).
    with sqlite3.connect(app.data_dir / "coach.db") as db:
        db.execute("DELETE FROM sign_in_sessions")
    page.wait_for_timeout(5_500)  # each process remembers a sign-in for up to 5 s
    page.locator("#message textarea").fill("How are you today?")
    page.locator("#send-btn").click()
    expect(page.locator("#signin-form")).to_be_visible(timeout=30_000)
    assert "sign-in has ended" in page.locator("body").inner_text()
    assert page.locator(".toast-body, .error").count() == 0


class _Counter(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        type(self).hits.append(self.path)
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_what_a_trainee_types_is_shown_as_text_and_fetches_nothing(
        app: RunningApp, browser: Any) -> None:
    from playwright.sync_api import expect

    port = free_port()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), _Counter)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _Counter.hits = []
    hostile = (f"![x](http://127.0.0.1:{port}/md.png) <img src=http://127.0.0.1:{port}/img.png> "
               f"[link](http://127.0.0.1:{port}/a) **bold** $$x^2$$ What matters to you?")
    try:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        sign_in(page, app.url, "carys", "carys-password-3")
        page.get_by_role("tab", name="Practice").click()
        page.locator("#persona input").click()
        page.get_by_role("option", name="Debs").first.click()
        page.locator("#new-btn, button:has-text('Start again with a new conversation')").first.click()
        expect(page.locator("#chat [data-testid='bot']").first).to_be_visible(timeout=30_000)
        send(page, hostile)
        chat = page.locator("#chat")
        expect(chat).to_contain_text(f"![x](http://127.0.0.1:{port}/md.png)")
        expect(chat).to_contain_text("**bold** $$x^2$$")
        assert chat.locator("img, a[href*='127.0.0.1'], strong, .katex").count() == 0
        page.locator("#end-btn").click()
        expect(page.locator("#report-md")).to_contain_text("Turn by turn", timeout=30_000)
        report = page.locator("#report-md")
        expect(report).to_contain_text("**bold**")
        assert report.locator("img, a[href*='127.0.0.1'], .katex").count() == 0
        page.wait_for_timeout(1_500)
        assert _Counter.hits == []
    finally:
        server.shutdown()
