"""The supervisor's screens (teams, assign, review with overrides and comments, the team
dashboard) and the trainee's assignment list, in the same Gradio app.

The screens hold no rules: every handler asks ``SupervisionService``, which checks who
may see and do what, so a hidden tab is only a convenience and the API refuses the same
requests. Everything a person typed (replies, comments, reasons, goals) is escaped and
shown as text, never as Markdown or HTML.
"""

from __future__ import annotations

import html
import time
import urllib.parse
from collections.abc import Callable
from typing import Any

import gradio as gr

from coach.coding import CODE_LABELS, CODES, STANCE_LABELS, STANCES
from coach.service import ServiceError
from coach.store import Team, User
from coach.supervision import SupervisionService, focus_skills
from coach.teams import (
    DUE_LABELS,
    INDICATORS,
    NOT_RATINGS,
    STATUS_LABELS,
    SUPERVISION_FRAME,
    AssignmentView,
    ReviewView,
    parse_due,
    supervises,
)
from coach.text import counted

CSS = """
.review-table {border-collapse: collapse; width: 100%;}
.review-table td, .review-table th {border: 1px solid #ccc; padding: 6px; vertical-align: top;
  text-align: left;}
.review-table .human {font-weight: 700; color: #14532d;}
.review-table .machine {color: #444; font-size: 0.9em;}
.review-table .comment {background: #f5f7ff; border-left: 3px solid #3451b2; padding: 2px 6px;
  margin-top: 4px;}
.assignment {border: 1px solid #ccc; border-radius: 8px; padding: 8px 12px; margin: 6px 0;}
.state-overdue {color: #8a1f1f; font-weight: 700;} .state-due {color: #1d3f91; font-weight: 700;}
.state-done {color: #14632f; font-weight: 700;}
/* WCAG 2.2 AA contrast (4.5:1) for the theme's pale label, tab and button colours. */
[data-testid="block-info"], [data-testid="block-label"] {color: #333 !important;}
button[role="tab"].selected {color: #1d3f91 !important;}
button.primary {background: #1d3f91 !important; color: #fff !important;}
"""


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def _fail(exc: Exception) -> gr.Error:
    return gr.Error(str(exc))


# --- pure renderers (tested without a browser) -------------------------------------------

def teams_items_html(teams: list[Team]) -> str:
    # A team made by a users import may have members and no supervisor yet.
    return "".join(
        f"<li><b>{esc(t.name)}</b>: "
        + (f"led by {esc(', '.join(m.username for m in t.leads))}" if t.leads
           else "no supervisor yet")
        + f"; members {esc(', '.join(m.display_name for m in t.members) or 'none')}</li>"
        for t in teams)


def assignments_html(views: list[AssignmentView], trainee_view: bool) -> str:
    if not views:
        if trainee_view:
            return ("<p>No assignments yet. You can practise with anyone you like in the "
                    "<b>Practice</b> tab.</p>")
        return "<p>No assignments yet.</p>"
    parts = []
    for v in views:
        due = f"due {v.due:%d %b %Y}" if v.due else "no due date"
        state = ""
        if trainee_view and v.my_state:
            # Without a due date nothing is "due": it is simply still to do.
            label = "To do" if v.my_state == "due" and not v.due else DUE_LABELS[v.my_state]
            state = f' · <span class="state-{esc(v.my_state)}">{esc(label)}</span>'
        focus = f" · focus: {esc(v.focus.replace('_', ' '))}" if v.focus else ""
        cancelled = " · cancelled" if v.cancelled else ""
        people = ""
        if not trainee_view:
            rows = "".join(
                f"<li>{esc(a.display_name)} ({esc(a.user)}): {esc(STATUS_LABELS[a.status])}"
                + (f" — {esc(_indicators(a.indicators))}" if a.indicators else "") + "</li>"
                for a in v.assignees)
            people = f"<ul>{rows}</ul>"
        parts.append(
            f'<div class="assignment"><b>#{v.id} {esc(v.persona_name)}</b> · {esc(due)}{state}'
            f"{focus}{cancelled}<br>Goal: {esc(v.goal)}<br>"
            f"<small>Set by {esc(v.set_by)}" + (f" for {esc(v.team)}" if v.team else "")
            + f"</small>{people}</div>")
    return "".join(parts)


