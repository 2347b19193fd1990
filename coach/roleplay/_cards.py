"""Persona cards: the people a trainee talks to, as validated YAML under knowledge/personas/.

A card keeps three audiences apart:

* ``brief`` — what the trainee reads before the visit (and may see at any time);
* ``voice`` — how the person talks; safe to put in an LLM prompt, it holds nothing hidden;
* ``hidden`` — what matters to the person, private facts, strengths, worries, triggers,
  stage of change and starting receptivity. Each hidden item unlocks only when the
  conversation earns it; until then the engine keeps it away from the UI and from any
  prompt. ``facilitator_notes`` are for supervisors.

``lines`` are the scripted banks the person speaks from, per act and mood. A surface
line may lean on hidden items only by naming them in ``needs``; the card refuses to load
if any line mentions a hidden item's key phrases without declaring it, so an authored
line can never leak something that is still locked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BeforeValidator,
    Field,
    field_validator,
    model_validator,
)

from coach.strict import Strict, load_named_file

Mood = Literal["shut_down", "guarded", "warming", "open"]
MOODS: tuple[Mood, ...] = ("shut_down", "guarded", "warming", "open")
MOOD_LABELS: dict[str, str] = {
    "shut_down": "shut down",
    "guarded": "guarded",
    "warming": "warming",
    "open": "open",
}
Stage = Literal["precontemplation", "contemplation", "preparation", "action"]
STAGES: tuple[Stage, ...] = ("precontemplation", "contemplation", "preparation", "action")
ItemKind = Literal["outcome", "worry", "fact", "strength"]
# Acts that speak from a bank of surface lines (``disclose`` speaks from a hidden item).
BANK_ACTS = (
    "deflect", "defend", "short_answer", "answer", "agree_plan", "end", "off_topic",
)

_ID = r"^[a-z][a-z0-9_]*$"


class PersonaError(ValueError):
    """A malformed persona card; the message names the file and the field."""




def _text(value: str) -> str:
    value = " ".join(str(value).split())
    if not value:
        raise ValueError("must not be blank")
    return value


Text = Annotated[str, BeforeValidator(_text)]


def phrase_pattern(phrases: Iterable[str]) -> re.Pattern[str] | None:
    """One case-insensitive pattern matching any phrase on word boundaries."""
    parts = [re.escape(p.lower().strip()) for p in phrases if p.strip()]
    if not parts:
        return None
    parts.sort(key=len, reverse=True)
    return re.compile(r"(?<![\w£])(?:" + "|".join(parts) + r")(?![\w])", re.IGNORECASE)


class SourceRef(Strict):
    file: Text
    note: Text


class Brief(Strict):
    """Everything here is shown to the trainee."""

    name: Text
    age: int | None = Field(None, ge=0, le=120)
    role_of_trainee: Text  # who the trainee is on this visit
    situation: Text
    why_visiting: Text
    your_goal: Text


class Voice(Strict):
    """How the person talks. Goes into LLM prompts: must hold nothing hidden."""

    summary: Text
    notes: tuple[Text, ...] = Field(min_length=1)


class Unlock(Strict):
    """When a hidden item may be shared.

    It unlocks when receptivity is at least ``min_receptivity`` and either the trainee's
    reply touches the topic (a keyword in ``topics`` or embedding similarity to
    ``topic_text``) or receptivity has reached ``volunteer_at`` (the person brings it up
    unprompted). Items in ``requires`` must be unlocked first.
    """

    min_receptivity: float = Field(ge=0, le=1)
    topics: tuple[Text, ...] = ()
    topic_text: Text | None = None
    volunteer_at: float | None = Field(None, ge=0, le=1)
    requires: tuple[str, ...] = ()
    # Kept for sustained good practice: only after this many replies that helped.
    after_good_turns: int = Field(0, ge=0, le=30)

    @model_validator(mode="after")
    def _reachable(self) -> Unlock:
        if not self.topics and self.topic_text is None and self.volunteer_at is None:
            raise ValueError("needs topics, topic_text or volunteer_at, or it can never unlock")
        if self.volunteer_at is not None and self.volunteer_at < self.min_receptivity:
            raise ValueError("volunteer_at is below min_receptivity")
        return self


class HiddenItem(Strict):
    id: Annotated[str, Field(pattern=_ID)]
    kind: ItemKind
    title: Text  # shown to the trainee once unlocked
    statement: Text | None = None  # the outcome in the person's own words
    keywords: tuple[Text, ...] = Field(min_length=1)  # phrases that would give it away
    unlock: Unlock
    lines: tuple[Text, ...] = Field(min_length=3)

    @model_validator(mode="after")
    def _outcome_has_statement(self) -> HiddenItem:
        if self.kind == "outcome" and not self.statement:
            raise ValueError("an outcome item needs a statement in the person's own words")
        return self


class Trigger(Strict):
    """Words that hit a nerve: saying them costs receptivity, with ``reason`` shown."""

    id: Annotated[str, Field(pattern=_ID)]
    phrases: tuple[Text, ...] = Field(min_length=1)
    delta: float = Field(lt=0, ge=-0.4)
    reason: Text


class Hidden(Strict):
    stage_of_change: Stage
    starting_receptivity: float = Field(ge=0.1, le=0.9)
    end_below: float = Field(0.08, ge=0, le=0.3)  # the person may end the visit below this
    # ... after this many costly replies in a row: how much the person will take.
    patience: int = Field(5, ge=2, le=20)
    items: tuple[HiddenItem, ...] = Field(min_length=3)
    triggers: tuple[Trigger, ...] = ()
    # A first step is agreed only after this many replies that helped, however warm.
    plan_after_good_turns: int = Field(0, ge=0, le=30)
    # The visit's length in trainee turns: then the person has to go (the visit ran out of time).
    visit_turns: int = Field(30, ge=5, le=200)


def _line(value: object) -> object:
    return {"text": value} if isinstance(value, str) else value


class Line(Strict):
    text: Text
    needs: tuple[str, ...] = ()  # hidden items that must be unlocked before it can be said
    # What the line answers, when its words alone don't say (“She's eight.” — about
    # Megan's age): used only to match the line to the trainee's words, never said.
    about: Text | None = None


LineT = Annotated[Line, BeforeValidator(_line)]
MoodKey = Literal["shut_down", "guarded", "warming", "open", "any"]
Bank = dict[MoodKey, tuple[LineT, ...]]


class TopicAnswer(Strict):
    """Lines that answer one kind of question (date of birth and GP, the police report,
    small talk …) in the person's voice, per mood: said whenever the trainee's turn is
    about ``about`` (one of ``cues`` in their words, or close in meaning), so a factual
    question gets a factual answer — curt, when the person is cross."""

    id: Annotated[str, Field(pattern=_ID)]
    about: Text
    cues: tuple[Text, ...] = Field(min_length=1)
    lines: Bank

    @field_validator("lines")
    @classmethod
    def _not_empty(cls, bank: Bank) -> Bank:
        if not any(bank.values()):
            raise ValueError("needs at least one line")
        return bank


class Lines(Strict):
    opening: tuple[LineT, ...] = Field(min_length=1)
    # Replies to the trainee's first turn: chosen by what they said and the session's
    # seed, so two sessions need not start the same way.
    first_reply: tuple[LineT, ...] = ()
    topics: tuple[TopicAnswer, ...] = ()
    # When the visit runs out of time.
    time_up: tuple[LineT, ...] = ()
    deflect: Bank
    defend: Bank
    short_answer: Bank
    answer: Bank
    agree_plan: Bank
    end: Bank
    off_topic: Bank

    @field_validator(*BANK_ACTS)
    @classmethod
    def _not_empty(cls, bank: Bank) -> Bank:
        if not any(bank.values()):
            raise ValueError("needs at least one line")
        return bank

    def bank(self, act: str) -> Bank:
        return getattr(self, act)


class Concern(Strict):
    """A safeguarding concern the visit has to reach, whatever else it does (where Megan
    went, the drinking …): ``phrases`` are words a trainee would use to raise it."""

    id: Annotated[str, Field(pattern=_ID)]
    title: Text
    phrases: tuple[Text, ...] = Field(min_length=1)


class NotFirst(Strict):
    """A subject the brief says must wait until the person has said what matters (for Mr
    Britton, where he should live): raised by any of its phrases in a trainee's line."""

    title: Text
    phrases: tuple[Text, ...] = Field(min_length=1)


