"""The rubric (rubric.yaml in the knowledge folder): thresholds, strength / next-step rules, hint rules and per-turn
feedback, validated strictly when loaded.

The rubric is data so that a trainer can tune a threshold or reword a next step without
touching code; everything in it is checked here (unknown keys, a condition on a metric
that does not exist, a template naming a value that is never filled) so that a mistake
fails when the file loads, naming the field, rather than in the middle of a report.
"""

from __future__ import annotations

import string
import threading
from pathlib import Path
from typing import Literal

import yaml
from cachetools import LRUCache
from pydantic import Field, ValidationError, field_validator, model_validator

from coach.coding import CODES, STANCES, Code, Stance
from coach.settings import KnowledgeSettings
from coach.strict import Strict

# Session metrics a report rule may test or a template may name, and whether each is a
# number (testable) or text (template only). report_metrics.py fills exactly these.
INDICATOR_KEYS = (
    "reflection_to_question",
    "complex_reflections",
    "open_questions",
    "affirmations",
    "summaries",
    "outcomes_focus",
)
NUMBER_METRICS = frozenset(
    {
        *INDICATOR_KEYS,
        "turns", "reflections", "simple_reflections", "complex_reflection_count", "questions",
        "open_question_count", "closed_questions", "advice", "advice_share", "confronts",
        "information", "outcomes_share", "neutral_share", "paperwork_share",
        "hidden_total", "uncovered", "missed", "outcomes_total", "outcomes_uncovered",
        "outcomes_missed", "start_receptivity", "end_receptivity", "receptivity_change",
        "longest_question_run", "best_turn", "affirmations_fair", "affirmations_good",
        "summaries_fair", "summaries_good",
    }
)
TEXT_METRICS = frozenset(
    {f"{key}_display" for key in INDICATOR_KEYS}
    | {"outcomes_share_display", "neutral_share_display", "paperwork_share_display"}
    | {"best_line", "best_code", "best_stance", "persona"}
    | {"questions_counted", "reflections_times", "summaries_times", "affirmations_counted",
       "affirmations_fair_counted"}
)
METRICS = NUMBER_METRICS | TEXT_METRICS
HINT_VARS = frozenset({"question_run", "replies_since_summary"})
CUE_KINDS = ("emotion", "matters", "strength")
FALLBACK_HINTS = 3


class RubricError(ValueError):
    """A malformed rubric; the message names the file and the field."""


def template_fields(template: str) -> set[str]:
    """The names a str.format template uses ("{a:.0%} {b}" → {"a", "b"})."""
    names = set()
    for _, name, _, _ in string.Formatter().parse(template):
        if name is not None:
            if not name or not name.isidentifier():
                raise ValueError(f"template field {{{name}}} must be a plain name")
            names.add(name)
    return names




class Band(Strict):
    fair: float
    good: float

    @model_validator(mode="after")
    def _ordered(self) -> Band:
        if self.good < self.fair:
            raise ValueError("good must not be lower than fair")
        return self


class CountBand(Strict):
    """A count whose fair/good levels grow with the number of trainee replies."""

    fair_per_10: float = Field(ge=0)
    good_per_10: float = Field(ge=0)
    fair_min: int = Field(ge=0)
    good_min: int = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> CountBand:
        if self.good_per_10 < self.fair_per_10 or self.good_min < self.fair_min:
            raise ValueError("good must not be lower than fair")
        return self


class Thresholds(Strict):
    reflection_to_question: Band
    complex_reflections: Band  # a share of all reflections
    open_questions: Band  # a share of all questions
    affirmations: CountBand
    summaries: CountBand
    outcomes_focus: Band

    @model_validator(mode="after")
    def _shares_in_range(self) -> Thresholds:
        for name in ("complex_reflections", "open_questions"):
            band: Band = getattr(self, name)
            if not (0 <= band.fair <= 1 and 0 <= band.good <= 1):
                raise ValueError(f"{name}: shares are between 0 and 1 (0.5 means 50%)")
        if not (-1 <= self.outcomes_focus.fair <= 1 and -1 <= self.outcomes_focus.good <= 1):
            raise ValueError("outcomes_focus: the outcomes score runs from -1 to 1")
        return self


Level = float | Literal["fair", "good"]


class Condition(Strict):
    """Holds when the metric has a value and at_least <= value < below."""

    metric: str
    at_least: Level | None = None
    below: Level | None = None

    @model_validator(mode="after")
    def _known(self) -> Condition:
        if self.metric not in NUMBER_METRICS:
            raise ValueError(
                f"unknown metric {self.metric!r}; known: {', '.join(sorted(NUMBER_METRICS))}"
            )
        if self.at_least is None and self.below is None:
            raise ValueError("give at_least, below or both")
        named = [v for v in (self.at_least, self.below) if isinstance(v, str)]
        if named and self.metric not in INDICATOR_KEYS:
            raise ValueError(
                f"'fair' and 'good' only exist for indicators ({', '.join(INDICATOR_KEYS)})"
            )
        return self


