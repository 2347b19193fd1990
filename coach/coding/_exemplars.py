"""Labelled example replies: the coder's training data, its held-out test set, and the
exemplar replies that hints show. Stored as validated YAML under knowledge/exemplars/.

A file holds *moments*: something the person just said (and optionally what came
before), with worker replies to it, each labelled with a code and a stance. The split is
set per moment, so held-out replies answer moments the coder never saw in training.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from coach.coding._vocabulary import Code, Speaker, Stance
from coach.strict import Strict


class ExemplarTurn(Strict):
    speaker: Speaker
    text: str = Field(min_length=1)


class ExemplarReply(Strict):
    text: str = Field(min_length=1, max_length=2000)
    code: Code
    stance: Stance
    note: str | None = None  # why it is coded so, for hard cases
    tags: tuple[str, ...] = ()

    @field_validator("text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("reply text is blank")
        return value.strip()


class Moment(Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    persona: str | None = None
    topic: str | None = None
    context: str = ""  # what the person said just before the replies
    history: tuple[ExemplarTurn, ...] = ()
    split: Literal["train", "heldout"] = "train"
    replies: tuple[ExemplarReply, ...] = Field(min_length=1)


class ExemplarFile(Strict):
    description: str | None = None
    moments: tuple[Moment, ...] = Field(min_length=1)


class ExemplarError(ValueError):
    """A malformed exemplar file; the message names the file and the problem."""


class LabelledReply(BaseModel):
    """One reply flattened with its moment, as the coder and evals consume it."""

    model_config = ConfigDict(frozen=True)

    moment_id: str
    persona: str | None
    context: str
    history: tuple[ExemplarTurn, ...]
    split: Literal["train", "heldout"]
    text: str
    code: Code
    stance: Stance
    tags: tuple[str, ...] = ()
    note: str | None = None


def load_file(path: Path) -> ExemplarFile:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ExemplarError(f"{path}: cannot read: {exc}") from exc
    try:
        return ExemplarFile.model_validate(raw)
    except ValidationError as exc:
        raise ExemplarError(f"{path}: {exc}") from exc


def load_moments(directory: Path) -> list[Moment]:
    moments: list[Moment] = []
    seen: dict[str, Path] = {}
    for path in sorted(directory.glob("*.yaml")):
        for moment in load_file(path).moments:
            if moment.id in seen:
                raise ExemplarError(f"{path}: moment id {moment.id!r} already used in {seen[moment.id]}")
            seen[moment.id] = path
            moments.append(moment)
    return moments


def iter_replies(moments: list[Moment], split: str | None = None) -> Iterator[LabelledReply]:
    for m in moments:
        if split is not None and m.split != split:
            continue
        for r in m.replies:
            yield LabelledReply(
                moment_id=m.id, persona=m.persona, context=m.context, history=m.history,
                split=m.split, text=r.text, code=r.code, stance=r.stance, tags=r.tags, note=r.note,
            )
