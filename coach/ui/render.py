"""Turn service views into the HTML and Markdown the practice room shows.

Pure functions of their inputs, so they are tested without a browser. Everything the
trainee typed is escaped before it is put into HTML.
"""

from __future__ import annotations

import html
import re
import time
from typing import Any

from coach.coding import CODE_LABELS, STANCE_LABELS
from coach.views import HistoryRow, Scenario, SessionView, TurnView

CSS = """
.chips {margin-top: 6px; display: flex; flex-wrap: wrap; gap: 4px;}
.chip {display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 0.78em;
       font-weight: 600; border: 1px solid transparent;}
.chip.code {background: #e8eefc; color: #162f6e; border-color: #b8c8f2;}
.chip.stance-outcomes {background: #e3f5e8; color: #0b4521; border-color: #a9dcb8;}
.chip.stance-neutral {background: #f1f1f1; color: #333; border-color: #d5d5d5;}
.chip.stance-paperwork {background: #fdeaea; color: #6e1414; border-color: #f0b4b4;}
.cue {font-size: 0.8em; color: #3a3a3a; margin-top: 2px;}
.tab-wrapper button.selected, button[role="tab"].selected {color: #1d3f91;}
.mood-card {padding: 10px 12px; border-radius: 10px; border: 1px solid #ddd;}
.mood-label {font-size: 1.15em; font-weight: 700;}
.meter {height: 10px; background: #eee; border-radius: 6px; overflow: hidden; margin: 6px 0;}
.meter > div {height: 100%; background: linear-gradient(90deg, #d9534f, #f0ad4e, #5cb85c);}
.change-up {color: #14632f;} .change-down {color: #8a1f1f;}
.notice {padding: 8px 12px; border-radius: 8px; background: #fff7e0; border: 1px solid #f0d890;}
/* The report's tables: words wrap between words, never inside one ("Summar y"). */
#report-md table {table-layout: auto; width: 100%;}
#report-md th, #report-md td {word-break: normal !important; overflow-wrap: normal !important;
       hyphens: none; white-space: normal;}
#report-md td:nth-child(n+3), #report-md th {white-space: nowrap;}
#report-md td:nth-child(2) {min-width: 16em;}
#report-md .table-wrap, #report-md table {overflow-x: auto; display: block;}
/* A refusal is said in Gradio's toast; its red "Error" badge on every output of the
   event would also hide them (a table, a dropdown) and catch their clicks until the page
   is reloaded, so it is not shown. Progress while an event runs is shown as before. */
[data-testid="status-tracker"]:has(> .error) {display: none !important;}
/* The chatbot's Clear button would only empty the display (the session goes on, and
   the next reply brings it all back): Gradio 6.31 has no parameter to leave it out. */
#chat button[aria-label="Clear"] {display: none !important;}
/* Table headings break between words, never inside one ("Turns", not "Tu rn s"). */
#history-table th, #history-table th *, #dash-table th, #dash-table th * {
  word-break: normal !important; overflow-wrap: normal !important;}
"""

ASK_INTRO = (
    "Ask a question about outcomes-focused practice. The answer is built from the guidance "
    "library and every sentence names where it comes from."
)


def escape_text(text: str) -> str:
    """Text shown in a Markdown component exactly as written."""
    from coach.text import escape_markdown

    return escape_markdown(text)


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _text_html(text: str) -> str:
    """What a trainee or a persona wrote, as HTML that shows it exactly as written: the
    chat renders HTML but no Markdown or LaTeX (``render_markdown=False``,
    ``latex_delimiters=[]`` in ``app``), so escaping is all it takes."""
    return "<br>".join(_esc(line) for line in text.splitlines()) if text else ""


def brief_markdown(scenario: Scenario) -> str:
    age = f", {scenario.age}" if scenario.age else ""
    return (
        f"### {scenario.name}{age}\n\n"
        f"**You are:** {scenario.role_of_trainee}\n\n"
        f"**The situation:** {scenario.situation}\n\n"
        f"**Why you are visiting:** {scenario.why_visiting}\n\n"
        f"**Your goal:** {scenario.your_goal}"
    )


def assignment_goal_markdown(goal: str, focus: str | None = None) -> str:
    """An assignment's goal, under the person's brief in Practice: the supervisor's own
    words, shown as written."""
    skill = f"\n\n**Skill to focus on:** {escape_text(focus.replace('_', ' '))}" if focus else ""
    return f"\n\n---\n\n**Your assignment's goal:** {escape_text(goal)}{skill}"


