"""The records a session report is built from and made of.

They are strict pydantic models: a stored report is read back exactly
(``SessionReport.from_dict(r.to_dict()) == r``) and a malformed one is refused with the
field that is wrong. Tuples, not lists, keep equality exact after a round trip.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import Field

from coach.coding import CodeResult
from coach.retrieval import Citation
from coach.strict import Strict

BandName = Literal["below fair", "fair", "good", "n/a"]
IndicatorKind = Literal["ratio", "share", "count", "score"]


class TurnRecord(Strict):
    """One trainee reply and how the person took it.

    ``index`` is the turn number as the role-play engine counts it (the first trainee
    reply is 1); hidden items name the turn they unlocked on by the same number.
    """

    index: int
    learner: str
    coded: CodeResult
    reply: str = ""
    receptivity: float
    mood: str = ""
    unlocked: tuple[str, ...] = ()


class HiddenItemResult(Strict):
    """A hidden item of the persona card and whether (and when) the trainee reached it."""

    id: str
    title: str
    unlocked: bool
    turn_index: int | None = None
    kind: str = "outcome"  # "outcome" | "fact" | "strength" | "worry"


class Indicator(Strict):
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

    def level(self, which: float) -> str:
        """A threshold written the way this indicator is shown (2:1, 50%, 3, +0.50)."""
        if self.kind == "ratio":
            return f"{which:g}:1"
        if self.kind == "share":
            return f"{which:.0%}"
        if self.kind == "count":
            return f"{which:.0f}"
        return f"{which:+.2f}"


class Point(Strict):
    """A strength or a next step: what to keep or change, and the guidance behind it."""

    rule: str
    text: str
    citation: Citation | None = None


class Uncovered(Strict):
    """A hidden item the trainee reached, with the reply that reached it."""

    id: str
    title: str
    kind: str
    turn_index: int | None
    learner: str | None  # the trainee's line on that turn, when it is known
    code: str | None = None  # how that line was coded
    reply: str | None = None  # what the person said back


class StanceMix(Strict):
    """How many replies took each stance, and the mean outcomes score."""

    counts: dict[str, int] = Field(default_factory=dict)
    mean_score: float | None = None

    def share(self, stance: str) -> float | None:
        total = sum(self.counts.values())
        return self.counts.get(stance, 0) / total if total else None


class Ending(Strict):
    """How the conversation ended: ``by`` is "person" (they asked the worker to leave),
    "trainee" (ended the session) or "time" (the visit ran out of time)."""

    by: Literal["person", "trainee", "time"]
    text: str


class GoalResult(Strict):
    """The brief's goal and whether the conversation met it."""

    summary: str
    met: bool
    detail: str


class ConcernResult(Strict):
    """A safeguarding concern of the scenario: whether the trainee raised it, and how.
    ``how`` is "curious" (an open question or reflection, not led by the paperwork),
    "paperwork" (read out from the report or the rules) or "direct" (a closed question)."""

    id: str
    title: str
    raised: bool
    turn_index: int | None = None
    how: Literal["curious", "paperwork", "direct"] | None = None
    learner: str | None = None


class ReportMeta(Strict):
    """Who, what and when, for the exported report."""

    session_id: str
    trainee: str
    persona_id: str
    persona: str
    started: str  # ISO 8601
    ended: str | None = None
    rubric_version: int


# Added after schema 1 was in use: written only when set, so an older stored report
# loads and exports exactly as it was.
_OPTIONAL = ("meta", "ending", "goal", "safeguarding")

SCHEMA_VERSION = 1


class SessionReport(Strict):
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
    notes: tuple[str, ...] = ()
    meta: ReportMeta | None = None
    ending: Ending | None = None
    goal: GoalResult | None = None
    safeguarding: tuple[ConcernResult, ...] = ()

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

    def to_dict(self, *, hidden_parts: bool = True) -> dict[str, Any]:
        """The stored and exported form: the fields, with ``schema`` first and the derived
        ``end_receptivity`` after ``start_receptivity`` for readers of the JSON.

        ``hidden_parts=False`` is an export only (it does not read back): without the
        person's receptivity and mood or the hidden items, for a scored transcript."""
        data = self.model_dump(mode="json")
        for name in _OPTIONAL:
            if not data[name]:
                del data[name]
        if not hidden_parts:
            for key in ("start_receptivity", "hidden", "uncovered", "missed"):
                data.pop(key)
            for turn in data["turns"]:
                for key in ("receptivity", "mood", "unlocked"):
                    turn.pop(key)
            return {"schema": SCHEMA_VERSION, **data}
        head = {
            "schema": SCHEMA_VERSION,
            "persona_name": data.pop("persona_name"),
            "start_receptivity": data.pop("start_receptivity"),
            "end_receptivity": self.end_receptivity,
        }
        meta = data.pop("meta", None)
        return ({"schema": head.pop("schema")} | ({"meta": meta} if meta else {})) | head | data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SessionReport:
        fields = dict(data)
        schema = fields.pop("schema", None)
        if schema != SCHEMA_VERSION:
            raise ValueError(f"unsupported report schema {schema!r}")
        fields.pop("end_receptivity", None)  # derived from the turns
        return cls.model_validate(fields)

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    @classmethod
    def from_json(cls, text: str) -> SessionReport:
        return cls.from_dict(json.loads(text))
