"""Headless Chromium against the real app: sign in, practise, end, and screenshot.

Screenshots go to ``screenshots/`` at the project root (not committed) so a person can look
at what the trainee sees. Chromium comes from Debian (``.ci/run`` installs it); Playwright
only drives it and never downloads a browser of its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import axe
from tests.support.apprunner import PROJECT_ROOT, RunningApp, add_user, seed_data_dir, start_app
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, need_chromium

SHOTS = PROJECT_ROOT / "screenshots"
# Words in the report's tables that the browser broke across lines ("Summar y").
BROKEN_WORDS = """() => {
  const broken = [];
  for (const cell of document.querySelectorAll('#report-md table td, #report-md table th')) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    let node;
    while ((node = walker.nextNode())) {
      for (const m of node.data.matchAll(/\\S+/g)) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
        if (tops.size > 1) broken.push(m[0]);
      }
    }
  }
  return broken;
}"""

pytestmark = [pytest.mark.browser, pytest.mark.slow]

need_chromium(module_level=True)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory, warm_data_dir: Path) -> Iterator[RunningApp]:
    data = seed_data_dir(warm_data_dir, tmp_path_factory.mktemp("browser") / "data")
    add_user(data, "sian", "browser-test-321")
    running = start_app(data)
    yield running
    running.stop()


def test_practice_and_report_screens(app: RunningApp, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    check_axe = axe.available()
    violations: list[str] = []

    SHOTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(app.url)
        page.locator("#username").fill("sian")
        page.locator("#password").fill("browser-test-321")
        page.locator("#signin-btn").click()
        expect(page.locator("#main")).to_be_visible(timeout=20_000)
        # Signing in opens the trainee's assignments first; this practice is not assigned.
        # Wait for that to finish, or it can switch the tab back after the click below.
        expect(page.locator("#my-assignments")).to_contain_text("No assignments", timeout=20_000)
        # Focus starts on the page's heading, not on <body>.
        page.wait_for_function("document.activeElement.closest('#title') !== null",
                               timeout=10_000)

        # A refusal is said in a toast; the screen stays as it was, and usable.
        page.get_by_role("tab", name="History").click()
        page.locator("#past-discard").click()  # its outputs: the table, trend and dropdown
        expect(page.get_by_text("Choose a session first.").first).to_be_visible(timeout=20_000)
        expect(page.locator("#history-table")).to_be_visible()
        for shown in ("#history-table", "#past-session", "#trend"):
            expect(page.locator(f"{shown} [data-testid='status-tracker'] .error")).to_be_hidden()
        page.locator("#past-session input").click(timeout=5_000)  # nothing lies over it
        page.keyboard.press("Escape")
        # Closed as a person would close it. (Gradio's toast nests its close button inside a
        # role=button header, which axe flags while a toast shows; the screens are checked
        # without one.)
        page.locator(".toast-close").first.click()
        expect(page.locator(".toast-body")).to_have_count(0, timeout=10_000)

        page.get_by_role("tab", name="Practice").click()
        page.locator("#persona input").click()
        page.get_by_role("option", name="Debs").first.click()
        page.locator("#start-btn").click()
        # The person's opening line: until it shows, the session does not exist yet and a
        # reply sent now would be refused ("Start a conversation first").
        expect(page.locator("#chat [data-testid='bot']").first).to_be_visible(timeout=30_000)
        message = page.locator("#message textarea")
        # Shift+Enter starts a new line; Enter sends (as does the Send button).
        message.fill("Hi Debs,")
        message.press("Shift+Enter")
        expect(message).to_have_value("Hi Debs,\n")
        for n, line in enumerate([
            "Hi Debs, thanks for letting me in. I know a visit like this can feel worrying.",
            "It sounds like Saturday was really frightening for you and the children.",
            "Why did the police need to come out?",
            "You rang them yourself to keep everyone safe. That took courage.",
        ]):
            count = page.locator("#chat .chip.code").count()
            message.fill(line)
            if n % 2:
                page.locator("#send-btn").click()
            else:
                message.press("Enter")
            expect(page.locator("#chat .chip.code")).to_have_count(count + 1, timeout=20_000)
            expect(message).to_have_value("", timeout=20_000)
        # The conversation cannot be emptied on the page alone: no Clear button.
        expect(page.locator("#chat").get_by_role("button", name="Clear", exact=True)
               ).to_have_count(0)
        page.locator("#hint-btn").click()
        expect(page.locator("#hint")).to_contain_text("Try next", timeout=20_000)
        first_hint = page.locator("#hint").inner_text()
        page.locator("#hint-btn").click()
        expect(page.locator("#hint")).not_to_have_text(first_hint, timeout=20_000)
        second_hint = page.locator("#hint").inner_text()
        page.screenshot(path=str(SHOTS / "practice.png"), full_page=True)
        # A hint is about the last reply: sending another makes it out of date, so it goes.
        count = page.locator("#chat .chip.code").count()
        message.fill("What would you like to be different for you and the children?")
        message.press("Enter")
        expect(page.locator("#hint")).not_to_contain_text(second_hint, timeout=20_000)
        expect(page.locator("#chat .chip.code")).to_have_count(count + 1, timeout=20_000)
        expect(page.locator("#mood")).to_contain_text("seems")
        if check_axe:
            violations += axe.serious_violations(page, "practice")

        page.locator("#end-btn").click()
        expect(page.locator("#report-md")).to_contain_text("Reflection", timeout=30_000)
        expect(page.locator("#report-md")).to_contain_text("Safeguarding")
        # Focus follows to the report's heading, not to <body>.
        page.wait_for_function("document.activeElement.closest('#report-md') !== null",
                               timeout=10_000)
        page.screenshot(path=str(SHOTS / "report.png"), full_page=True)
        assert page.evaluate(BROKEN_WORDS) == []
        if check_axe:
            violations += axe.serious_violations(page, "report")

        page.get_by_role("tab", name="History").click()
        expect(page.locator("body")).to_contain_text("Debs", timeout=20_000)
        page.screenshot(path=str(SHOTS / "history.png"), full_page=True)
        if check_axe:
            violations += axe.serious_violations(page, "history")

        page.get_by_role("tab", name="Ask the guidance").click()
        page.locator("#question textarea").fill("How do I summarise in an empowering way?")
        page.locator("#question textarea").press("Enter")  # Enter asks
        expect(page.locator("#answer")).to_contain_text("[1]", timeout=30_000)
        expect(page.locator("#answer")).to_contain_text("Sources")
        page.screenshot(path=str(SHOTS / "guidance.png"), full_page=True)
        if check_axe:
            violations += axe.serious_violations(page, "guidance")
        browser.close()

    for name in ("practice.png", "report.png", "history.png", "guidance.png"):
        assert (SHOTS / name).stat().st_size > 20_000
    assert violations == [], "\n".join(violations)
    if not check_axe:
        pytest.skip("axe-core is not fetched (make axe): accessibility not checked; the rest passed")