def _indicators(found: dict[str, Any]) -> str:
    return ", ".join(f"{name.replace('_', ' ')} {shown}" for name, shown in found.items())


def review_html(view: ReviewView) -> str:
    """The whole transcript: each reply with the human and the machine's code, the person's
    answer, receptivity, what came out, the override's reason and the comments."""
    rows = [f"<p><b>{esc(view.display_name)}</b> ({esc(view.user)}) with "
            f"{esc(view.persona_name)}, started {esc(view.started)}, {esc(view.status)}.</p>",
            f"<p><i>{esc(view.persona_name)}:</i> {esc(view.opening)}</p>",
            '<table class="review-table"><thead><tr><th scope="col">#</th>'
            '<th scope="col">Trainee</th><th scope="col">Code and stance</th>'
            f'<th scope="col">{esc(view.persona_name)}</th><th scope="col">Receptivity</th>'
            "</tr></thead><tbody>"]
    for t in view.turns:
        code = (f'<div class="human">{esc(CODE_LABELS.get(t.code, t.code))} · '
                f"{esc(STANCE_LABELS.get(t.stance, t.stance))}</div>")
        if t.override:
            code += (f'<div class="machine">Coder said: '
                     f"{esc(CODE_LABELS.get(t.machine_code, t.machine_code))} · "
                     f"{esc(STANCE_LABELS.get(t.machine_stance, t.machine_stance))}</div>"
                     f'<div class="machine">Overridden by {esc(t.override.by)}: '
                     f"{esc(t.override.reason)}</div>")
        elif t.cues:
            code += f'<div class="machine">{esc("; ".join(t.cues[:2]))}</div>'
        said = esc(t.trainee) + "".join(
            f'<div class="comment">{esc(c.by)}: {esc(c.text)}</div>' for c in t.comments)
        came_out = "".join(f"<div>✔ {esc(u)}</div>" for u in t.unlocked)
        rows.append(f"<tr><td>{t.index}</td><td>{said}</td><td>{code}</td>"
                    f"<td>{esc(t.person)}{came_out}</td>"
                    f"<td>{t.receptivity:.2f} ({esc(t.mood)})</td></tr>")
    rows.append("</tbody></table>")
    for c in view.comments:
        rows.append(f'<div class="comment">On the session, {esc(c.by)}: {esc(c.text)}</div>')
    if view.note:
        items = "".join(f"<dt>{esc(q)}</dt><dd>{esc(view.note.get(f) or '—')}</dd>"
                        for f, q, _ in SUPERVISION_FRAME)
        rows.append(f"<h3>Supervision note ({esc(view.note['by'])})</h3><dl>{items}</dl>")
    return "".join(rows)


def agreement_html(found: Any) -> str:
    if not found.replies:
        return "<p>No reviewed sessions yet: agreement shows once you have reviewed one.</p>"
    kappa = "n/a" if found.code_kappa is None else f"{found.code_kappa:.2f}"
    stance = "n/a" if found.stance_kappa is None else f"{found.stance_kappa:.2f}"
    worst = "".join(f"<li>coder {esc(CODE_LABELS.get(m, m))} → supervisor "
                    f"{esc(CODE_LABELS.get(h, h))}: {n}</li>" for m, h, n in found.disagreements)
    return (f"<p>Coder and supervisors over {counted(found.replies, 'reply', 'replies')} in "
            f"{counted(found.sessions, 'reviewed session')}, {found.overridden} overridden: "
            f"κ (codes) = {kappa}, κ (stance) = "
            f"{stance}.</p>" + (f"<p>Most common disagreements:</p><ul>{worst}</ul>" if worst else ""))


