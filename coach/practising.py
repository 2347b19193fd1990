"""The parts of a practice session that the service hands over whole: which lines the
trainee heard recently (so a new session avoids them), the feedback on one reply, a
hint that does not repeat itself or give anyone's hidden lines away, and the report
with how the visit ended, the brief's goal, the safeguarding balance and who, when and
which rubric.

Kept apart from ``coach.service`` so that file stays small; nothing here checks a
permission (the service has done that before calling) and nothing imports the service.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from coach.coding import CodeResult
from coach.retrieval import Passage
from coach.roleplay import PersonaState, RoleplayEngine
from coach.store import PracticeSession, Store
from coach.teams import with_human_code

# Lines heard in this many of the trainee's latest sessions with a person are said again
# only when nothing else fits (issue 14: "the trainee's last three sessions").
RECENT_SESSIONS = 3

Search = Callable[[str], list[Passage]]
HumanCodes = Mapping[int, tuple[str | None, str | None]]


def heard_lines(store: Store, user_id: int, persona_id: str) -> list[str]:
    """The line keys the trainee heard in their latest sessions with this person."""
    recent = store.list_sessions(user_id, persona_id)[:RECENT_SESSIONS]
    return [key for s in recent for key in s.state.get("used_lines", [])]


def reply_feedback(outcome: Any, engine: RoleplayEngine, delta: float, rubric: Any) -> str:
    """Feedback on this reply: its code, its cue and what the person did with it."""
    from coach.coaching import Reaction, turn_feedback

    reaction = Reaction(engine.card.brief.name, outcome.act, round(delta, 4),
                        tuple(engine.card.item(i).title for i in outcome.unlocked))
    return turn_feedback(outcome.coded, search=None, rubric=rubric, text=outcome.learner,
                         reaction=reaction)


def session_hint(session: PracticeSession, engine: RoleplayEngine, search: Search,
                 exemplars: Any, rubric: Any, secrets: Mapping[str, tuple[str, ...]],
                 previous: Any | None = None) -> Any:
    """What to try next in this session; ``previous`` is the last hint's ``memo()``."""
    from coach.coaching import hint_for

    state = PersonaState.from_dict(session.state)
    history = [(speaker, text) for speaker, text in state.history]
    context = next((t for s, t in reversed(history) if s == "person"), session.opening)
    last_codes = [CodeResult.from_dict(t.coded) for t in (session.turns or [])[-6:]]
    locked = [k for item in engine.card.hidden.items if item.id not in state.unlocked
              for k in item.keywords]
    return hint_for(context, history, last_codes, session.persona_id, search, exemplars,
                    locked=locked, previous=previous, secrets=dict(secrets), rubric=rubric)


def session_report(session: PracticeSession, state: PersonaState, engine: RoleplayEngine,
                   store: Store, search: Search, rubric: Any, human: HumanCodes) -> Any:
    """The report of a finished session, with the supervisor's codes (``human``) in place
    of the coder's wherever they overrode it."""
    from coach.report import HiddenItemResult, ReportMeta, TurnRecord, build_report

    debrief = engine.debrief(state)
    turns = [
        TurnRecord(index=t.index + 1, learner=t.learner,
                   coded=with_human_code(CodeResult.from_dict(t.coded), human.get(t.index)),
                   reply=t.reply, receptivity=t.receptivity, mood=t.mood, unlocked=list(t.unlocked))
        for t in session.turns or []
    ]
    hidden = [
        HiddenItemResult(id=i["id"], title=i["title"], unlocked=i["unlocked"],
                         turn_index=i["unlocked_at"], kind=i["kind"])
        for i in debrief["items"]
    ]
    raised: dict[str, list[int]] = {}
    for t in turns:
        for concern in engine.concerns_raised(t.learner):
            raised.setdefault(concern, []).append(t.index)
    goal = debrief["goal"]
    if goal and goal.get("not_first"):
        goal = goal | {"not_first_turns": [t.index for t in turns
                                           if engine.raises_too_soon(t.learner)]}
    owner = store.get_user(session.user_id)
    # A report rebuilt after an override keeps the time the session really ended.
    kept = (session.report or {}).get("meta") or {}
    ended = kept.get("ended") or (session.ended_at or datetime.now(UTC)).isoformat(
        timespec="seconds")
    meta = ReportMeta(
        session_id=session.id, trainee=owner.username if owner else str(session.user_id),
        persona_id=session.persona_id, persona=debrief["name"],
        started=session.created_at.isoformat(timespec="seconds"),
        ended=ended, rubric_version=rubric.version,
    )
    return build_report(
        debrief["name"], turns, hidden, search, debrief["start_receptivity"], rubric=rubric,
        ended_by=debrief["ended_by"], plan_agreed=debrief["plan_agreed"], goal=goal,
        concerns=[c | {"turns": raised.get(c["id"], [])} for c in debrief["safeguarding"]],
        meta=meta,
    )
