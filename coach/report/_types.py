"""The plain records a session report is built from and made of.

Every record converts to and from a JSON-ready dict, so that a stored report can be read
back exactly (``SessionReport.from_dict(r.to_dict()) == r``). Tuples, not lists, keep
the records hashable and their equality exact after a round trip.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

from coach.coding import CodeResult
from coach.retrieval import Citation

BandName = Literal["below fair", "fair", "good", "n/a"]
IndicatorKind = Literal["ratio", "share", "count", "score"]


@dataclass(frozen=True)
class TurnRecord:
    """One trainee reply and how the person took it.

    ``index`` is the turn number as the role-play engine counts it (the first trainee
    reply is 1); hidden items name the turn they unlocked on by the same number.
    """

    index: int
    learner: str
    coded: CodeResult
    reply: str
    receptivity: float
    mood: str
    unlocked: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # Callers pass lists; a tuple keeps the record hashable and comparable.
        object.__setattr__(self, "unlocked", tuple(self.unlocked))

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "learner": self.learner,
            "coded": self.coded.to_dict(),
            "reply": self.reply,
            "receptivity": self.receptivity,
            "mood": self.mood,
            "unlocked": list(self.unlocked),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TurnRecord:
        return cls(
            index=int(data["index"]),
            learner=str(data["learner"]),
            coded=CodeResult.from_dict(data["coded"]),
            reply=str(data.get("reply", "")),
            receptivity=float(data["receptivity"]),
            mood=str(data.get("mood", "")),
            unlocked=tuple(str(u) for u in data.get("unlocked", ())),
        )


@dataclass(frozen=True)
class HiddenItemResult:
    """A hidden item of the persona card and whether (and when) the trainee reached it."""

    id: str
    title: str
    unlocked: bool
    turn_index: int | None = None
    kind: str = "outcome"  # "outcome" | "fact" | "strength" | "worry"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "title": self.title, "unlocked": self.unlocked,
            "turn_index": self.turn_index, "kind": self.kind,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> HiddenItemResult:
        turn = data.get("turn_index")
        return cls(
            id=str(data["id"]), title=str(data["title"]), unlocked=bool(data["unlocked"]),
            turn_index=None if turn is None else int(turn), kind=str(data.get("kind", "outcome")),
        )


@dataclass(frozen=True)
class Indicator:
    """One session measure against its fair and good levels.

    ``name`` is the stable key ("reflection_to_question", "complex_reflections",
    "open_questions", "affirmations", "summaries", "outcomes_focus"); ``label`` is
    what a person reads.
    """

    name: str
    label: str
    value: float | None
    display: str
    fair: float
    good: float
    band: BandName
    explanation: str
    kind: IndicatorKind

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "label": self.label, "value": self.value, "display": self.display,
            "fair": self.fair, "good": self.good, "band": self.band,
            "explanation": self.explanation, "kind": self.kind,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Indicator:
        value = data.get("value")
        return cls(
            name=str(data["name"]), label=str(data["label"]),
            value=None if value is None else float(value), display=str(data["display"]),
            fair=float(data["fair"]), good=float(data["good"]), band=data["band"],
            explanation=str(data["explanation"]), kind=data["kind"],
        )

    def level(self, which: float) -> str:
        """A threshold written the way this indicator is shown (2:1, 50%, 3, +0.50)."""
        if self.kind == "ratio":
            return f"{which:g}:1"
        if self.kind == "share":
            return f"{which:.0%}"
        if self.kind == "count":
            return f"{which:.0f}"
        return f"{which:+.2f}"


@dataclass(frozen=True)
class Point:
    """A strength or a next step: what to keep or change, and the guidance behind it."""

    rule: str
    text: str
    citation: Citation | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule, "text": self.text,
            "citation": self.citation.to_dict() if self.citation else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Point:
        cited = data.get("citation")
        return cls(
            rule=str(data["rule"]), text=str(data["text"]),
            citation=Citation.from_dict(cited) if cited else None,
        )


@dataclass(frozen=True)
class Uncovered:
    """A hidden item the trainee reached, with the reply that reached it."""

    id: str
    title: str
    kind: str
    turn_index: int | None
    learner: str | None  # the trainee's line on that turn, when it is known
    code: str | None = None  # how that line was coded
    reply: str | None = None  # what the person said back

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "title": self.title, "kind": self.kind,
            "turn_index": self.turn_index, "learner": self.learner, "code": self.code,
            "reply": self.reply,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Uncovered:
        turn = data.get("turn_index")
        return cls(
            id=str(data["id"]), title=str(data["title"]), kind=str(data["kind"]),
            turn_index=None if turn is None else int(turn), learner=data.get("learner"),
            code=data.get("code"), reply=data.get("reply"),
        )


@dataclass(frozen=True)
class StanceMix:
    """How many replies took each stance, and the mean outcomes score."""

    counts: dict[str, int] = field(default_factory=dict)
    mean_score: float | None = None

    def share(self, stance: str) -> float | None:
        total = sum(self.counts.values())
        return self.counts.get(stance, 0) / total if total else None

    def to_dict(self) -> dict[str, Any]:
        return {"counts": dict(self.counts), "mean_score": self.mean_score}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StanceMix:
        mean = data.get("mean_score")
        return cls(
            counts={str(k): int(v) for k, v in data.get("counts", {}).items()},
            mean_score=None if mean is None else float(mean),
        )


SCHEMA_VERSION = 1


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
