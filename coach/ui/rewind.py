"""The "Try again" tab: go back to one of your replies in a past or current session and
try something different (the branch opens in Practice), and, once both have ended, see
the two conversations' indicators side by side. ``RewindService`` enforces that only the
session's trainee rewinds it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gradio as gr

from coach.rewinding import RewindService
from coach.service import CoachService, ServiceError
from coach.text import counted
from coach.views import HistoryRow, SessionView


def session_choices(rows: list[HistoryRow]) -> list[tuple[str, str]]:
    """(label, session id) for the sessions a trainee may go back into."""
    return [(f"{r.started} · {r.persona_name} · {counted(r.turns, 'reply', 'replies')}"
             f"{'' if r.status == 'ended' else ' · unfinished'}", r.session_id) for r in rows]


class RewindScreen:
    def __init__(self, service: CoachService, current_user: Callable[[gr.Request], Any]) -> None:
        self.rw = RewindService(service)
        self.current_user = current_user
        with gr.Tab("Try again", id="rewind") as self.tab:
            gr.Markdown("Go back to one of your replies and try a different one. The "
                        "conversation carries on from there in Practice; the original is kept.")
            with gr.Row():
                self.session = gr.Dropdown([], label="One of your sessions", elem_id="rw-session",
                                           allow_custom_value=True)
                self.reply = gr.Number(1, label="Go back to your reply number", precision=0,
                                       minimum=1, elem_id="rw-reply")
                self.go_btn = gr.Button("Go back and try again", variant="primary",
                                        elem_id="rw-go", scale=0)
            self.compare_btn = gr.Button("Compare a finished retry with its original",
                                         elem_id="rw-compare")
            self.compared = gr.Markdown(elem_id="rw-compared")

    def sessions(self, request: gr.Request) -> Any:
        rows = self.rw.service.history(self.current_user(request))
        return gr.update(choices=session_choices(rows), value=None)

    def compare(self, session_id: str | None, request: gr.Request) -> str:
        user = self.current_user(request)
        try:
            return self.rw.compare(user, session_id or "").to_markdown()
        except ServiceError as exc:
            raise gr.Error(str(exc)) from exc

    def wire(self, opened: list[Any],
             opened_elsewhere: Callable[[SessionView], tuple[Any, ...]]) -> None:
        """``opened``: Practice's outputs (the conversation, the person, their brief and
        the tabs) that ``opened_elsewhere`` fills from the branch's view."""
        def go(session_id: str | None, reply: float | None, request: gr.Request) -> tuple[Any, ...]:
            user = self.current_user(request)
            if not session_id:
                raise gr.Error("Choose one of your sessions first.")
            try:
                view = self.rw.rewind(user, session_id, int(reply or 0))
            except ServiceError as exc:
                raise gr.Error(str(exc)) from exc
            return opened_elsewhere(view)

        self.tab.select(self.sessions, None, self.session, api_name="rewind_sessions")
        self.go_btn.click(go, [self.session, self.reply], opened, api_name="rewind")
        self.compare_btn.click(self.compare, [self.session], self.compared,
                               api_name="compare_branches")
