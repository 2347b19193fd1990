"""The session report: indicators against MITI-style thresholds, what the person shared and
what stayed hidden, two strengths and two next steps grounded in cited guidance, and a
turn-by-turn timeline; exported as Markdown, JSON and a PNG.

    report = build_report("Debs", turns, hidden, search=guidance_search(kb), start_receptivity=0.3)
    report_markdown(report); report.to_json(); timeline_png(report, path)

Thresholds and the rules that pick strengths and next steps live in knowledge/rubric.yaml.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from coach.coaching import CleanCiter, Rubric, load_rubric
from coach.report._balance import concerns_for, ending_for, extra_next_steps, goal_for
from coach.report._metrics import choose_rules, hidden_metrics, indicators, render, stance_mix
from coach.report._types import (
    HiddenItemResult,
    Point,
    ReportMeta,
    SessionReport,
    TurnRecord,
    Uncovered,
)
from coach.retrieval import Search


def _uncovered(
    hidden: Sequence[HiddenItemResult], turns: Sequence[TurnRecord]
) -> tuple[list[Uncovered], list[HiddenItemResult]]:
    by_index = {t.index: t for t in turns}
    # An item the engine did not date is found by the turn that lists it as unlocked.
    listed = {item: t.index for t in turns for item in t.unlocked}
    uncovered, missed = [], []
    for item in hidden:
        if not item.unlocked:
            missed.append(item)
            continue
        index = item.turn_index if item.turn_index is not None else listed.get(item.id)
        turn = by_index.get(index) if index is not None else None
        uncovered.append(
            Uncovered(
                id=item.id, title=item.title, kind=item.kind, turn_index=index,
                learner=turn.learner if turn else None,
                code=turn.coded.code if turn else None,
                reply=turn.reply if turn else None,
            )
        )
    uncovered.sort(key=lambda u: (u.turn_index is None, u.turn_index or 0))
    return uncovered, missed


def build_report(
    persona_name: str,
    turns: Sequence[TurnRecord],
    hidden: Sequence[HiddenItemResult],
    search: Search | None,
    start_receptivity: float,
    rubric: Rubric | None = None,
    *,
    ended_by: str | None = None,
    plan_agreed: bool = False,
    goal: Mapping[str, Any] | None = None,
    concerns: Sequence[Mapping[str, Any]] = (),
    meta: ReportMeta | None = None,
) -> SessionReport:
    """Everything the report shows, computed once; ``search`` grounds the strengths and
    next steps in retrieved guidance (``None`` leaves them uncited, with a note).

    ``ended_by`` ("person", "trainee", "time"), ``plan_agreed``, the scenario's ``goal``
    (summary, plan_agreed, uncover_any, min_uncovered) and its safeguarding ``concerns``
    (id, title, and the turns that raised each) add how the visit ended, whether the goal
    was met and the safeguarding balance; missing every concern, or the goal, is a next
    step whatever the indicators say."""
    rubric = rubric or load_rubric()
    turns = sorted(turns, key=lambda t: t.index)
    rows, metrics = indicators(turns, rubric)
    metrics.update(hidden_metrics(hidden, start_receptivity, turns))
    metrics["persona"] = persona_name
    uncovered, missed = _uncovered(hidden, turns)

    citer = CleanCiter(search)
    ending = ending_for(ended_by, persona_name, len(turns))
    goal_result = goal_for(goal, plan_agreed, hidden) if turns else None
    safeguarding = concerns_for(concerns, turns) if turns else []
    notes: list[str] = []
    if turns:
        strengths = [
            Point(rule=rule.id, text=render(rule, metrics),
                  citation=citer.cite(rule.query, rule.keywords))
            for rule in choose_rules(rubric.strengths, metrics, rows)
        ]
    else:
        strengths = []
        notes.append(
            "No replies were recorded in this session, so there is nothing to measure yet: "
            "the indicators show n/a and the next steps are for your first attempt."
        )
    next_steps = [
        Point(rule=rule_id, text=text, citation=citer.cite(query, keywords))
        for rule_id, text, query, keywords in extra_next_steps(safeguarding, goal_result)
    ]
    # The rubric's next steps fill the rest: three at most, at least two of the rubric's
    # when nothing above the indicators needs saying.
    room = max(1, 3 - len(next_steps)) if next_steps else 2
    next_steps += [
        Point(rule=rule.id, text=render(rule, metrics),
              citation=citer.cite(rule.query, rule.keywords))
        for rule in choose_rules(rubric.next_steps, metrics, rows, how_many=room)
    ]
    cite_note = citer.note()
    if cite_note:
        notes.append(cite_note)
    return SessionReport(
        persona_name=persona_name,
        start_receptivity=float(start_receptivity),
        turns=tuple(turns),
        hidden=tuple(hidden),
        indicators=tuple(rows),
        stance_mix=stance_mix(turns),
        uncovered=tuple(uncovered),
        missed=tuple(missed),
        strengths=tuple(strengths),
        next_steps=tuple(next_steps),
        notes=tuple(notes),
        meta=meta,
        ending=ending,
        goal=goal_result,
        safeguarding=tuple(safeguarding),
    )
