"""The practice room: a Gradio Blocks app built by ``build_app(service)``.

It holds no business logic: every handler asks the service and renders the answer. Who
is asking comes from the sign-in cookie on every request (``coach.ui.web`` mounts this
behind it), never from anything the page holds; the open session lives in per-browser
``gr.State`` on the server.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from coach.guidance import GuidanceService
from coach.report import report_markdown
from coach.service import CoachService, ServiceError
from coach.supervision import SupervisionService
from coach.text import escape_markdown
from coach.ui import exercise, recording, render, rewind, scoring, supervisor
from coach.ui.guard import guard_handlers
from coach.ui.page import CLEAR_HINT_JS, NEW_TURN_ID_JS, SIGN_OUT_JS, focus_js
from coach.views import SessionView

TITLE = "Outcomes Coach"
HINT_AFTER_END = ("This conversation has ended, so there is nothing more to try in it. Its "
                  "report is in the **Report** tab; start a new conversation to practise again.")
ENTER_SENDS = "Press Enter to send; Shift+Enter starts a new line."
WELCOME = (
    "Practise ‘what matters’ conversations. Choose a person, read the brief, and talk with them. "
    "Each reply you type is coded against OARS — open questions, affirmations, reflections and "
    "summaries — and the person reacts to how you speak to them."
)


def build_app(service: CoachService, readiness: Any = None) -> gr.Blocks:
    """The practice room and the supervisor's screens, for ``coach.ui.web`` to serve."""
    scenarios = {s.id: s for s in service.scenarios()}
    sup = SupervisionService(service)
    guide = GuidanceService(service)
    choices = [(f"{s.name}" + (f", {s.age}" if s.age else ""), s.id) for s in scenarios.values()]

    def current_user(request: gr.Request, wait: bool = True) -> Any:
        if wait and readiness is not None and not readiness.wait(120):
            raise gr.Error("The practice room is still getting ready; please try again shortly.")
        if not request.username:
            raise gr.Error("Please sign in first.")
        try:
            return service.user_by_name(request.username)
        except ServiceError as exc:
            raise gr.Error(str(exc)) from exc

    def practice_outputs(view: SessionView) -> tuple[Any, ...]:
        return (view.id, render.chat_messages(view), render.mood_html(view),
                render.notice_html(view.notice), gr.update(interactive=not view.ended))

    def opened_elsewhere(view: SessionView, goal: str = "") -> tuple[Any, ...]:
        """Practice opened from another tab (History, an assignment, Try again): the
        conversation, who it is with and their brief (with the assignment's goal, if any),
        and the Practice tab."""
        return (*practice_outputs(view), view.persona_id,
                show_brief(view.persona_id) + goal, gr.Tabs(selected="practice"))

    # --- handlers ----------------------------------------------------------------------

    def on_load(request: gr.Request) -> tuple[Any, ...]:
        """Who is signed in, and the supervisor's tab only for supervisors and admins."""
        user = current_user(request, wait=False)
        greeting = (f"Signed in as **{escape_markdown(user.display_name or user.username)}** "
                    f"({user.role}).")
        return greeting, gr.Tab(visible=supervisor.supervises(user))

    def their_work(request: gr.Request) -> tuple[Any, ...]:
        """The person's assignments and history, on opening the page."""
        return (*my_assignments.mine(request), *history(request), history_choices(request))

    def preparing() -> tuple[Any, ...]:
        """While the coder and the guidance index are still being built: say so, and stop
        asking once they are ready."""
        if readiness is None or readiness.ready:
            return gr.update(value="", visible=False), gr.Timer(active=False)
        if readiness.failed:
            return (gr.update(value=f"The practice room could not get ready: "
                              f"{escape_markdown(readiness.failed)}", visible=True),
                    gr.Timer(active=False))
        return (gr.update(value=f"⏳ Getting ready: {escape_markdown(readiness.step)} You can "
                          "read the briefs meanwhile; your first reply waits until this is done.",
                          visible=True), gr.Timer(active=True))

    def forget_browser(request: gr.Request) -> None:
        """Sign-out, on the server: this browser's Gradio state goes (the practice room's
        and the supervisor's screens'), so nothing of this person is left behind for
        whoever uses the page next (the page then posts to ``logout``, which ends the
        sign-in and clears the cookie)."""
        holder = app.state_holder
        session_hash = request.session_hash
        if session_hash:
            holder.delete_state(session_hash)
            with holder.lock:
                holder.session_data.pop(session_hash, None)
                holder.time_last_used.pop(session_hash, None)

    def show_brief(persona_id: str | None) -> str:
        if not persona_id or persona_id not in scenarios:
            return "Choose someone to talk to."
        return render.brief_markdown(scenarios[persona_id])

    def start(persona_id: str | None, request: gr.Request) -> tuple[Any, ...]:
        user = current_user(request)
        if not persona_id:
            raise gr.Error("Choose someone to talk to first.")
        try:
            view = service.start_session(user, persona_id)
        except ServiceError as exc:
            raise gr.Error(str(exc)) from exc
        return practice_outputs(view)

    def new_conversation(persona_id: str | None, request: gr.Request) -> tuple[Any, ...]:
        user = current_user(request)
        if not persona_id:
            raise gr.Error("Choose someone to talk to first.")
        return practice_outputs(service.start_session(user, persona_id, resume=False))

    def send(session_id: str | None, text: str, turn_id: str | None,
             request: gr.Request) -> tuple[Any, ...]:
        user = current_user(request)
        if not session_id:
            raise gr.Error("Start a conversation first.")
        try:
            view = service.take_turn(user, session_id, text, client_turn_id=turn_id)
        except ServiceError as exc:
            # The message stays in the box so nothing the trainee typed is lost.
            current = service.session(user, session_id)
            return (render.chat_messages(current), render.mood_html(current),
                    render.notice_html(str(exc)), text,
                    gr.update(interactive=not current.ended))
        return (*practice_outputs(view)[1:4], "", gr.update(interactive=not view.ended))

    def hint(session_id: str | None, previous: Any, request: gr.Request) -> tuple[str, Any]:
        user = current_user(request)
        if not session_id:
            raise gr.Error("Start a conversation first.")
        if service.session(user, session_id).ended:
            return HINT_AFTER_END, previous
        # The last hint stays with this browser, so the next one says something else.
        given = service.hint(user, session_id, previous=previous)
        return given.to_markdown(), given.memo()

    def ask(question: str, request: gr.Request) -> str:
        user = current_user(request)
        try:
            return guide.ask(user, question).to_markdown()
        except ServiceError as exc:
            return render.escape_text(str(exc))

    def end(session_id: str | None, request: gr.Request) -> tuple[Any, ...]:
        user = current_user(request)
        if not session_id:
            raise gr.Error("Start a conversation first.")
        report = service.end_session(user, session_id)
        view = service.session(user, session_id)
        # Charts and downloads are served by coach.ui.web to whoever may see them, made
        # from the database on request: no file is left in a shared directory.
        return (report_markdown(report), render.timeline_html(session_id),
                render.downloads_html(session_id), render.mood_html(view),
                gr.update(interactive=False), gr.Tabs(selected="report"))

    def history(request: gr.Request) -> tuple[Any, ...]:
        user = current_user(request)
        rows = service.history(user)
        ended = any(r.status == "ended" for r in rows)
        return render.history_rows(rows), render.trend_html(ended)

    def history_choices(request: gr.Request) -> Any:
        rows = service.history(current_user(request))
        return gr.update(choices=[(f"{r.started} · {r.persona_name} · "
                                   f"{'ended' if r.status == 'ended' else 'unfinished'}",
                                   r.session_id) for r in rows], value=None)

    def open_past(session_id: str | None, request: gr.Request) -> tuple[str, str]:
        user = current_user(request)
        if not session_id:
            raise gr.Error("Choose a session first.")
        try:
            view = sup.review(user, session_id)
            report = service.past_report(user, session_id) if view.status == "ended" else None
        except ServiceError as exc:
            raise gr.Error(str(exc)) from exc
        text = report_markdown(report) if report else "This conversation is unfinished: resume it or discard it."
        return text, supervisor.review_html(view)

    def resume_past(session_id: str | None, request: gr.Request) -> tuple[Any, ...]:
        user = current_user(request)
        if not session_id:
            raise gr.Error("Choose a session first.")
        try:
            view = service.session(user, session_id)
        except ServiceError as exc:
            raise gr.Error(str(exc)) from exc
        if view.ended:
            raise gr.Error("That conversation has ended: open its report instead.")
        return opened_elsewhere(view)

    def discard_past(session_id: str | None, request: gr.Request) -> tuple[Any, ...]:
        user = current_user(request)
        if not session_id:
            raise gr.Error("Choose a session first.")
        try:
            service.discard_session(user, session_id)
        except ServiceError as exc:
            raise gr.Error(str(exc)) from exc
        return (*history(request), history_choices(request))

    def start_assignment(assignment_id: int | None, request: gr.Request) -> tuple[Any, ...]:
        view, assignment = my_assignments.start(assignment_id, request)
        goal = render.assignment_goal_markdown(assignment.goal, assignment.focus) if assignment else ""
        return opened_elsewhere(view, goal)

    # --- layout ------------------------------------------------------------------------

    # Gradio's own cached files (if any) are deleted after an hour (coach.ui.web serves the
    # reports and charts itself, from the database).
    with gr.Blocks(title=TITLE, analytics_enabled=False, delete_cache=(3600, 3600)) as app:
        session_state = gr.State(None)
        hint_state = gr.State(None)
        gr.Markdown(f"# {TITLE}\n{WELCOME}", elem_id="title")

        ready_note = gr.Markdown(visible=readiness is not None and not readiness.ready,
                                 elem_id="preparing")
        ready_timer = gr.Timer(1.0, active=readiness is not None and not readiness.ready)
        with gr.Column(elem_id="main"):
            with gr.Row():
                greeting = gr.Markdown(elem_id="greeting")
                signout_btn = gr.Button("Sign out", size="sm", scale=0, elem_id="signout-btn")
            with gr.Tabs(selected="assignments") as tabs:
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
                        # What people type is shown as typed: HTML (escaped in render) but
                        # no Markdown or LaTeX, so a message cannot pull in an image or link.
                        chat = gr.Chatbot(label="Conversation", height=460, elem_id="chat",
                                          feedback_options=None, buttons=["copy"],
                                          render_markdown=False, latex_delimiters=[],
                                          sanitize_html=True)
                        turn_id = gr.Textbox(value="", visible=False, label="Turn id")
                        # One line to start with (it grows to six): in Gradio a box of
                        # more lines sends on Shift+Enter and Enter only starts a line.
                        message = gr.Textbox(label="Your reply", lines=1, max_lines=6,
                                             placeholder="Type what you would say",
                                             info=ENTER_SENDS, elem_id="message")
                        with gr.Row():
                            send_btn = gr.Button("Send", variant="primary", elem_id="send-btn")
                            hint_btn = gr.Button("Hint", elem_id="hint-btn")
                            end_btn = gr.Button("End session", variant="stop", elem_id="end-btn")
                        hint_box = gr.Markdown(elem_id="hint", latex_delimiters=[])
                    with gr.Column(scale=1, min_width=240):
                        mood = gr.HTML(elem_id="mood")
                with gr.Tab("Report", id="report"):
                    report_md = gr.Markdown("End a conversation to see its report here.",
                                            elem_id="report-md", latex_delimiters=[])
                    timeline = gr.HTML(elem_id="timeline")
                    downloads = gr.HTML(elem_id="downloads")
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
                    past_report = gr.Markdown(elem_id="past-report", latex_delimiters=[])
                    past_review = gr.HTML(elem_id="past-review")
                    trend = gr.HTML(elem_id="trend")
                    my_exercises = gr.HTML(elem_id="my-exercise-replies")
                with gr.Tab("Ask the guidance", id="guidance"):
                    gr.Markdown(render.ASK_INTRO)
                    question = gr.Textbox(label="Your question", lines=1, max_lines=4,
                                          placeholder="e.g. What's the difference between an "
                                                      "outcome and a service?",
                                          info="Press Enter to ask; Shift+Enter starts a "
                                               "new line.",
                                          elem_id="question")
                    ask_btn = gr.Button("Ask", variant="primary", elem_id="ask-btn")
                    answer = gr.Markdown(elem_id="answer", sanitize_html=True,
                                         latex_delimiters=[])
                screens = supervisor.SupervisorScreens(sup, current_user)
                scorer = scoring.ScoringScreen(service, choices, current_user)
                outcomes = recording.RecordingScreen(service, current_user)
                team_exercise = exercise.ExerciseScreen(service, current_user)
                retry = rewind.RewindScreen(service, current_user)

        # --- wiring ------------------------------------------------------------------------
        app.load(on_load, None, [greeting, screens.tab], api_visibility="private")
        app.load(None, None, None, js=focus_js("#title h1"), api_visibility="private",
                 queue=False)
        app.load(their_work, None, [my_assignments.listing, my_assignments.choice,
                                    history_table, trend, past], api_visibility="private")
        app.load(preparing, None, [ready_note, ready_timer], api_visibility="private", queue=False)
        ready_timer.tick(preparing, None, [ready_note, ready_timer], api_visibility="private",
                         queue=False)
        signout_btn.click(forget_browser, None, None, api_visibility="private").then(
            None, None, None, js=SIGN_OUT_JS)
        # On the person's own choice only: Practice opened from another tab sets the
        # brief itself (with an assignment's goal), which a change event would overwrite.
        persona.input(show_brief, persona, brief, api_visibility="private")
        practice = [session_state, chat, mood, notice, send_btn]
        start_btn.click(start, persona, practice, api_name="start")
        new_btn.click(new_conversation, persona, practice, api_name="new_conversation")
        turn_outputs = [chat, mood, notice, message, send_btn]
        # Each press of Send gets an id made in the browser, so a turn sent twice (a retry
        # after a dropped connection, or to another replica) is stored once.
        send_inputs = [session_state, message, turn_id]
        send_btn.click(send, send_inputs, turn_outputs, api_name="send", js=NEW_TURN_ID_JS)
        message.submit(send, send_inputs, turn_outputs, api_visibility="private",
                       js=NEW_TURN_ID_JS)
        for sent in (send_btn.click, message.submit):
            sent(None, None, hint_box, js=CLEAR_HINT_JS, api_visibility="private", queue=False)
        hint_btn.click(hint, [session_state, hint_state], [hint_box, hint_state], api_name="hint")
        ask_btn.click(ask, question, answer, api_name="ask")
        question.submit(ask, question, answer, api_visibility="private")
        end_btn.click(end, session_state,
                      [report_md, timeline, downloads, mood, send_btn, tabs], api_name="end"
                      ).success(None, None, None, js=focus_js("#report-md h1, #report-md h2"),
                                api_visibility="private", queue=False)
        history_tab.select(history, None, [history_table, trend], api_name="history").then(
            history_choices, None, past, api_visibility="private")
        open_btn.click(open_past, past, [past_report, past_review], api_name="open_past")
        opened = [*practice, persona, brief, tabs]
        resume_btn.click(resume_past, past, opened, api_name="resume")
        discard_btn.click(discard_past, past, [history_table, trend, past], api_name="discard")
        my_assignments.tab.select(my_assignments.mine, None,
                                  [my_assignments.listing, my_assignments.choice],
                                  api_name="my_assignments")
        my_assignments.start_btn.click(start_assignment, my_assignments.choice, opened,
                                       api_name="start_assignment")
        screens.wire()
        scorer.wire()
        outcomes.wire()
        team_exercise.wire()
        retry.wire(opened, opened_elsewhere)
        history_tab.select(team_exercise.mine, None, my_exercises,
                           api_name="my_exercise_replies")

    guard_handlers(app)
    app.queue(default_concurrency_limit=8)
    return app
