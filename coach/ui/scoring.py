"""The "Score a file" tab: upload a CSV of replies or a transcript and see every reply
coded, with the person's reaction and rank, or a transcript's turns and indicators; the
results download as CSV and JSON.

The tab holds no rules: ``ScoringService`` refuses anyone not signed in, so the API
refuses the same requests a hidden tab would. Everything in the file is shown escaped,
as text, never as Markdown or HTML.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import gradio as gr

from coach.batchscoring import ScoringService
from coach.coding import CODE_LABELS, STANCE_LABELS
from coach.scoring import ReplyScores, Scores, TranscriptScores, render
from coach.service import CoachService
from coach.store import User
from coach.text import counted

FILE_TYPES = [".csv", ".txt", ".md", ".docx"]
HELP = (
    "Upload a **CSV of replies** (columns `id,moment,reply` or `id,reply`, with an optional "
    "`context`; `moment` is a moment id or the person's words) or a **transcript** with one "
    "turn per line as `Worker: …` / `Person: …` (.txt, .md or .docx; give other names below). "
    "Files over 10 MB are refused."
)


# The results are handed to this browser only, and saved from it: no file of anyone's
# scores is left on the server for another request to fetch.
SAVE_JS = """(text) => {{
  if (!text) return;
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([text], {{type: "{mime}"}}));
  link.download = "{name}";
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 60000);
}}"""


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


# --- pure renderers (tested without a browser) -------------------------------------------

def problems_html(scores: Scores) -> str:
    if not scores.problems:
        return ""
    items = "".join(f"<li>{esc(p)}</li>" for p in scores.problems)
    skipped = ("One line was skipped:" if len(scores.problems) == 1
               else f"{len(scores.problems)} lines were skipped:")
    return f'<div class="score-problems"><p>{skipped}</p><ul>{items}</ul></div>'


def replies_html(scores: ReplyScores) -> str:
    rows = ['<table class="review-table"><thead><tr>'
            + "".join(f'<th scope="col">{h}</th>' for h in (
                "Rank", "Id", "Reply", "Code and stance", "Receptivity change", "Mood",
                "The person would say", "Would unlock"))
            + "</tr></thead><tbody>"]
    for row in scores.ranked:
        r = row.reaction
        cues = f'<div class="machine">{esc("; ".join(row.coded.cues[:2]))}</div>' if row.coded.cues else ""
        rows.append(
            f"<tr><td>{row.rank}</td><td>{esc(row.id)}</td><td>{esc(row.reply)}</td>"
            f"<td>{esc(CODE_LABELS[row.coded.code])} · {esc(STANCE_LABELS[row.coded.stance])}{cues}</td>"
            f"<td>{f'{r.receptivity_change:+.2f}' if r else '—'}</td>"
            f"<td>{esc(r.mood) if r else '—'}</td><td>{esc(r.reply) if r else ''}</td>"
            f"<td>{esc('; '.join(r.unlocks)) if r else ''}</td></tr>")
    rows.append("</tbody></table>")
    summary = (f"<p>{counted(len(scores.rows), 'reply', 'replies')} scored from "
               f"{esc(scores.name)}, best first.</p>")
    return summary + "".join(rows)


def transcript_html(scores: TranscriptScores) -> str:
    out = [f"<p>{counted(len(scores.worker_turns), 'worker turn')} coded from "
           f"{esc(scores.name)}.</p>",
           '<table class="review-table"><thead><tr><th scope="col">Indicator</th>'
           '<th scope="col">This transcript</th><th scope="col">Fair</th>'
           '<th scope="col">Good</th><th scope="col">Band</th></tr></thead><tbody>']
    for row in scores.report.indicators:
        out.append(f"<tr><td>{esc(row.label)}</td><td>{esc(row.display)}</td>"
                   f"<td>{esc(row.level(row.fair))}</td><td>{esc(row.level(row.good))}</td>"
                   f"<td>{esc(row.band)}</td></tr>")
    out.append('</tbody></table><table class="review-table"><thead><tr><th scope="col">#</th>'
               '<th scope="col">Speaker</th><th scope="col">Said</th>'
               '<th scope="col">Code and stance</th></tr></thead><tbody>')
    for t in scores.turns:
        code = (f"{esc(CODE_LABELS[t.coded.code])} · {esc(STANCE_LABELS[t.coded.stance])}"
                if t.coded else "")
        out.append(f"<tr><td>{t.index}</td><td>{esc(t.speaker)}</td><td>{esc(t.text)}</td>"
                   f"<td>{code}</td></tr>")
    out.append("</tbody></table>")
    return "".join(out)


def results_html(scores: Scores) -> str:
    body = replies_html(scores) if isinstance(scores, ReplyScores) else transcript_html(scores)
    return problems_html(scores) + body


# --- the screen ----------------------------------------------------------------------------

class ScoringScreen:
    """Built inside the app's ``gr.Tabs``; ``wire`` connects the events."""

    def __init__(self, service: CoachService, personas: list[tuple[str, str]],
                 current_user: Callable[[gr.Request], User]) -> None:
        self.scoring = ScoringService(service.parts)
        self.current_user = current_user
        with gr.Tab("Score a file", id="score", elem_id="score-tab"):
            gr.Markdown(HELP)
            self.upload = gr.File(label="File to score", file_types=FILE_TYPES,
                                  type="filepath", elem_id="score-file")
            with gr.Row():
                self.persona = gr.Dropdown([("(from each row's moment)", ""), *personas],
                                           value="", label="Person reacting (for a CSV)",
                                           elem_id="score-persona")
                self.worker = gr.Textbox(value="Worker", label="Worker's name in a transcript")
                self.person = gr.Textbox(value="Person", label="Person's name in a transcript")
            self.button = gr.Button("Score", variant="primary", elem_id="score-btn")
            self.results = gr.HTML(elem_id="score-results")
            with gr.Row():
                self.csv_btn = gr.Button("Download results (CSV)", visible=False,
                                         elem_id="score-csv")
                self.json_btn = gr.Button("Download results (JSON)", visible=False,
                                          elem_id="score-json")
            self.csv = gr.Textbox(visible=False, label="Results as CSV")
            self.json = gr.Textbox(visible=False, label="Results as JSON")

    def score(self, upload: str | None, persona: str | None,
              worker: str, person: str, request: gr.Request) -> tuple[Any, ...]:
        user = self.current_user(request)
        if not upload:
            raise gr.Error("Choose a file to score first.")
        # A file the service refuses is said by coach.ui.guard, as a sentence in its words.
        scores = self.scoring.score(user, upload, persona=persona or None,
                                    worker=worker, person=person)
        return (results_html(scores), render(scores, "csv"), render(scores, "json"),
                gr.update(visible=True), gr.update(visible=True))

    def wire(self) -> None:
        self.button.click(self.score, [self.upload, self.persona, self.worker,
                                       self.person],
                          [self.results, self.csv, self.json, self.csv_btn, self.json_btn],
                          api_name="score_file")
        self.csv_btn.click(None, self.csv, None, api_visibility="private",
                           js=SAVE_JS.format(mime="text/csv", name="outcomes-coach-scores.csv"))
        self.json_btn.click(None, self.json, None, api_visibility="private",
                            js=SAVE_JS.format(mime="application/json",
                                              name="outcomes-coach-scores.json"))
