"""Rewind and try again, as service operations: a trainee goes back to one of their
replies in their own session and tries something different. The branch is a new
session sharing the conversation up to that reply (the turns are copied, with the
person's state as it stood then); the original is left as it was. Once both have
ended, their indicators can be set side by side.

    rewinds = RewindService(CoachService(settings))
    branch = rewinds.rewind(trainee, session_id, reply=3)   # keeps replies 1 and 2
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from coach.roleplay import PersonaState
from coach.service import CoachService, NotAllowed, ServiceError
from coach.store import StoreError, User
from coach.text import counted
from coach.views import SessionView


@dataclass(frozen=True)
class IndicatorPair:
    name: str
    label: str
    original: str  # as the report shows it ("2.0:1", "40%", "—")
    branch: str
    original_band: str
    branch_band: str
    original_value: float | None = None
    branch_value: float | None = None


@dataclass(frozen=True)
class BranchComparison:
    original_id: str
    branch_id: str
    shared_turns: int
    indicators: tuple[IndicatorPair, ...]
    original_uncovered: tuple[str, ...]
    branch_uncovered: tuple[str, ...]

    def to_markdown(self) -> str:
        rows = [f"Both conversations share the first {self.shared_turns} replies.", "",
                "| Indicator | Original | Tried again |", "|---|---|---|"]
        rows += [f"| {p.label} | {p.original} ({p.original_band}) | {p.branch} ({p.branch_band}) |"
                 for p in self.indicators]
        rows += ["", f"What the person shared: {len(self.original_uncovered)} in the original, "
                     f"{len(self.branch_uncovered)} when you tried again."]
        return "\n".join(rows)


class RewindService:
    def __init__(self, service: CoachService) -> None:
        self.service = service
        self.store = service.store

    def rewind(self, user: User, session_id: str, reply: int) -> SessionView:
        """A new session that keeps the replies before ``reply`` (1-based) and waits for a
        different one in its place. Only the session's own trainee may rewind it."""
        session = self.service._owned(
            user, session_id,
            refusal="Only the trainee who held this conversation can go back and try again.")
        if not 1 <= int(reply) <= session.turn_count:
            raise ServiceError(f"That conversation has {counted(session.turn_count, 'reply', 'replies')}, "
                               f"so there is no reply {reply} to go back to.")
        keep = int(reply) - 1
        if keep:
            state = self.service.state_after(user, session_id, keep - 1)
        else:
            # Back to the start: the same person, the same opening, no replies yet.
            engine = self.service.engine(session.persona_id)
            original = PersonaState.from_dict(session.state)
            # The lines the trainee had heard before the original steer its opening too.
            state = engine.start(seed=original.seed, recent_lines=original.avoid_lines)
            if engine.opening(state) != session.opening:
                raise ServiceError("This conversation cannot be started again from its "
                                   "opening; go back to a later reply.")
        try:
            branch = self.store.branch_session(session_id, keep, state.to_dict())
        except StoreError as exc:
            raise ServiceError(str(exc)) from exc
        view = self.service.session(user, branch.id)
        return replace(view, notice=f"Back before your reply {reply}: the conversation is as "
                                    "it was then. Try something different; your original "
                                    "conversation is kept as it was.")

    def branches(self, user: User, session_id: str) -> list[str]:
        """Ids of the sessions branched from this one that the user may see."""
        self.service._visible(user, session_id)
        return [s.id for s in self.store.list_sessions(user.id) if s.parent_id == session_id]

    def compare(self, user: User, branch_id: str) -> BranchComparison:
        """The branch's indicators beside its original's; both must have ended."""
        branch = self.service._visible(user, branch_id)
        if not branch.parent_id:
            raise ServiceError("That conversation is not a rewind of another one.")
        original = self.service._visible(user, branch.parent_id)
        if not (branch.report and original.report):
            raise ServiceError("End both conversations first: then their reports can be compared.")
        mine = _indicators(original.report)
        theirs = _indicators(branch.report)
        pairs = tuple(IndicatorPair(name, mine[name]["label"], mine[name]["display"],
                                    theirs[name]["display"], mine[name]["band"],
                                    theirs[name]["band"], mine[name]["value"],
                                    theirs[name]["value"])
                      for name in mine if name in theirs)
        return BranchComparison(original.id, branch.id, int(branch.branched_at or 0), pairs,
                                _uncovered(original.report), _uncovered(branch.report))

    def original_of(self, user: User, session_id: str) -> str | None:
        session = self.service._visible(user, session_id)
        if session.parent_id is None:
            return None
        try:
            self.service._visible(user, session.parent_id)
        except NotAllowed:
            return None
        return session.parent_id


def _indicators(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {i["name"]: i for i in report.get("indicators", [])}


def _uncovered(report: dict[str, Any]) -> tuple[str, ...]:
    return tuple(h["title"] for h in report.get("hidden", []) if h.get("unlocked"))