class Goal(Strict):
    """What the brief's goal asks for, as something the report can check."""

    summary: Text  # in the brief's words: "agree one first step together"
    plan_agreed: bool = False  # the person agreed a first step
    uncover_any: tuple[str, ...] = ()  # at least one of these hidden items came out
    min_uncovered: int = Field(0, ge=0)
    # Not to be raised before one of ``uncover_any`` has come out.
    not_first: NotFirst | None = None


class PersonaCard(Strict):
    id: Annotated[str, Field(pattern=_ID)]
    version: int = Field(1, ge=1)
    brief: Brief
    voice: Voice
    hidden: Hidden
    lines: Lines
    facilitator_notes: tuple[Text, ...] = Field(min_length=1)
    sources: tuple[SourceRef, ...] = Field(min_length=1)
    safeguarding: tuple[Concern, ...] = ()
    goal: Goal | None = None

    @model_validator(mode="after")
    def _consistent(self) -> PersonaCard:
        ids = [item.id for item in self.hidden.items]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"hidden item ids used twice: {dupes}")
        known = set(ids)
        for item in self.hidden.items:
            missing = set(item.unlock.requires) - known
            if missing:
                raise ValueError(f"hidden item {item.id!r} requires unknown items {sorted(missing)}")
            if item.id in item.unlock.requires:
                raise ValueError(f"hidden item {item.id!r} requires itself")
            self._check_leaks(f"hidden item {item.id!r}", item.lines, set(item.unlock.requires) | {item.id})
        if self.goal:
            unknown = set(self.goal.uncover_any) - known
            if unknown:
                raise ValueError(f"goal.uncover_any names unknown items {sorted(unknown)}")
        banks: list[tuple[str, Any]] = [
            (act, getattr(self.lines, act)) for act in ("opening", "first_reply", "time_up", *BANK_ACTS)
        ]
        banks += [(f"topics.{t.id}", t.lines) for t in self.lines.topics]
        for act, value in banks:
            groups = {"any": value} if isinstance(value, tuple) else value
            for mood, lines in groups.items():
                for n, line in enumerate(lines):
                    missing = set(line.needs) - known
                    if missing:
                        raise ValueError(f"lines.{act}.{mood}[{n}] needs unknown items {sorted(missing)}")
                    self._check_leaks(f"lines.{act}.{mood}[{n}]", (line.text,), set(line.needs))
        return self

    def _check_leaks(self, where: str, texts: Iterable[str], allowed: set[str]) -> None:
        for item in self.hidden.items:
            if item.id in allowed:
                continue
            pattern = phrase_pattern(item.keywords)
            for text in texts:
                hit = pattern.search(text) if pattern else None
                if hit:
                    raise ValueError(
                        f"{where} says {hit.group(0)!r}, a key phrase of hidden item "
                        f"{item.id!r}; add it to needs/requires or reword the line"
                    )

    # --- convenience -------------------------------------------------------------------

    @property
    def name(self) -> str:
        return self.brief.name

    @cached_property
    def items_by_id(self) -> dict[str, HiddenItem]:
        return {item.id: item for item in self.hidden.items}

    def item(self, item_id: str) -> HiddenItem:
        return self.items_by_id[item_id]

    def secret_phrases(self) -> tuple[str, ...]:
        """Lower-cased phrases that would give a hidden item away: its key phrases, and
        every sentence of its lines and its statement (for keeping them out of hints)."""
        from coach.text import split_sentences

        phrases: list[str] = []
        for item in self.hidden.items:
            phrases += [k.lower() for k in item.keywords]
            for text in (*item.lines, item.statement or ""):
                phrases += [" ".join(s.lower().split()) for s in split_sentences(text) if s.strip()]
        return tuple(dict.fromkeys(p for p in phrases if p))


def load_card(path: Path) -> PersonaCard:
    """Load and validate one card; ``PersonaError`` names the file and the field."""
    return load_named_file(path, PersonaCard, "persona card", PersonaError)


def load_personas(directory: Path) -> dict[str, PersonaCard]:
    """Every ``*.yaml`` card in ``directory``, keyed by id, in file-name order."""
    directory = Path(directory)
    if not directory.is_dir():
        raise PersonaError(f"{directory}: no such persona directory")
    cards = {card.id: card for card in (load_card(p) for p in sorted(directory.glob("*.yaml")))}
    if not cards:
        raise PersonaError(f"{directory}: no persona cards (*.yaml) found")
    return cards