def dashboard_chart_html(team: str, has_data: bool) -> str:
    if not has_data:
        return "<p>No ended sessions in this team yet.</p>"
    # The query string makes the browser fetch the chart afresh after each Show.
    src = f"files/dashboard/{urllib.parse.quote(team, safe='')}.png?at={time.time_ns()}"
    return (f'<img src="{esc(src)}" alt="Indicators over time for {esc(team)}, with the MITI '
            f'fair (amber) and good (green) bands" style="max-width:100%">')


def dashboard_csv_html(team: str) -> str:
    href = f"files/dashboard/{urllib.parse.quote(team, safe='')}.csv"
    return f'<p><a href="{esc(href)}" download>Download CSV</a></p>'


# --- the screens ---------------------------------------------------------------------------

class SupervisorScreens:
    """Built inside the app's ``gr.Tabs``; ``wire`` connects the events."""

    def __init__(self, sup: SupervisionService,
                 current_user: Callable[[gr.Request], User]) -> None:
        self.sup = sup
        self.current_user = current_user
        personas = [(s.name, s.id) for s in sup.service.scenarios()]
        with gr.Tab("Supervise", id="supervise", visible=False, elem_id="supervise-tab") as tab:
            self.tab = tab
            with gr.Tabs():
                with gr.Tab("Teams and assignments", id="assign"):
                    self.teams_html = gr.HTML(elem_id="teams")
                    gr.Markdown("### Set a role-play")
                    with gr.Row():
                        self.persona = gr.Dropdown(personas, label="Scenario", elem_id="assign-persona")
                        self.team = gr.Dropdown([], label="Team", elem_id="assign-team", allow_custom_value=True)
                        self.trainees = gr.Dropdown([], label="…or named trainees", multiselect=True, allow_custom_value=True,
                                                    elem_id="assign-trainees")
                    self.goal = gr.Textbox(label="Goal, in words", elem_id="assign-goal",
                                           placeholder="e.g. practise complex reflections when "
                                                       "Debs gets defensive")
                    with gr.Row():
                        self.focus = gr.Dropdown([("(none)", "")] + [(f.replace("_", " "), f)
                                                                     for f in focus_skills()],
                                                 value="", label="Focus skill (optional)")
                        self.due = gr.Textbox(label="Due date (YYYY-MM-DD, optional)")
                    self.assign_btn = gr.Button("Assign", variant="primary", elem_id="assign-btn")
                    self.assignments_html = gr.HTML(elem_id="set-assignments")
                with gr.Tab("Review", id="review"):
                    with gr.Row():
                        self.session = gr.Dropdown([], label="Session", elem_id="review-session", allow_custom_value=True)
                        self.load_btn = gr.Button("Open", elem_id="review-open", scale=0)
                    self.review_view = gr.HTML(elem_id="review")
                    gr.Markdown("### Override a code")
                    with gr.Row():
                        self.turn = gr.Number(label="Reply number", precision=0, minimum=1,
                                              value=1, elem_id="override-turn")
                        self.code = gr.Dropdown([("(keep the coder's)", "")] + [
                            (CODE_LABELS[c], c) for c in CODES], value="", label="Code",
                            elem_id="override-code")
                        self.stance = gr.Dropdown([("(keep the coder's)", "")] + [
                            (STANCE_LABELS[s], s) for s in STANCES], value="", label="Stance")
                    self.reason = gr.Textbox(label="Reason", elem_id="override-reason")
                    self.override_btn = gr.Button("Save override", elem_id="override-btn")
                    gr.Markdown("### Comment")
                    with gr.Row():
                        self.comment_turn = gr.Number(label="On reply (0 for the whole session)",
                                                      precision=0, minimum=0, value=0,
                                                      elem_id="comment-turn")
                        self.comment_text = gr.Textbox(label="Comment", elem_id="comment-text")
                    self.comment_btn = gr.Button("Add comment", elem_id="comment-btn")
                    gr.Markdown("### Supervision note (outcomes-focused supervision)")
                    self.note = [gr.Textbox(label=f"{q} ({about})", lines=2)
                                 for _, q, about in SUPERVISION_FRAME]
                    self.note_btn = gr.Button("Save note")
                    self.message = gr.HTML(elem_id="review-message")
                    self.agreement = gr.HTML(elem_id="agreement")
                with gr.Tab("Dashboard", id="dashboard"):
                    gr.Markdown(f"**{NOT_RATINGS}**", elem_id="not-ratings")
                    with gr.Row():
                        self.dash_team = gr.Dropdown([], label="Team", elem_id="dash-team", allow_custom_value=True)
                        self.dash_btn = gr.Button("Show", elem_id="dash-btn", scale=0)
                    # Chart and CSV are served by coach.ui.web to the team's supervisors
                    # only, made from the database on request.
                    self.dash_plot = gr.HTML(elem_id="dash-plot")
                    self.dash_table = gr.Dataframe(
                        headers=["Trainee", "Sessions", *(label for _, label, _ in INDICATORS)],
                        interactive=False, wrap=True, elem_id="dash-table")
                    self.dash_csv = gr.HTML(elem_id="dash-csv")

    # --- handlers -----------------------------------------------------------------------

    def _user(self, request: gr.Request) -> User:
        user = self.current_user(request)
        if not supervises(user):
            raise gr.Error("These screens are for supervisors and admins.")
        return user

    def overview(self, request: gr.Request) -> tuple[Any, ...]:
        """What the supervisor's screens show on opening: teams, assignments, sessions."""
        user = self._user(request)
        teams = self.sup.teams(user)
        led = [t for t in teams if t.has_lead(user.id) or user.role == "admin"]
        trainees = sorted({m.username for t in led for m in t.members})
        items = teams_items_html(teams)
        sessions = [(f"{s.started} · {s.display_name} · {s.persona_name} · {s.status}"
                     + (" · reviewed" if s.reviewed else ""), s.session_id)
                    for s in self.sup.sessions(user) if s.user != user.username]
        names = [t.name for t in led]
        return (f"<h3>Your teams</h3><ul>{items}</ul>" if teams else "<p>You lead no team yet.</p>",
                gr.update(choices=names), gr.update(choices=trainees),
                assignments_html(self.sup.assignments(user), trainee_view=False),
                gr.update(choices=sessions), gr.update(choices=names),
                agreement_html(self.sup.agreement(user)))

    def assign(self, persona: str | None, team: str | None, trainees: list[str] | None,
               goal: str, focus: str | None, due: str, request: gr.Request) -> str:
        user = self._user(request)
        try:
            self.sup.assign(user, persona or "", goal, team=team or None,
                            trainees=[] if team else (trainees or []), focus=focus or None,
                            due=parse_due(due))
        except (ServiceError, ValueError) as exc:
            raise _fail(exc) from exc
        return assignments_html(self.sup.assignments(user), trainee_view=False)

    def review(self, session_id: str | None, request: gr.Request) -> tuple[str, str]:
        user = self._user(request)
        if not session_id:
            raise gr.Error("Choose a session to open.")
        try:
            view = self.sup.review(user, session_id)
        except ServiceError as exc:
            raise _fail(exc) from exc
        return review_html(view), ""

    def override(self, session_id: str | None, turn: float | None, code: str | None,
                 stance: str | None, reason: str, request: gr.Request) -> tuple[str, str, str]:
        user = self._user(request)
        try:
            view = self.sup.override(user, session_id or "", int(turn or 0), code=code or None,
                                     stance=stance or None, reason=reason)
        except ServiceError as exc:
            raise _fail(exc) from exc
        return (review_html(view), f"<p>Override saved on reply {int(turn or 0)}.</p>",
                agreement_html(self.sup.agreement(user)))

    def comment(self, session_id: str | None, turn: float | None, text: str,
                request: gr.Request) -> tuple[str, str, str]:
        user = self._user(request)
        try:
            view = self.sup.comment(user, session_id or "", int(turn) if turn else None, text)
        except ServiceError as exc:
            raise _fail(exc) from exc
        return review_html(view), "<p>Comment added.</p>", ""

    def save_note(self, session_id: str | None, towards: str, well: str, worried: str,
                  needs: str, request: gr.Request) -> tuple[str, str]:
        user = self._user(request)
        parts = (towards, well, worried, needs)
        fields = {f: p for (f, _, _), p in zip(SUPERVISION_FRAME, parts, strict=True)}
        try:
            view = self.sup.set_note(user, session_id or "", **fields)
        except ServiceError as exc:
            raise _fail(exc) from exc
        return review_html(view), "<p>Supervision note saved.</p>"

    def dashboard(self, team: str | None, request: gr.Request) -> tuple[Any, ...]:
        user = self._user(request)
        if not team:
            raise gr.Error("Choose a team first.")
        try:
            data = self.sup.dashboard_data(user, team)
        except ServiceError as exc:
            raise _fail(exc) from exc
        table = [[row["trainee"], row["sessions"], *("—" if row[f] is None else row[f]
                                                     for f, _, _ in INDICATORS)]
                 for row in data["summary"]]
        return (dashboard_chart_html(team or "", bool(data["sessions"])), table,
                dashboard_csv_html(team or ""))

    def wire(self) -> None:
        overview_out = [self.teams_html, self.team, self.trainees, self.assignments_html,
                        self.session, self.dash_team, self.agreement]
        self.tab.select(self.overview, None, overview_out, api_name="supervisor_overview")
        self.assign_btn.click(self.assign, [self.persona, self.team, self.trainees,
                                            self.goal, self.focus, self.due],
                              self.assignments_html, api_name="assign")
        self.load_btn.click(self.review, self.session,
                            [self.review_view, self.message], api_name="review")
        self.override_btn.click(self.override, [self.session, self.turn, self.code,
                                                self.stance, self.reason],
                                [self.review_view, self.message, self.agreement],
                                api_name="override")
        self.comment_btn.click(self.comment, [self.session, self.comment_turn,
                                              self.comment_text],
                               [self.review_view, self.message, self.comment_text],
                               api_name="comment")
        self.note_btn.click(self.save_note, [self.session, *self.note],
                            [self.review_view, self.message], api_name="supervision_note")
        self.dash_btn.click(self.dashboard, self.dash_team,
                            [self.dash_plot, self.dash_table, self.dash_csv], api_name="dashboard")