def chips_html(turn: TurnView) -> str:
    cue = f'<div class="cue">{_esc("; ".join(turn.cues[:2]))}</div>' if turn.cues else ""
    if turn.machine_code:  # a supervisor's verdict stands; the coder's is shown beside it
        coder = (f"{CODE_LABELS.get(turn.machine_code, turn.machine_code)} · "
                 f"{STANCE_LABELS.get(turn.machine_stance or '', turn.machine_stance or '')}")
        cue = f'<div class="cue">Supervisor\'s code; the coder said {_esc(coder)}</div>'

    return (
        f'<div class="chips"><span class="chip code">{_esc(turn.code_label)}</span>'
        f'<span class="chip stance-{_esc(turn.stance)}">{_esc(turn.stance_label)}</span></div>{cue}'
    )


def chat_messages(view: SessionView) -> list[dict[str, str]]:
    """The conversation as chatbot messages, each trainee line with its coding chips."""
    messages = [{"role": "assistant", "content": _text_html(view.opening)}]
    for turn in view.turns:
        messages.append({"role": "user", "content": f"{_text_html(turn.learner)}{chips_html(turn)}"})
        messages.append({"role": "assistant", "content": _text_html(turn.reply)})
    return messages


def mood_html(view: SessionView) -> str:
    """The person's mood, what changed it on the last turn, and what has been uncovered."""
    width = max(0.0, min(1.0, view.receptivity)) * 100
    parts = [
        '<div class="mood-card">',
        f'<div>{_esc(view.persona_name)} seems</div>',
        f'<div class="mood-label">{_esc(view.mood)}</div>',
        f'<div class="meter" title="Openness {width:.0f}%"><div style="width:{width:.0f}%"></div></div>',
    ]
    if view.turns:
        last = view.turns[-1]
        if last.changes:
            parts.append("<div><b>What changed it</b><ul>")
            for reason, delta in last.changes:
                cls = "change-up" if delta > 0 else "change-down"
                sign = "▲" if delta > 0 else "▼"
                parts.append(f'<li class="{cls}">{sign} {_esc(reason)}</li>')
            parts.append("</ul></div>")
        if last.feedback:
            parts.append(f"<div><b>Coach:</b> {_esc(last.feedback)}</div>")
    if view.uncovered:
        items = "".join(f"<li>{_esc(t)}</li>" for t in view.uncovered)
        parts.append(f"<div><b>What matters, uncovered so far</b><ul>{items}</ul></div>")
    parts.append(f"<div>Still to discover: {view.still_hidden}</div>")
    if view.ended:
        parts.append("<div><b>The conversation has ended.</b></div>")
    parts.append("</div>")
    return "".join(parts)


def as_sentence(text: str) -> str:
    """A message shown on its own starts with a capital (the service's messages are also
    used after a file and line number, where they do not)."""
    first = text.split(maxsplit=1)[0] if text.strip() else ""
    # Only a plain word is capitalised: "visit.docx could not be read" keeps its file name.
    if not re.fullmatch(r"[a-z][a-z'’-]*[,:;]?", first):
        return text
    return text[:1].upper() + text[1:]


def notice_html(text: str | None) -> str:
    return f'<div class="notice">{_esc(as_sentence(text))}</div>' if text else ""


def history_rows(rows: list[HistoryRow]) -> list[list[Any]]:
    table = []
    for row in rows:
        ind = row.indicators
        table.append([
            row.started, row.persona_name, row.turns,
            "Ended" if row.status == "ended" else "In progress",
            _display(ind, "reflection_to_question"), _display(ind, "complex_reflections"),
            _display(ind, "open_questions"), _display(ind, "outcomes_focus"),
        ])
    return table


HISTORY_HEADERS = ["Started", "Person", "Turns", "Status", "Reflections : questions",
                   "Complex reflections", "Open questions", "Outcomes focus"]


def _display(indicators: dict[str, Any], key: str) -> str:
    item = indicators.get(key)
    if not item:
        return "—"
    return str(item.get("display", "—"))


def timeline_html(session_id: str) -> str:
    """The turn-by-turn chart, served by ``coach.ui.web`` only to whoever may see it."""
    sid = _esc(session_id)
    return (f'<img src="files/report/{sid}.png" alt="Turn by turn: how receptive the person '
            f'was after each of your replies" style="max-width:100%">')


def downloads_html(session_id: str) -> str:
    sid = _esc(session_id)
    return (f'<p class="downloads"><a href="files/report/{sid}.md" download>Download report '
            f'(Markdown)</a> · <a href="files/report/{sid}.json" download>Download report '
            f'(JSON)</a></p>')


def trend_html(has_ended_sessions: bool) -> str:
    if not has_ended_sessions:
        return "<p>Your trend appears here once you have ended a conversation.</p>"
    # The query string makes the browser fetch the chart afresh after each refresh.
    return (f'<img src="files/trend.png?at={time.time_ns()}" alt="Your indicators across '
            f'your ended sessions" style="max-width:100%">')
