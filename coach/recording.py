"""Recording outcomes, as service operations: the stand-alone drill (statements checked
against the guidance's criteria), the guidance's sort exercise, and the statements a
trainee writes after a practice session, stored with it and set beside what the person
actually disclosed. Every permission is checked here: only the session's trainee writes
its statements; whoever may see the session (``coach.teams.may_see``) may read them.

    recording = RecordingService(CoachService(settings))
    recording.check(user, "I want to walk Cassie again\\nRespite once a month")
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from coach.roleplay import PersonaState
from coach.service import CoachService, NotAllowed, ServiceError
from coach.statements import (
    Comparison,
    SortCard,
    SortResult,
    StatementCheck,
    StatementClassifier,
    StatementRejected,
    check_statements,
    compare,
    deal,
    get_classifier,
    get_statements,
    mark,
)
from coach.store import StoreError, User
from coach.text import clean_text, is_blank

MAX_STATEMENTS = 12


@dataclass(frozen=True)
class SessionRecording:
    session_id: str
    persona_name: str
    checks: tuple[StatementCheck, ...]
    comparison: Comparison

    def to_dict(self) -> dict[str, Any]:
        return {"session_id": self.session_id, "persona": self.persona_name,
                "statements": [c.to_dict() for c in self.checks],
                "comparison": self.comparison.to_dict()}


def split_statements(text: str | Sequence[str] | None) -> list[str]:
    """One statement per line (or a list of them); blank lines are dropped."""
    lines = text.splitlines() if isinstance(text, str) else list(text or [])
    found = [" ".join(clean_text(line).split()) for line in lines if line]
    found = [line for line in found if not is_blank(line)]
    if not found:
        raise ServiceError("Write at least one statement, one per line.")
    if len(found) > MAX_STATEMENTS:
        raise ServiceError(f"Up to {MAX_STATEMENTS} statements at a time, please "
                           f"(you wrote {len(found)}).")
    return found


class RecordingService:
    def __init__(self, service: CoachService,
                 classifier: StatementClassifier | None = None) -> None:
        self.service = service
        self.store = service.store
        self._classifier = classifier

    @property
    def classifier(self) -> StatementClassifier:
        if self._classifier is None:
            self._classifier = get_classifier()
        return self._classifier

    def _check(self, texts: list[str]) -> list[StatementCheck]:
        try:
            return check_statements(texts, self.classifier)
        except StatementRejected as exc:
            raise ServiceError(str(exc)) from exc

    # --- the drill ---------------------------------------------------------------------

    def check(self, user: User, text: str | Sequence[str]) -> list[StatementCheck]:
        """Statements checked against the guidance's criteria; nothing is stored."""
        del user  # any signed-in user may practise; the caller has checked who they are
        return self._check(split_statements(text))

    def deal_sort(self, user: User, seed: int | None = None) -> list[SortCard]:
        del user
        return deal(get_statements(), secrets.randbelow(2**31) if seed is None else seed)

    def mark_sort(self, user: User, dealt: Sequence[int], chosen: Sequence[int]) -> SortResult:
        del user
        if not dealt:
            raise ServiceError("Deal a set of statements first.")
        try:
            return mark(get_statements(), [int(n) for n in dealt], [int(n) for n in chosen])
        except (TypeError, ValueError) as exc:
            raise ServiceError("Those cards are not from this exercise; deal a new set.") from exc

    # --- after a session ----------------------------------------------------------------

    def record(self, user: User, session_id: str,
               text: str | Sequence[str]) -> SessionRecording:
        """The trainee's statements for their ended session: checked, stored in place of
        any written before, and compared with what the person disclosed."""
        session = self.service._owned(
            user, session_id,
            "Only the trainee who held this conversation can record its outcomes.")
        if session.status != "ended":
            raise ServiceError("End the conversation first: outcomes are recorded afterwards.")
        checks = self._check(split_statements(text))
        try:
            self.store.replace_statements(session_id, [(c.text, c.label) for c in checks])
        except StoreError as exc:
            raise ServiceError(str(exc)) from exc
        return self._recording(session_id, checks)

    def recorded(self, user: User, session_id: str) -> SessionRecording | None:
        """What was recorded for a session the user may see, or None if nothing yet."""
        self.service._visible(user, session_id)
        stored = self.store.statements_for(session_id)
        if not stored:
            return None
        return self._recording(session_id, self._check([s.text for s in stored]))

    def ended_sessions(self, user: User) -> list[tuple[str, str]]:
        """(label, session id) of the user's own ended sessions, newest first."""
        return [(f"{r.started} · {r.persona_name}", r.session_id)
                for r in self.service.history(user) if r.status == "ended"]

    def _recording(self, session_id: str, checks: list[StatementCheck]) -> SessionRecording:
        session = self.store.get_session(session_id)
        engine = self.service.engine(session.persona_id)
        state = PersonaState.from_dict(session.state)
        if not state.ended:  # never reveal hidden items of a conversation still going
            raise NotAllowed("That conversation has not ended.")
        debrief = engine.debrief(state)
        result = compare([c.text for c in checks], debrief["items"], self.service.parts.vectors)
        return SessionRecording(session_id, debrief["name"], tuple(checks), result)
