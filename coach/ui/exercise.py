"""The "Team exercise" tab: a supervisor opens a moment (curated, or a turn of a session)
for a team; members answer it; the results page shows every reply coded with the
person's reaction from the same state, the spread, a ranking and two exemplars. And the
block in History that lists a trainee's own replies.

No rules here: ``ExerciseService`` decides who may open, answer, close and see. Every
reply and everything the person says is escaped and shown as text.
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable
from typing import Any

import gradio as gr

from coach.coding import CODE_LABELS, STANCE_LABELS
from coach.exercises import ExerciseService, ExerciseView, ReplyView
from coach.service import CoachService, ServiceError
from coach.teams import supervises

CSS = """
.exercise-moment {border-left: 4px solid #1d3f91; padding: 6px 12px; background: #f5f7ff;}
.exercise-reply {border: 1px solid #ccc; border-radius: 8px; padding: 8px 12px; margin: 6px 0;}
.exercise-reply.mine {border-color: #1d3f91; border-width: 2px;}
.exercise-reply.exemplar {background: #f7f7f2;}
.rise {color: #14632f; font-weight: 700;} .fall {color: #8a1f1f; font-weight: 700;}
"""


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


# --- pure renderers (tested without a browser) -------------------------------------------

def moment_html(view: ExerciseView) -> str:
    said = "".join(
        f"<p><i>{'Worker' if s == 'worker' else esc(view.persona_name)}:</i> {esc(t)}</p>"
        for s, t in view.conversation[-6:])
    state = "open" if view.status == "open" else "closed"
    mine = (f"<p>Your reply: <b>{esc(view.my_reply)}</b></p>" if view.my_reply else "")
    return (f'<div class="exercise-moment"><p><b>#{view.id} {esc(view.title)}</b> · team '
            f"{esc(view.team)} · {state}{' · anonymous' if view.anonymous else ''} · "
            f"{view.answered} of {view.members} answered</p>{said}"
            f"<p><b>{esc(view.persona_name)}:</b> “{esc(view.last_words)}”</p>{mine}</div>")


def _change(value: float) -> str:
    css = "rise" if value > 0 else "fall" if value < 0 else ""
    return f'<span class="{css}">{value:+.2f}</span>'


def reply_html(r: ReplyView, exemplar: bool = False) -> str:
    who = r.name if exemplar else ("You" if r.mine else r.name or "Anonymous")
    reaction = r.reaction
    unlocks = "".join(f"<li>{esc(u)}</li>" for u in reaction.get("unlocks", []))
    opened = f"<br>Would open up: <ul>{unlocks}</ul>" if unlocks else ""
    ended = "<br><b>The person would end the visit.</b>" if reaction.get("ended") else ""
    cues = f"<br><small>{esc('; '.join(r.cues[:3]))}</small>" if r.cues else ""
    rank = "" if exemplar else f"<b>#{r.rank}</b> · "
    classes = "exercise-reply" + (" mine" if r.mine else "") + (" exemplar" if exemplar else "")
    return (f'<div class="{classes}"><p>{rank}<b>{esc(who)}</b>: {esc(r.text)}</p>'
            f"<p>{esc(CODE_LABELS.get(r.code, r.code))} · "
            f"{esc(STANCE_LABELS.get(r.stance, r.stance))}{cues}</p>"
            f"<p>Receptivity {_change(float(reaction['receptivity_change']))} · now "
            f"{esc(reaction['mood'])}<br>They would say: “{esc(reaction['reply'])}”"
            f"{opened}{ended}</p></div>")


def results_html(view: ExerciseView) -> str:
    if not view.shows_replies:
        return ("<p>Answer first: the others' replies show once you have sent yours, or when "
                "the exercise is closed.</p>")
    if not view.replies:
        body = "<p>No replies yet.</p>"
    else:
        ranking = "".join(
            f"<tr><td>{r.rank}</td><td>{esc(('You' if r.mine else r.name) or 'Anonymous')}</td>"
            f"<td>{_change(float(r.reaction['receptivity_change']))}</td>"
            f"<td>{esc(CODE_LABELS.get(r.code, r.code))}</td></tr>" for r in view.replies)
        body = ('<table class="review-table"><thead><tr><th scope="col">Rank</th>'
                '<th scope="col">Who</th><th scope="col">Receptivity</th>'
                f'<th scope="col">Code</th></tr></thead><tbody>{ranking}</tbody></table>'
                + "".join(reply_html(r) for r in view.replies))
    exemplars = "".join(reply_html(e, exemplar=True) for e in view.exemplars)
    return (f"<h3>Replies, best received first</h3>{body}"
            f"<h3>Two exemplar replies for contrast</h3>{exemplars}")


def my_replies_html(rows: list[tuple[ExerciseView, ReplyView]]) -> str:
    if not rows:
        return "<p>You have not answered a team exercise yet.</p>"
    items = "".join(
        f"<li>#{v.id} {esc(v.title)} ({esc(v.team)}): “{esc(r.text)}” — "
        f"{esc(CODE_LABELS.get(r.code, r.code))}, receptivity "
        f"{_change(float(r.reaction['receptivity_change']))}</li>" for v, r in rows)
    return f"<h3>Your team exercise replies</h3><ul>{items}</ul>"


def exercise_choices(views: list[ExerciseView]) -> list[tuple[str, int]]:
    """Every exercise the person may see, for the Exercise dropdown."""
    return [(f"#{v.id} {v.title} · {v.team} · {v.status} · {v.answered}/{v.members}", v.id)
            for v in views]


def spread_html(view: ExerciseView) -> str:
    """The spread chart, once the viewer may see the replies; the query string makes the
    browser fetch it afresh as replies come in."""
    if not view.shows_replies:
        return ""
    return (f'<img src="files/exercise/{view.id}/spread.png?at={time.time_ns()}" '
            f'alt="Spread: each reply\'s stance against the change in the person\'s '
            f'receptivity" style="max-width:100%">')


class ExerciseScreen:
    def __init__(self, service: CoachService, current_user: Callable[[gr.Request], Any]) -> None:
        self.ex = ExerciseService(service)
        self.current_user = current_user
        with gr.Tab("Team exercise", id="exercise") as self.tab:
            with gr.Group(visible=False) as self.lead_panel:
                gr.Markdown("#### Open a moment for your team")
                with gr.Row():
                    self.team = gr.Dropdown([], label="Team", elem_id="ex-team",
                                            allow_custom_value=True)
                    self.moment = gr.Dropdown([], label="Moment", elem_id="ex-moment",
                                              allow_custom_value=True)
                    self.anonymous = gr.Checkbox(label="Anonymous on the shared screen",
                                                 elem_id="ex-anonymous")
                    self.open_btn = gr.Button("Open for the team", elem_id="ex-open", scale=0)
                with gr.Row():
                    self.from_session = gr.Textbox(label="…or a session (its id)",
                                                   elem_id="ex-session")
                    self.from_turn = gr.Number(1, label="Before reply", precision=0, minimum=1,
                                               elem_id="ex-turn")
                    self.turn_btn = gr.Button("Open this moment", elem_id="ex-open-turn", scale=0)
            with gr.Row():
                self.choice = gr.Dropdown([], label="Exercise", elem_id="ex-choice",
                                          allow_custom_value=True)
                self.show_btn = gr.Button("Show", elem_id="ex-show", scale=0)
                self.close_btn = gr.Button("Close exercise", variant="stop", scale=0,
                                           elem_id="ex-close")
            self.moment_box = gr.HTML(elem_id="ex-moment-html")
            self.reply = gr.Textbox(label="Your reply", lines=2, elem_id="ex-reply")
            self.send_btn = gr.Button("Send my reply", variant="primary", elem_id="ex-send")
            self.results = gr.HTML(elem_id="ex-results")
            # Drawn by coach.ui.web on request, for whoever may see the replies.
            self.spread = gr.HTML(elem_id="ex-spread")

    # --- handlers -------------------------------------------------------------------------

    def overview(self, request: gr.Request) -> tuple[Any, ...]:
        user = self.current_user(request)
        lead = supervises(user)
        teams = [t.name for t in self.ex.store.teams_of(user.id)
                 if t.has_lead(user.id)] if user.role != "admin" else \
            [t.name for t in self.ex.store.list_teams()]
        views = self.ex.exercises(user)
        panel = (gr.update(visible=lead), gr.update(choices=teams),
                 gr.update(choices=self.ex.moment_choices() if lead else []))
        closing = gr.update(visible=lead)  # only the team's supervisor closes an exercise
        if not views:
            empty = ("<p>No team exercises yet. When your supervisor opens a moment for your "
                     "team, it appears here for you to answer.</p>" if not lead else
                     "<p>No exercises yet: open a moment for one of your teams above.</p>")
            return (*panel, gr.update(choices=[], value=None), closing, empty, "", "")
        # The first one is chosen, and shown at once.
        view = self.ex.view(user, views[0].id)
        choice, *shown = self._shown(user, view, views)
        return (*panel, choice, closing, *shown)

    def _shown(self, user: Any, view: ExerciseView,
               views: list[ExerciseView] | None = None) -> tuple[Any, ...]:
        """The exercise ``view`` chosen among all the person's, and shown."""
        listed = exercise_choices(self.ex.exercises(user) if views is None else views)
        return (gr.update(choices=listed, value=view.id),
                moment_html(view), results_html(view), spread_html(view))

    def open(self, team: str | None, moment_id: str | None,
             anonymous: bool, request: gr.Request) -> tuple[Any, ...]:
        user = self.current_user(request)
        try:
            view = self.ex.open(user, team or "", moment_id=moment_id, anonymous=bool(anonymous))
        except ServiceError as exc:
            raise gr.Error(str(exc)) from exc
        return self._shown(user, view)

    def open_turn(self, team: str | None, session_id: str | None,
                  turn: float | None, anonymous: bool, request: gr.Request) -> tuple[Any, ...]:
        user = self.current_user(request)
        if not (session_id or "").strip() or not turn:
            raise gr.Error("Give the session's id and the turn to open.")
        try:
            view = self.ex.open(user, team or "", session_id=(session_id or "").strip(), turn=int(turn),
                                anonymous=bool(anonymous))
        except ServiceError as exc:
            raise gr.Error(str(exc)) from exc
        return self._shown(user, view)

    def show(self, exercise_id: int | None, request: gr.Request) -> tuple[Any, ...]:
        user = self.current_user(request)
        if exercise_id in (None, ""):
            raise gr.Error("Choose an exercise first.")
        try:
            view = self.ex.view(user, _exercise_id(exercise_id))
        except ServiceError as exc:
            raise gr.Error(str(exc)) from exc
        return self._shown(user, view)[1:]

    def answer(self, exercise_id: int | None, text: str, request: gr.Request) -> tuple[Any, ...]:
        user = self.current_user(request)
        if exercise_id in (None, ""):
            raise gr.Error("Choose an exercise first.")
        try:
            view = self.ex.answer(user, _exercise_id(exercise_id), text)
        except ServiceError as exc:
            raise gr.Error(str(exc)) from exc  # the reply stays in the box
        return (*self._shown(user, view)[1:], "")

    def close(self, exercise_id: int | None, request: gr.Request) -> tuple[Any, ...]:
        user = self.current_user(request)
        try:
            view = self.ex.close(user, _exercise_id(exercise_id))
        except ServiceError as exc:
            raise gr.Error(str(exc)) from exc
        return self._shown(user, view)[1:]

    def mine(self, request: gr.Request) -> str:
        return my_replies_html(self.ex.my_replies(self.current_user(request)))

    def wire(self) -> None:
        shown = [self.moment_box, self.results, self.spread]
        self.tab.select(self.overview, None,
                        [self.lead_panel, self.team, self.moment, self.choice,
                         self.close_btn, *shown],
                        api_name="exercise_overview")
        # Choosing another exercise shows it (the handlers that choose one show it too).
        self.choice.input(self.show, [self.choice], shown, api_visibility="private")
        self.open_btn.click(self.open, [self.team, self.moment, self.anonymous],
                            [self.choice, *shown], api_name="open_exercise")
        self.turn_btn.click(self.open_turn, [self.team, self.from_session,
                                             self.from_turn, self.anonymous],
                            [self.choice, *shown], api_name="open_exercise_turn")
        self.show_btn.click(self.show, [self.choice], shown, api_name="show_exercise")
        self.send_btn.click(self.answer, [self.choice, self.reply],
                            [*shown, self.reply], api_name="answer_exercise")
        self.close_btn.click(self.close, [self.choice], shown,
                             api_name="close_exercise")


def _exercise_id(value: object) -> int:
    """The exercise chosen: the page sends a number, anything else was never one of ours."""
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise gr.Error("That exercise could not be found.") from None