class AssignmentScreen:
    """The trainee's assignments, the first tab they see: due, overdue and done."""

    def __init__(self, sup: SupervisionService, current_user: Callable[[gr.Request], User]) -> None:
        self.sup = sup
        self.current_user = current_user
        with gr.Tab("Your assignments", id="assignments", elem_id="assignments-tab") as tab:
            self.tab = tab
            self.listing = gr.HTML("<p>Sign in to see your assignments.</p>", elem_id="my-assignments")
            with gr.Row():
                self.choice = gr.Dropdown([], label="Start an assignment", elem_id="assignment-choice", allow_custom_value=True)
                self.start_btn = gr.Button("Start or resume it", variant="primary", scale=0,
                                           elem_id="assignment-start")

    def mine(self, request: gr.Request) -> tuple[str, Any]:
        user = self.current_user(request)
        views = [v for v in self.sup.assignments(user)
                 if any(a.user == user.username for a in v.assignees)]
        open_ones = [(f"#{v.id} {v.persona_name}: {v.goal[:60]}", v.id) for v in views
                     if v.my_state in ("due", "overdue")]
        return assignments_html(views, trainee_view=True), gr.update(choices=open_ones,
                                                                      value=None)

    def start(self, assignment_id: int | None,
              request: gr.Request) -> tuple[Any, AssignmentView | None]:
        """The assignment's session (started or resumed), and the assignment as the
        trainee sees it (for its goal)."""
        user = self.current_user(request)
        if not assignment_id:
            raise gr.Error("Choose an assignment to start.")
        try:
            view = self.sup.start_assignment(user, int(assignment_id))
        except ServiceError as exc:
            raise _fail(exc) from exc
        found = [a for a in self.sup.assignments(user) if a.id == int(assignment_id)]
        return view, (found[0] if found else None)
