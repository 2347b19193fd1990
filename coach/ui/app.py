"""The practice room: a Gradio Blocks app built by ``build_app(service)``.

It holds no business logic: every handler asks the service and renders the answer. The
signed-in user and the open session live in per-browser ``gr.State`` on the server, so a
browser cannot claim to be someone else.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import gradio as gr

from coach.guidance import GuidanceService
from coach.report import report_markdown, timeline_png
from coach.service import CoachService, ServiceError
from coach.supervision import SupervisionService
from coach.ui import exercise, recording, render, rewind, scoring, supervisor
from coach.views import SessionView

TITLE = "Outcomes Coach"
WELCOME = (
    "Practise ‘what matters’ conversations. Choose a person, read the brief, and talk with them. "
    "Each reply you type is coded against OARS — open questions, affirmations, reflections and "
    "summaries — and the person reacts to how you speak to them."
)


def build_app(service: CoachService, export_dir: Path | None = None) -> gr.Blocks:
    exports = export_dir or Path(tempfile.mkdtemp(prefix="coach-exports-"))
    exports.mkdir(parents=True, exist_ok=True)
    scenarios = {s.id: s for s in service.scenarios()}
    sup = SupervisionService(service)
    guide = GuidanceService(service)
    choices = [(f"{s.name}" + (f", {s.age}" if s.age else ""), s.id) for s in scenarios.values()]

    def current_user(user_id: int | None) -> Any:
        if not user_id:
            raise gr.Error("Please sign in first.")
        return service.user(user_id)

    def practice_outputs(view: SessionView) -> tuple[Any, ...]:
        return (view.id, render.chat_messages(view), render.mood_html(view),
                render.notice_html(view.notice), gr.update(interactive=not view.ended))

    # --- handlers ----------------------------------------------------------------------

    def sign_in(username: str, password: str) -> tuple[Any, ...]:
        user = service.authenticate(username, password)
        if user is None:
            return (None, gr.update(visible=True), gr.update(visible=False),
                    render.notice_html("That username and password do not match an account."), "")
        greeting = f"Signed in as **{user.display_name or user.username}** ({user.role})."
        return user.id, gr.update(visible=False), gr.update(visible=True), "", greeting

    def sign_out() -> tuple[Any, ...]:
        return (None, None, gr.update(visible=True), gr.update(visible=False), "", [], "", "")

    def show_brief(persona_id: str | None) -> str:
        if not persona_id or persona_id not in scenarios:
            return "Choose someone to talk to."
        return render.brief_markdown(scenarios[persona_id])

    def start(user_id: int | None, persona_id: str | None) -> tuple[Any, ...]:
        user = current_user(user_id)
        if not persona_id:
            raise gr.Error("Choose someone to talk to first.")
        try:
            view = service.start_session(user, persona_id)
        except ServiceError as exc:
            raise gr.Error(str(exc)) from exc
        return practice_outputs(view)

    def new_conversation(user_id: int | None, persona_id: str | None) -> tuple[Any, ...]:
        user = current_user(user_id)
        if not persona_id:
            raise gr.Error("Choose someone to talk to first.")
        return practice_outputs(service.start_session(user, persona_id, resume=False))

    def send(user_id: int | None, session_id: str | None, text: str) -> tuple[Any, ...]:
        user = current_user(user_id)
        if not session_id:
            raise gr.Error("Start a conversation first.")
        try:
            view = service.take_turn(user, session_id, text)
        except ServiceError as exc:
            # The message stays in the box so nothing the trainee typed is lost.
            current = service.session(user, session_id)
            return (render.chat_messages(current), render.mood_html(current),
                    render.notice_html(str(exc)), text,
                    gr.update(interactive=not current.ended))
        return (*practice_outputs(view)[1:4], "", gr.update(interactive=not view.ended))

    def hint(user_id: int | None, session_id: str | None, previous: Any) -> tuple[str, Any]:
        user = current_user(user_id)
        if not session_id:
            raise gr.Error("Start a conversation first.")
        # The last hint stays with this browser, so the next one says something else.
        given = service.hint(user, session_id, previous=previous)
        return given.to_markdown(), given.memo()

    def ask(user_id: int | None, question: str) -> str:
        user = current_user(user_id)
        try:
            return guide.ask(user, question).to_markdown()
        except ServiceError as exc:
            return render.escape_text(str(exc))

    def end(user_id: int | None, session_id: str | None) -> tuple[Any, ...]:
        user = current_user(user_id)
        if not session_id:
            raise gr.Error("Start a conversation first.")
        report = service.end_session(user, session_id)
        view = service.session(user, session_id)
        md_path = exports / f"outcomes-coach-{session_id}.md"
        json_path = exports / f"outcomes-coach-{session_id}.json"
        md_path.write_text(report_markdown(report), encoding="utf-8")
        json_path.write_text(report.to_json(), encoding="utf-8")
        png = timeline_png(report, exports / f"outcomes-coach-{session_id}.png")
        return (report_markdown(report), str(png), gr.update(value=str(md_path), visible=True),
                gr.update(value=str(json_path), visible=True), render.mood_html(view),
                gr.update(interactive=False), gr.Tabs(selected="report"))

    def history(user_id: int | None) -> tuple[Any, ...]:
        user = current_user(user_id)
        rows = service.history(user)
        trend = service.trend_png(user, exports / f"trend-{user.id}.png") if rows else None
        return render.history_rows(rows), (str(trend) if trend else None)

    def history_choices(user_id: int | None) -> Any:
        if not user_id:
            return gr.update(choices=[])
        rows = service.history(current_user(user_id))
        return gr.update(choices=[(f"{r.started} · {r.persona_name} · "
                                   f"{'ended' if r.status == 'ended' else 'unfinished'}",
                                   r.session_id) for r in rows], value=None)

    def open_past(user_id: int | None, session_id: str | None) -> tuple[str, str]:
        user = current_user(user_id)
        if not session_id:
            raise gr.Error("Choose a session first.")
        try:
            view = sup.review(user, session_id)
            report = service.past_report(user, session_id) if view.status == "ended" else None
        except ServiceError as exc:
            raise gr.Error(str(exc)) from exc
        text = report_markdown(report) if report else "This conversation is unfinished: resume it or discard it."
        return text, supervisor.review_html(view)

    def resume_past(user_id: int | None, session_id: str | None) -> tuple[Any, ...]:
        user = current_user(user_id)
        if not session_id:
            raise gr.Error("Choose a session first.")
        try:
            view = service.session(user, session_id)
        except ServiceError as exc:
            raise gr.Error(str(exc)) from exc
        if view.ended:
            raise gr.Error("That conversation has ended: open its report instead.")
        return (*practice_outputs(view), gr.Tabs(selected="practice"))

    def discard_past(user_id: int | None, session_id: str | None) -> tuple[Any, ...]:
        user = current_user(user_id)
        try:
            service.discard_session(user, session_id or "")
        except ServiceError as exc:
            raise gr.Error(str(exc)) from exc
        return (*history(user_id), history_choices(user_id))

    def start_assignment(user_id: int | None, assignment_id: int | None) -> tuple[Any, ...]:
        view = my_assignments.start(user_id, assignment_id)
        return (*practice_outputs(view), gr.Tabs(selected="practice"))

    def after_sign_in(user_id: int | None) -> tuple[Any, ...]:
        user = service.user(user_id) if user_id else None
        shows = bool(user and supervisor.supervises(user))
        return (gr.Tab(visible=shows), *my_assignments.mine(user_id), *history(user_id),
                history_choices(user_id), gr.Tabs(selected="assignments"))

    # --- layout ------------------------------------------------------------------------

    with gr.Blocks(title=TITLE, analytics_enabled=False) as app:
        user_state = gr.State(None)
        session_state = gr.State(None)
        hint_state = gr.State(None)
        gr.Markdown(f"# {TITLE}\n{WELCOME}")

        with gr.Column(visible=True, elem_id="signin") as signin_panel:
            gr.Markdown("## Sign in")
            username = gr.Textbox(label="Username", elem_id="username")
            password = gr.Textbox(label="Password", type="password", elem_id="password")
            signin_btn = gr.Button("Sign in", variant="primary", elem_id="signin-btn")
            signin_msg = gr.HTML()

        with gr.Column(visible=False, elem_id="main") as main_panel:
            with gr.Row():
                greeting = gr.Markdown()
                signout_btn = gr.Button("Sign out", size="sm", scale=0)
            with gr.Tabs() as tabs:
                my_assignments = supervisor.AssignmentScreen(sup, current_user)
                with gr.Tab("Practice", id="practice"), gr.Row():
                    with gr.Column(scale=1, min_width=260):
                        persona = gr.Dropdown(choices=choices, label="Who will you talk to?",
                                              value=None, elem_id="persona")
                        brief = gr.Markdown("Choose someone to talk to.")
                        start_btn = gr.Button("Start or resume", variant="primary",
                                              elem_id="start-btn")
                        new_btn = gr.Button("Start again with a new conversation", size="sm")
                    with gr.Column(scale=2, min_width=380):
                        notice = gr.HTML()
                        chat = gr.Chatbot(label="Conversation", height=460, elem_id="chat",
                                          feedback_options=None, buttons=["copy"])
                        message = gr.Textbox(label="Your reply", lines=2, max_lines=6,
                                             placeholder="Type what you would say, then press Send",
                                             elem_id="message")
                        with gr.Row():
                            send_btn = gr.Button("Send", variant="primary", elem_id="send-btn")
                            hint_btn = gr.Button("Hint", elem_id="hint-btn")
                            end_btn = gr.Button("End session", variant="stop", elem_id="end-btn")
                        hint_box = gr.Markdown(elem_id="hint")
                    with gr.Column(scale=1, min_width=240):
                        mood = gr.HTML(elem_id="mood")
                with gr.Tab("Report", id="report"):
                    report_md = gr.Markdown("End a conversation to see its report here.",
                                            elem_id="report-md")
                    timeline = gr.Image(label="Turn by turn", type="filepath", interactive=False)
                    with gr.Row():
                        download_md = gr.DownloadButton("Download report (Markdown)", visible=False)
                        download_json = gr.DownloadButton("Download report (JSON)", visible=False)
                with gr.Tab("History", id="history") as history_tab:
                    history_table = gr.Dataframe(headers=render.HISTORY_HEADERS, interactive=False,
                                                 wrap=True, elem_id="history-table")
                    with gr.Row():
                        past = gr.Dropdown([], label="A past session", elem_id="past-session",
                                           allow_custom_value=True)
                        open_btn = gr.Button("Open its report", elem_id="past-open", scale=0)
                        resume_btn = gr.Button("Resume", scale=0, elem_id="past-resume")
                        discard_btn = gr.Button("Discard", variant="stop", scale=0,
                                                elem_id="past-discard")
                    past_report = gr.Markdown(elem_id="past-report")
                    past_review = gr.HTML(elem_id="past-review")
                    trend = gr.Image(label="Your trend across sessions", type="filepath",
                                     interactive=False)
                    my_exercises = gr.HTML(elem_id="my-exercise-replies")
                with gr.Tab("Ask the guidance", id="guidance"):
                    gr.Markdown(render.ASK_INTRO)
                    question = gr.Textbox(label="Your question", lines=2, max_lines=4,
                                          placeholder="e.g. What's the difference between an "
                                                      "outcome and a service?",
                                          elem_id="question")
                    ask_btn = gr.Button("Ask", variant="primary", elem_id="ask-btn")
                    answer = gr.Markdown(elem_id="answer", sanitize_html=True)
                screens = supervisor.SupervisorScreens(sup, exports, current_user)
                scorer = scoring.ScoringScreen(service, choices, exports, current_user)
                outcomes = recording.RecordingScreen(service, current_user)
                team_exercise = exercise.ExerciseScreen(service, exports, current_user)
                retry = rewind.RewindScreen(service, current_user)

        # --- wiring ------------------------------------------------------------------------
        signin_event = signin_btn.click(
            sign_in, [username, password], [user_state, signin_panel, main_panel, signin_msg, greeting],
            api_name="sign_in",
        )
        password.submit(sign_in, [username, password],
                        [user_state, signin_panel, main_panel, signin_msg, greeting], api_visibility="private")
        signin_event.then(lambda: "", None, password, api_visibility="private")
        signin_event.then(after_sign_in, user_state,
                          [screens.tab, my_assignments.listing, my_assignments.choice,
                           history_table, trend, past, tabs], api_visibility="private")
        signout_btn.click(sign_out, None, [user_state, session_state, signin_panel, main_panel,
                                           greeting, chat, mood, notice], api_name="sign_out")
        persona.change(show_brief, persona, brief, api_visibility="private")
        practice = [session_state, chat, mood, notice, send_btn]
        start_btn.click(start, [user_state, persona], practice, api_name="start")
        new_btn.click(new_conversation, [user_state, persona], practice, api_name="new_conversation")
        turn_outputs = [chat, mood, notice, message, send_btn]
        send_btn.click(send, [user_state, session_state, message], turn_outputs, api_name="send")
        message.submit(send, [user_state, session_state, message], turn_outputs, api_visibility="private")
        hint_btn.click(hint, [user_state, session_state, hint_state], [hint_box, hint_state],
                       api_name="hint")
        ask_btn.click(ask, [user_state, question], answer, api_name="ask")
        question.submit(ask, [user_state, question], answer, api_visibility="private")
        end_btn.click(end, [user_state, session_state],
                      [report_md, timeline, download_md, download_json, mood, send_btn, tabs],
                      api_name="end")
        history_tab.select(history, user_state, [history_table, trend], api_name="history").then(
            history_choices, user_state, past, api_visibility="private")
        open_btn.click(open_past, [user_state, past], [past_report, past_review],
                       api_name="open_past")
        resume_btn.click(resume_past, [user_state, past], [*practice, tabs], api_name="resume")
        discard_btn.click(discard_past, [user_state, past], [history_table, trend, past],
                          api_name="discard")
        my_assignments.tab.select(my_assignments.mine, user_state,
                                  [my_assignments.listing, my_assignments.choice],
                                  api_name="my_assignments")
        my_assignments.start_btn.click(start_assignment, [user_state, my_assignments.choice],
                                       [*practice, tabs], api_name="start_assignment")
        screens.wire(user_state)
        scorer.wire(user_state)
        outcomes.wire(user_state)
        team_exercise.wire(user_state)
        retry.wire(user_state, practice, tabs, practice_outputs)
        history_tab.select(team_exercise.mine, user_state, my_exercises, api_name="my_exercise_replies")

    app.queue(default_concurrency_limit=8)
    return app


def theme() -> gr.themes.Base:
    """The Soft theme with text dark enough to read (WCAG AA contrast, checked with
    axe-core in the browser test): its stock labels and buttons are too pale."""
    return gr.themes.Soft().set(
        button_primary_background_fill="*primary_700",
        button_primary_background_fill_hover="*primary_800",
        button_primary_text_color="white",
        block_label_text_color="*primary_800",
        block_title_text_color="*primary_800",
        block_info_text_color="*neutral_700",
        body_text_color_subdued="*neutral_600",
        color_accent="*primary_700",
    )


def launch_kwargs(host: str, port: int) -> dict[str, Any]:
    """How app.py launches the app: on this machine only, no share link, no analytics."""
    return {
        "server_name": host,
        "server_port": port,
        "share": False,
        "css": render.CSS + supervisor.CSS + exercise.CSS,
        "theme": theme(),
        "footer_links": [],
        "show_error": True,
    }
