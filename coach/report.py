"""The session report: indicators against MITI-style thresholds, what the person shared and
what stayed hidden, two strengths and two next steps grounded in cited guidance, and a
turn-by-turn timeline; exported as Markdown, JSON and a PNG.

    report = build_report("Debs", turns, hidden, search=guidance_search(kb), start_receptivity=0.3)
    report.to_markdown(); report.to_json(); report.timeline_png(path)

Thresholds and the rules that pick strengths and next steps live in knowledge/rubric.yaml.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coach.coaching import Rubric, RubricError, load_rubric
from coach.coding import CODE_LABELS, STANCE_LABELS
from coach.report_metrics import choose_rules, hidden_metrics, indicators, render, stance_mix
from coach.report_types import (
    Citation,
    HiddenItemResult,
    Indicator,
    Point,
    StanceMix,
    TurnRecord,
    Uncovered,
)
from coach.retrieval import Citer, Search, guidance_search

__all__ = [
    "Citation", "HiddenItemResult", "Indicator", "Point", "RubricError", "SessionReport",
    "StanceMix", "TurnRecord", "Uncovered", "build_report", "guidance_search",
]

SCHEMA_VERSION = 1
KIND_LABELS = {"outcome": "outcome", "fact": "fact", "strength": "strength", "worry": "worry"}


@dataclass(frozen=True)
class SessionReport:
    persona_name: str
    start_receptivity: float
    turns: tuple[TurnRecord, ...]
    hidden: tuple[HiddenItemResult, ...]
    indicators: tuple[Indicator, ...]
    stance_mix: StanceMix
    uncovered: tuple[Uncovered, ...]
    missed: tuple[HiddenItemResult, ...]
    strengths: tuple[Point, ...]
    next_steps: tuple[Point, ...]
    notes: tuple[str, ...] = field(default=())

    # --- looking things up ---------------------------------------------------------------

    def indicator(self, name: str) -> Indicator:
        for row in self.indicators:
            if row.name == name:
                return row
        raise KeyError(name)

    @property
    def end_receptivity(self) -> float:
        return self.turns[-1].receptivity if self.turns else self.start_receptivity

    # --- export ----------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA_VERSION,
            "persona_name": self.persona_name,
            "start_receptivity": self.start_receptivity,
            "end_receptivity": self.end_receptivity,
            "turns": [t.to_dict() for t in self.turns],
            "hidden": [h.to_dict() for h in self.hidden],
            "indicators": [i.to_dict() for i in self.indicators],
            "stance_mix": self.stance_mix.to_dict(),
            "uncovered": [u.to_dict() for u in self.uncovered],
            "missed": [m.to_dict() for m in self.missed],
            "strengths": [p.to_dict() for p in self.strengths],
            "next_steps": [p.to_dict() for p in self.next_steps],
            "notes": list(self.notes),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SessionReport:
        if data.get("schema") != SCHEMA_VERSION:
            raise ValueError(f"unsupported report schema {data.get('schema')!r}")
        return cls(
            persona_name=str(data["persona_name"]),
            start_receptivity=float(data["start_receptivity"]),
            turns=tuple(TurnRecord.from_dict(t) for t in data["turns"]),
            hidden=tuple(HiddenItemResult.from_dict(h) for h in data["hidden"]),
            indicators=tuple(Indicator.from_dict(i) for i in data["indicators"]),
            stance_mix=StanceMix.from_dict(data["stance_mix"]),
            uncovered=tuple(Uncovered.from_dict(u) for u in data["uncovered"]),
            missed=tuple(HiddenItemResult.from_dict(m) for m in data["missed"]),
            strengths=tuple(Point.from_dict(p) for p in data["strengths"]),
            next_steps=tuple(Point.from_dict(p) for p in data["next_steps"]),
            notes=tuple(str(n) for n in data.get("notes", ())),
        )

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    @classmethod
    def from_json(cls, text: str) -> SessionReport:
        return cls.from_dict(json.loads(text))

    def timeline_figure(self) -> Any:
        from coach.report_plot import timeline_figure

        return timeline_figure(
            self.persona_name, self.turns, self.uncovered, self.start_receptivity
        )

    def timeline_png(self, path: Path | str) -> Path:
        from coach.report_plot import save_timeline

        return save_timeline(self.timeline_figure(), Path(path))

    def to_markdown(self) -> str:
        from coach.report_markdown import report_markdown

        return report_markdown(self)


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
) -> SessionReport:
    """Everything the report shows, computed once; ``search`` grounds the strengths and
    next steps in retrieved guidance (``None`` leaves them uncited, with a note)."""
    rubric = rubric or load_rubric()
    turns = sorted(turns, key=lambda t: t.index)
    rows, metrics = indicators(turns, rubric)
    metrics.update(hidden_metrics(hidden, start_receptivity, turns))
    metrics["persona"] = persona_name
    uncovered, missed = _uncovered(hidden, turns)

    citer = Citer(search)
    notes: list[str] = []
    if turns:
        strengths = [
            Point(rule.id, render(rule, metrics), citer.cite(rule.query, rule.keywords))
            for rule in choose_rules(rubric.strengths, metrics, rows)
        ]
    else:
        strengths = []
        notes.append(
            "No replies were recorded in this session, so there is nothing to measure yet: "
            "the indicators show n/a and the next steps are for your first attempt."
        )
    next_steps = [
        Point(rule.id, render(rule, metrics), citer.cite(rule.query, rule.keywords))
        for rule in choose_rules(rubric.next_steps, metrics, rows)
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
    )


def code_label(code: str | None) -> str:
    return CODE_LABELS.get(code or "", code or "")


def stance_label(stance: str | None) -> str:
    return STANCE_LABELS.get(stance or "", stance or "")
