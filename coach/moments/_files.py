"""Moment files: a persona at a point in a conversation, as validated YAML under
knowledge/moments/ (one moment per file, the file named after its id).

    id: debs_take_him_into_care
    persona: debs
    title: "Fine, take him into care then"
    source: {file: transcript-debs-visit-1-paperwork.md, note: ...}
    conversation:                 # what came before, oldest first; may be empty
      - {speaker: worker, text: ...}
      - {speaker: person, text: ...}
    last_words: "Fine, take him into care then. I've had enough of it anyway."
    state:                        # the person's state as they say their last words
      receptivity: 0.14
      mood: shut_down             # must agree with receptivity: it catches slips
      stage: precontemplation
      unlocked: []                # hidden items already shared
      negative_run: 3             # costly replies in a row before this point
      closed_run: 0               # closed questions in a row before this point

A moment is checked against its persona card as well as on its own: the persona exists,
unlocked items exist and have what they require, and nothing the person says in the
moment gives away an item that is still locked (the card's own leak rule), so a moment
can never show a trainee something the conversation has not earned.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BeforeValidator, Field, ValidationError, model_validator

from coach.roleplay import Mood, PersonaCard, PersonaState, Stage, load_personas, phrase_pattern
from coach.settings import DEFAULT_KNOWLEDGE_DIR
from coach.strict import Strict, load_named_file

_ID = r"^[a-z][a-z0-9_]*$"
# The person's words in a verbatim moment: long enough for any one turn, short enough
# that a pasted document is refused rather than coded as "what they said".
MAX_WORDS_CHARS = 2000


class MomentError(ValueError):
    """A malformed or unknown moment; the message names the file (or id) and the field."""


def _text(value: object) -> str:
    value = " ".join(str(value).split())
    if not value:
        raise ValueError("must not be blank")
    return value


Text = Annotated[str, BeforeValidator(_text)]


class Said(Strict):
    speaker: Literal["worker", "person"]
    text: Annotated[Text, Field(max_length=MAX_WORDS_CHARS)]


class SourceRef(Strict):
    file: Text
    note: Text


class MomentState(Strict):
    receptivity: float = Field(ge=0, le=1)
    mood: Mood
    stage: Stage
    unlocked: tuple[str, ...] = ()
    negative_run: int = Field(0, ge=0, le=20)
    closed_run: int = Field(0, ge=0, le=20)

    @model_validator(mode="after")
    def _mood_matches(self) -> MomentState:
        actual = PersonaState(persona="x", receptivity=self.receptivity,
                              start_receptivity=self.receptivity, stage=self.stage).mood
        if actual != self.mood:
            raise ValueError(
                f"mood {self.mood!r} does not match receptivity {self.receptivity} "
                f"(which is {actual!r})"
            )
        if len(set(self.unlocked)) != len(self.unlocked):
            raise ValueError("an unlocked item is listed twice")
        return self


class Moment(Strict):
    id: Annotated[str, Field(pattern=_ID)]
    persona: Annotated[str, Field(pattern=_ID)]
    title: Text
    source: SourceRef | None = None  # None only for a moment made from a session or words
    conversation: tuple[Said, ...] = ()
    last_words: Annotated[Text, Field(max_length=MAX_WORDS_CHARS)]
    state: MomentState

    @model_validator(mode="after")
    def _turns_alternate(self) -> Moment:
        speakers = [s.speaker for s in self.conversation] + ["person"]
        for n, (a, b) in enumerate(zip(speakers, speakers[1:], strict=False)):
            if a == b:
                where = f"conversation[{n + 1}]" if n + 1 < len(self.conversation) else "last_words"
                raise ValueError(f"{where}: the {b} speaks twice in a row; turns must alternate")
        return self

    @property
    def history(self) -> list[list[str]]:
        """The conversation with the last words, as ``PersonaState.history`` keeps it."""
        return [*([s.speaker, s.text] for s in self.conversation), ["person", self.last_words]]

    @property
    def worker_turns(self) -> int:
        return sum(1 for s in self.conversation if s.speaker == "worker")

    def check_against(self, card: PersonaCard) -> None:
        """``ValueError`` when the moment does not fit its persona card."""
        if card.id != self.persona:
            raise ValueError(f"persona {self.persona!r} does not match card {card.id!r}")
        known = set(card.items_by_id)
        unknown = sorted(set(self.state.unlocked) - known)
        if unknown:
            raise ValueError(f"state.unlocked names unknown items {unknown}")
        unlocked = set(self.state.unlocked)
        for item_id in self.state.unlocked:
            missing = sorted(set(card.item(item_id).unlock.requires) - unlocked)
            if missing:
                raise ValueError(f"state.unlocked: {item_id!r} requires {missing} unlocked too")
        said = [(f"conversation[{n}]", s.text) for n, s in enumerate(self.conversation)
                if s.speaker == "person"] + [("last_words", self.last_words)]
        for item in card.hidden.items:
            if item.id in unlocked:
                continue
            pattern = phrase_pattern(item.keywords)
            for where, text in said:
                hit = pattern.search(text) if pattern else None
                if hit:
                    raise ValueError(
                        f"{where} says {hit.group(0)!r}, a key phrase of hidden item "
                        f"{item.id!r}, which is still locked: unlock it or reword the line"
                    )

    def persona_state(self, card: PersonaCard) -> PersonaState:
        """A fresh engine state at this moment: every call gets its own, so one reply's
        reaction never carries into another's."""
        self.check_against(card)
        turn = self.worker_turns
        opening = "opening.any.0"  # the moment's own words stand for the opening
        return PersonaState(
            persona=card.id,
            receptivity=self.state.receptivity,
            start_receptivity=card.hidden.starting_receptivity,
            stage=self.state.stage,
            turn=turn,
            unlocked={item_id: turn for item_id in self.state.unlocked},
            used_lines=[opening],
            history=self.history,
            closed_run=self.state.closed_run,
            negative_run=self.state.negative_run,
            opening_key=opening,
        )

    @classmethod
    def from_state(cls, card: PersonaCard, state: PersonaState, *, id: str, title: str) -> Moment:
        """The moment a role-play state stands at: its history up to the person's last
        words, its receptivity, stage, what has been shared and its runs of costly and
        closed replies. ``MomentError`` if the state does not end on the person's words or
        does not fit the card."""
        history = [list(said) for said in state.history]
        if not history or history[-1][0] != "person":
            raise MomentError("a moment ends on the person's words, and this state does not")
        try:
            moment = cls(
                id=id, persona=card.id, title=title,
                conversation=tuple(Said(speaker=s, text=t) for s, t in history[:-1]),
                last_words=history[-1][1],
                state=MomentState(
                    receptivity=state.receptivity, mood=state.mood, stage=state.stage,
                    unlocked=tuple(state.unlocked), negative_run=min(state.negative_run, 20),
                    closed_run=min(state.closed_run, 20),
                ),
            )
            moment.check_against(card)
        except (ValidationError, ValueError) as exc:
            raise MomentError(f"this point of the conversation cannot be a moment: {_first_error(exc)}") from exc
        return moment

    def to_yaml(self) -> str:
        """The moment as a file for knowledge/moments/ (named ``{id}.yaml``)."""
        data = self.model_dump(mode="json", exclude_none=True)
        data["conversation"] = [dict(s) for s in data["conversation"]]
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)

    @classmethod
    def from_words(cls, card: PersonaCard, words: str) -> Moment:
        """An ad hoc moment: the person's words verbatim at the card's starting state
        (the first thing they say on the visit). Hidden items the words give away (by
        the card's key phrases) count as shared, with what they require: the person has
        said them. ``MomentError`` for blank or over-long words."""
        said: set[str] = set()
        pending = [item.id for item in card.hidden.items
                   if (p := phrase_pattern(item.keywords)) and p.search(str(words))]
        while pending:
            item_id = pending.pop()
            if item_id not in said:
                said.add(item_id)
                pending.extend(card.item(item_id).unlock.requires)
        unlocked = tuple(item.id for item in card.hidden.items if item.id in said)
        start = card.hidden.starting_receptivity
        mood = PersonaState(persona=card.id, receptivity=start, start_receptivity=start,
                            stage=card.hidden.stage_of_change).mood
        try:
            moment = cls(
                id="adhoc", persona=card.id, title=f"{card.name}: said in the file",
                last_words=words,
                state=MomentState(receptivity=start, mood=mood,
                                  stage=card.hidden.stage_of_change, unlocked=unlocked),
            )
            moment.check_against(card)
        except (ValidationError, ValueError) as exc:
            raise MomentError(f"the person's words for {card.id!r}: {_first_error(exc)}") from exc
        return moment


