"""The "Record outcomes" tab: the stand-alone drill (write statements, each checked
against the guidance's criteria, the guidance quoted), the guidance's sort exercise
(personal outcomes against services), and statements written after one of the
trainee's ended sessions, stored with it and set beside what the person disclosed.

No rules here: ``RecordingService`` checks who may do what. Everything a trainee typed
is escaped and shown as text.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import gradio as gr

from coach.recording import RecordingService, SessionRecording
from coach.service import CoachService, ServiceError
from coach.statements import LABEL_NAMES, SortResult, StatementCheck
from coach.text import counted

INTRO = (
    "Recording is the bridge between the conversation and what happens next. Write what "
    "matters to the person as outcome statements, one per line: what they want to achieve, "
    "not the service that might help, in their own words where you can, noting what they "
    "and those around them bring."
)
VERDICTS = {
    "recorded": "You recorded this, and the person told you it.",
    "missed": "The person told you this, but it is not in your statements.",
    "not disclosed": "You recorded this, but the person never said it in the session: record "
                     "only what they told you, or ask them next time.",
    "stayed hidden": "This stayed hidden in the conversation.",
}


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


# --- pure renderers (tested without a browser) -------------------------------------------

def checks_html(checks: list[StatementCheck]) -> str:
    parts = []
    for n, check in enumerate(checks, 1):
        points = "".join(f'<li class="{"ok" if p.ok else "todo"}">{"✔" if p.ok else "✎"} '
                         f"{esc(p.text)}</li>" for p in check.points)
        quotes = "".join(f"<blockquote>“{esc(q.quote)}”<br><small>{esc(q.citation)}</small>"
                         "</blockquote>" for q in check.citations())
        parts.append(
            f'<div class="statement label-{esc(check.label)}"><p><b>{n}.</b> {esc(check.text)}'
            f"<br><small>Reads as {esc(LABEL_NAMES[check.label])} "
            f"({check.verdict.confidence:.0%} sure)</small></p><ul>{points}</ul>"
            f"<details><summary>What the guidance says</summary>{quotes}</details></div>")
    return "".join(parts)


def sort_html(result: SortResult) -> str:
    rows = [f"<p><b>You sorted {esc(result.score)} correctly.</b></p>"]
    if result.wrong:
        rows.append("<ul>")
        rows += [f"<li>{esc(card.text)} — this is {esc(LABEL_NAMES[label])}.</li>"
                 for card, label in result.wrong]
        rows.append("</ul>")
    rows.append("<p><small>Personal outcomes are not services or resources: a parenting "
                "group, a walk-in shower or home care are inputs that help a person achieve "
                "their outcomes (Social Care Wales, <i>Understanding an outcomes "
                "approach</i>).</small></p>")
    return "".join(rows)


def recording_html(recording: SessionRecording) -> str:
    c = recording.comparison
    if c.disclosed:
        told = (f"You recorded {c.recorded} of {counted(c.disclosed, 'thing')} the person told "
                "you about what matters to them and what they bring.")
    else:
        told = ("The person did not tell you about what matters to them or what they bring in "
                "this conversation, so none of your statements could come from it.")
    rows = [f"<h3>Set beside what {esc(recording.persona_name)} shared</h3>",
            f"<p>{told}</p><ul>"]
    for item in c.items:
        # The card's outcome statement is a model wording, not a line the person said: it
        # is offered as such, so the trainee never takes it for a quotation.
        words = (f"<br><small>As an outcome statement in their words, it might read: "
                 f"“{esc(item.words)}”</small>" if item.words and item.disclosed else "")
        rows.append(f'<li class="verdict-{esc(item.verdict.replace(" ", "-"))}">'
                    f"<b>{esc(item.title)}</b>{words}<br><small>{esc(VERDICTS[item.verdict])}"
                    "</small></li>")
    rows.append("</ul>")
    if c.unmatched:
        listed = "".join(f"<li>{esc(recording.checks[j].text)}</li>" for j in c.unmatched)
        rows.append("<p>These match nothing the person has to tell:</p>"
                    f"<ul>{listed}</ul>")
    return "".join(rows) + "<h3>Each statement</h3>" + checks_html(list(recording.checks))


class RecordingScreen:
    """Built inside the app's ``gr.Tabs``; ``wire`` connects its events."""

    def __init__(self, service: CoachService, current_user: Callable[[gr.Request], Any]) -> None:
        self.rec = RecordingService(service)
        self.current_user = current_user
        with gr.Tab("Record outcomes", id="outcomes") as self.tab:
            gr.Markdown(f"### Recording outcomes\n{INTRO}")
            with gr.Accordion("Drill: write and check statements", open=True):
                self.drill_text = gr.Textbox(label="Your statements (one per line)", lines=4,
                                             elem_id="drill-text")
                self.drill_btn = gr.Button("Check statements", variant="primary",
                                           elem_id="drill-check")
                self.drill_out = gr.HTML(elem_id="drill-result")
            with gr.Accordion("Sort: personal outcomes or services?", open=False):
                self.dealt = gr.State([])
                self.deal_btn = gr.Button("Deal statements", elem_id="sort-deal")
                self.cards = gr.CheckboxGroup([], label="Tick the personal outcomes",
                                              elem_id="sort-cards")
                self.mark_btn = gr.Button("Mark my sort", elem_id="sort-mark")
                self.sort_out = gr.HTML(elem_id="sort-result")
            with gr.Accordion("After a session: record what matters to the person", open=False):
                with gr.Row():
                    self.session = gr.Dropdown([], label="One of your ended sessions",
                                               elem_id="record-session", allow_custom_value=True)
                    self.refresh_btn = gr.Button("Refresh", scale=0, size="sm")
                self.record_text = gr.Textbox(label="Outcome statements (one per line)", lines=5,
                                              elem_id="record-text")
                self.record_btn = gr.Button("Save and compare", variant="primary",
                                            elem_id="record-save")
                self.record_out = gr.HTML(elem_id="record-result")

    # --- handlers -------------------------------------------------------------------------

    def check(self, text: str, request: gr.Request) -> str:
        user = self.current_user(request)
        try:
            return checks_html(self.rec.check(user, text or ""))
        except ServiceError as exc:
            raise gr.Error(str(exc)) from exc

    def deal(self, request: gr.Request) -> tuple[Any, list[int], str]:
        cards = self.rec.deal_sort(self.current_user(request))
        return (gr.update(choices=[(c.text, c.number) for c in cards], value=[]),
                [c.number for c in cards], "")

    def mark(self, dealt: list[int], chosen: list[int] | None, request: gr.Request) -> str:
        user = self.current_user(request)
        try:
            return sort_html(self.rec.mark_sort(user, dealt or [], chosen or []))
        except ServiceError as exc:
            raise gr.Error(str(exc)) from exc

    def sessions(self, request: gr.Request) -> Any:
        return gr.update(choices=self.rec.ended_sessions(self.current_user(request)), value=None)

    def load(self, session_id: str | None, request: gr.Request) -> tuple[str, str]:
        user = self.current_user(request)
        if not session_id:
            return "", ""
        try:
            found = self.rec.recorded(user, session_id)
        except ServiceError as exc:
            raise gr.Error(str(exc)) from exc
        if found is None:
            return "", "<p>Nothing recorded for this session yet.</p>"
        return "\n".join(c.text for c in found.checks), recording_html(found)

    def record(self, session_id: str | None, text: str, request: gr.Request) -> str:
        user = self.current_user(request)
        if not session_id:
            raise gr.Error("Choose one of your ended sessions first.")
        try:
            return recording_html(self.rec.record(user, session_id, text or ""))
        except ServiceError as exc:
            # The statements stay in the box: nothing the trainee wrote is lost.
            raise gr.Error(str(exc)) from exc

    def wire(self) -> None:
        self.drill_btn.click(self.check, [self.drill_text], self.drill_out,
                             api_name="check_statements")
        self.deal_btn.click(self.deal, None, [self.cards, self.dealt, self.sort_out],
                            api_name="deal_sort")
        self.mark_btn.click(self.mark, [self.dealt, self.cards], self.sort_out,
                            api_name="mark_sort")
        self.tab.select(self.sessions, None, self.session, api_name="recording_sessions")
        self.refresh_btn.click(self.sessions, None, self.session, api_visibility="private")
        self.session.change(self.load, [self.session],
                            [self.record_text, self.record_out], api_name="recorded_outcomes")
        self.record_btn.click(self.record, [self.session, self.record_text],
                              self.record_out, api_name="record_outcomes")
