"""The report's view of the visit as a whole: how it ended, whether the brief's goal was
met, and the safeguarding balance — did the conversation reach the scenario's concerns,
and how (with curiosity, as the guidance describes, or by reading out the report).

The scenario's facts come in as plain data (the service reads them from the persona card
and the engine's debrief), so the report depends on no persona code.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from coach.report._types import ConcernResult, Ending, GoalResult, HiddenItemResult, TurnRecord
from coach.text import joined

CURIOUS_CODES = frozenset(
    {"open_question", "reflection_simple", "reflection_complex", "summary", "affirmation"}
)

SAFEGUARDING_STEP = (
    "Name the safeguarding worries as well as what matters: this conversation never reached "
    "{missing}. Ask about them openly and with curiosity (“Can you help me understand what "
    "happened with …?”), after you have listened, rather than leaving them out or reading them "
    "from the report."
)
PAPERWORK_STEP = (
    "You raised {concerns} — led by the form, the report or the risk. Next time, say honestly "
    "what the worry is and ask how the person sees it, so that they can tell you their side."
)
GOAL_STEP = "Work towards the brief's goal — {goal} — which this conversation did not reach{why}."


def ending_for(ended_by: str | None, name: str, turns: int) -> Ending | None:
    if ended_by == "person":
        return Ending(by="person", text=f"{name} asked you to leave after {turns} "
                                        f"{'reply' if turns == 1 else 'replies'}: the visit ended on their terms.")
    if ended_by == "time":
        return Ending(by="time", text=f"The visit ran out of time after {turns} replies.")
    if ended_by == "trainee":
        return Ending(by="trainee", text=f"You ended the session after {turns} "
                                         f"{'reply' if turns == 1 else 'replies'}.")
    return None


def goal_for(
    goal: Mapping[str, Any] | None, plan_agreed: bool, hidden: Sequence[HiddenItemResult]
) -> GoalResult | None:
    if not goal:
        return None
    shared = {h.id for h in hidden if h.unlocked}
    titles = {h.id: h.title for h in hidden}
    gaps = []
    if goal.get("plan_agreed") and not plan_agreed:
        gaps.append("no first step was agreed")
    wanted = list(goal.get("uncover_any") or ())
    if wanted and not shared & set(wanted):
        gaps.append("the person did not get to tell you " + " or ".join(
            f"“{titles.get(i, i)}”" for i in wanted))
    if len(shared) < int(goal.get("min_uncovered") or 0):
        gaps.append(f"fewer than {goal['min_uncovered']} things that matter came out")
    too_soon = _too_soon(goal, wanted, hidden)
    if too_soon is not None:
        gaps.append(f"you raised {goal['not_first']['title']} (reply {too_soon}) before the "
                    "person had told you what matters to them")
    summary = str(goal["summary"])
    if gaps:
        return GoalResult(summary=summary, met=False, detail="Not met: " + "; ".join(gaps) + ".")
    done = []
    if goal.get("plan_agreed"):
        done.append("a first step was agreed together")
    if wanted:
        done.append("the person told you " + ", ".join(
            f"“{titles[i]}”" for i in wanted if i in shared))
    return GoalResult(summary=summary, met=True, detail="Met: " + "; ".join(done or ["yes"]) + ".")


def _too_soon(goal: Mapping[str, Any], wanted: Sequence[str],
              hidden: Sequence[HiddenItemResult]) -> int | None:
    """The first reply that raised the goal's ``not_first`` subject before any of the
    items it waits for came out (None if it waited, or the goal has no such subject)."""
    raised = sorted(goal.get("not_first_turns") or ())
    if not goal.get("not_first") or not raised:
        return None
    came_out = [h.turn_index for h in hidden
                if h.unlocked and h.id in wanted and h.turn_index is not None]
    first = min(came_out, default=None)
    return raised[0] if first is None or raised[0] < first else None


def _how(turn: TurnRecord) -> str:
    if turn.coded.stance == "paperwork" or turn.coded.code in ("confront", "advice"):
        return "paperwork"
    if turn.coded.code in CURIOUS_CODES:
        return "curious"
    return "direct"


def concerns_for(
    concerns: Sequence[Mapping[str, Any]], turns: Sequence[TurnRecord]
) -> list[ConcernResult]:
    """Each concern with the turn that first raised it, judged by the best way it was
    raised (a curious turn counts even after a paperwork-led one)."""
    by_index = {t.index: t for t in turns}
    out = []
    order = {"curious": 0, "direct": 1, "paperwork": 2}
    for concern in concerns:
        raised = [by_index[i] for i in concern.get("turns", ()) if i in by_index]
        if not raised:
            out.append(ConcernResult(id=concern["id"], title=concern["title"], raised=False))
            continue
        best = min(raised, key=lambda t: (order[_how(t)], t.index))
        out.append(ConcernResult(id=concern["id"], title=concern["title"], raised=True,
                                 turn_index=best.index, how=_how(best), learner=best.learner))
    return out


def _lower_first(title: str) -> str:
    """'Where Megan went' -> 'where Megan went': names keep their capitals."""
    return title[:1].lower() + title[1:]


def extra_next_steps(
    concerns: Sequence[ConcernResult], goal: GoalResult | None
) -> list[tuple[str, str, str, tuple[str, ...]]]:
    """Next steps the indicators cannot override: (rule id, text, query, keywords)."""
    steps: list[tuple[str, str, str, tuple[str, ...]]] = []
    missing = [_lower_first(c.title) for c in concerns if not c.raised]
    if concerns and len(missing) == len(concerns):
        steps.append((
            "name_the_safeguarding_worries",
            SAFEGUARDING_STEP.format(missing=joined(missing, "or")),
            "balancing rights and risks, honest conversations about concerns and safety",
            ("risk", "safe", "honest"),
        ))
    elif concerns and all(c.how == "paperwork" for c in concerns if c.raised):
        steps.append((
            "raise_worries_with_curiosity",
            PAPERWORK_STEP.format(concerns=joined([_lower_first(c.title) for c in concerns
                                                   if c.raised])),
            "balancing rights and risks, honest conversations about concerns and safety",
            ("risk", "safe", "honest"),
        ))
    if goal is not None and not goal.met:
        why = goal.detail.removeprefix("Not met:").rstrip(".")
        steps.append((
            "work_towards_the_goal", GOAL_STEP.format(goal=goal.summary, why=f" ({why.strip()})"),
            "agree personal outcomes and next steps together with the person",
            ("agree", "together", "next steps"),
        ))
    return steps