def _first_error(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"] if not str(p).startswith("function-"))
        return f"{loc or 'moment'}: {err['msg']}"
    return str(exc)


def load_moment(path: Path, personas: Mapping[str, PersonaCard]) -> Moment:
    """Load and validate one moment file against the persona cards; ``MomentError``
    names the file and the field."""
    path = Path(path)
    moment = load_named_file(path, Moment, "moment", MomentError)
    card = personas.get(moment.persona)
    if card is None:
        raise MomentError(
            f"{path}: field persona: no persona card {moment.persona!r} "
            f"(known: {', '.join(sorted(personas))})"
        )
    try:
        moment.check_against(card)
    except ValueError as exc:
        raise MomentError(f"{path}: {exc}") from exc
    return moment


def load_moments(
    directory: Path | None = None, personas: Mapping[str, PersonaCard] | None = None
) -> dict[str, Moment]:
    """Every ``*.yaml`` moment in ``directory`` (the packaged knowledge's by default),
    checked against ``personas`` (the cards beside them by default), keyed by id, in
    file-name order; the first malformed file stops the load (as persona cards do),
    naming it."""
    directory = Path(directory) if directory is not None else DEFAULT_KNOWLEDGE_DIR / "moments"
    if personas is None:
        personas = load_personas(directory.parent / "personas")
    if not directory.is_dir():
        raise MomentError(f"{directory}: no such moments directory")
    moments = {m.id: m for m in (load_moment(p, personas) for p in sorted(directory.glob("*.yaml")))}
    if not moments:
        raise MomentError(f"{directory}: no moments (*.yaml) found")
    return moments


def get_moment(moment_id: str, moments: Mapping[str, Moment] | None = None) -> Moment:
    """One moment by id (from the packaged moments unless ``moments`` is given);
    ``MomentError`` lists the known ids for an unknown one."""
    if moments is None:
        moments = load_moments()
    try:
        return moments[moment_id]
    except KeyError:
        raise MomentError(
            f"no moment {moment_id!r} (known: {', '.join(sorted(moments))})"
        ) from None


__all__ = [
    "MAX_WORDS_CHARS",
    "Moment",
    "MomentError",
    "MomentState",
    "Said",
    "get_moment",
    "load_moment",
    "load_moments",
]