class Rule(Strict):
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    group: str = Field(min_length=1)
    when: tuple[Condition, ...] = ()
    text: str = Field(min_length=1)
    query: str = Field(min_length=3)
    keywords: tuple[str, ...] = ()

    @field_validator("text")
    @classmethod
    def _fields_known(cls, text: str) -> str:
        unknown = template_fields(text) - METRICS
        if unknown:
            raise ValueError(f"text names unknown values: {', '.join(sorted(unknown))}")
        return " ".join(text.split())


def _enough_fallbacks(rules: tuple[Rule, ...], what: str) -> tuple[Rule, ...]:
    ids = [r.id for r in rules]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{what}: rule ids must be unique")
    unconditional = {r.group for r in rules if not r.when}
    if len(unconditional) < 2:
        raise ValueError(
            f"{what}: needs at least two rules without conditions, in different groups, "
            "so that a report always has two"
        )
    return rules


class HintWhen(Strict):
    last_code_in: tuple[Code, ...] | None = None
    last_stance_in: tuple[Stance, ...] | None = None
    person_cue: Literal["emotion", "matters", "strength"] | None = None
    question_run_at_least: int | None = Field(None, ge=1)
    replies_since_summary_at_least: int | None = Field(None, ge=1)
    no_replies: bool | None = None

    @property
    def empty(self) -> bool:
        return all(v is None for v in self.model_dump().values())


class HintRule(Strict):
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    when: HintWhen
    skill: Code
    suggestion: str = Field(min_length=1)
    query: str = Field(min_length=3)
    keywords: tuple[str, ...] = ()

    @field_validator("suggestion")
    @classmethod
    def _fields_known(cls, text: str) -> str:
        unknown = template_fields(text) - HINT_VARS
        if unknown:
            raise ValueError(f"suggestion names unknown values: {', '.join(sorted(unknown))}")
        return " ".join(text.split())


class Cues(Strict):
    emotion: tuple[str, ...] = Field(min_length=1)
    matters: tuple[str, ...] = Field(min_length=1)
    strength: tuple[str, ...] = Field(min_length=1)


class Hints(Strict):
    cues: Cues
    rules: tuple[HintRule, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _always_a_hint(self) -> Hints:
        # A hint never repeats the previous one's skill nor suggests the skill just used,
        # so three unconditional rules with three different skills always leave one.
        last = self.rules[-FALLBACK_HINTS:]
        if len(last) < FALLBACK_HINTS or not all(r.when.empty for r in last) or len(
            {r.skill for r in last}
        ) < FALLBACK_HINTS:
            raise ValueError(
                f"rules: the last hint rule must have no conditions (when: {{}}), nor the "
                f"{FALLBACK_HINTS - 1} before it, and those {FALLBACK_HINTS} must suggest "
                "different skills"
            )
        return self


class CodeFeedback(Strict):
    text: str = Field(min_length=1)
    query: str = Field(min_length=3)
    keywords: tuple[str, ...] = ()


class TurnFeedback(Strict):
    codes: dict[Code, CodeFeedback]
    stances: dict[Stance, str]

    @model_validator(mode="after")
    def _complete(self) -> TurnFeedback:
        missing = [c for c in CODES if c not in self.codes] + [
            s for s in STANCES if s not in self.stances
        ]
        if missing:
            raise ValueError(f"feedback is missing for: {', '.join(missing)}")
        return self


class Rubric(Strict):
    version: Literal[1]
    thresholds: Thresholds
    strengths: tuple[Rule, ...]
    next_steps: tuple[Rule, ...]
    hints: Hints
    turn_feedback: TurnFeedback

    @field_validator("strengths")
    @classmethod
    def _strengths(cls, rules: tuple[Rule, ...]) -> tuple[Rule, ...]:
        return _enough_fallbacks(rules, "strengths")

    @field_validator("next_steps")
    @classmethod
    def _next_steps(cls, rules: tuple[Rule, ...]) -> tuple[Rule, ...]:
        return _enough_fallbacks(rules, "next_steps")


def _describe(exc: ValidationError) -> str:
    lines = []
    for err in exc.errors():
        where = ".".join(str(part) for part in err["loc"]) or "(top level)"
        lines.append(f"{where}: {err['msg']}")
    return "; ".join(lines)


def parse_rubric(raw: object, origin: str = "rubric") -> Rubric:
    try:
        return Rubric.model_validate(raw)
    except ValidationError as exc:
        raise RubricError(f"{origin}: {_describe(exc)}") from exc


def load_rubric(path: Path | None = None) -> Rubric:
    """Read and validate a rubric file; cached until the file changes.

    Callers with settings pass ``settings.knowledge.rubric_path`` (so COACH_KNOWLEDGE_DIR
    applies); without a path this is the knowledge settings' default, the packaged rubric.
    """
    path = Path(path) if path is not None else KnowledgeSettings.model_construct().rubric_path
    try:
        stat = path.stat()
    except OSError as exc:
        raise RubricError(f"{path}: cannot read: {exc}") from exc
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    with _lock:
        cached = _cache.get(key[0])
        if cached and cached[0] == key:
            return cached[1]
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise RubricError(f"{path}: cannot read: {exc}") from exc
    rubric = parse_rubric(raw, str(path))
    with _lock:
        _cache[key[0]] = (key, rubric)
    return rubric


_lock = threading.Lock()
_cache: LRUCache[str, tuple[tuple[str, int, int], Rubric]] = LRUCache(maxsize=8)
