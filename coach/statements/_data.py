"""The labelled outcome statements (``knowledge/outcomes/statements.yaml``): validated on
load, split into a training part and a held-out part that training never reads."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import Field, StringConstraints, ValidationError, model_validator

from coach.settings import DEFAULT_KNOWLEDGE_DIR
from coach.strict import Strict

STATEMENTS_PATH = DEFAULT_KNOWLEDGE_DIR / "outcomes" / "statements.yaml"
LABELS: tuple[str, ...] = ("outcome", "service", "need")
Label = Literal["outcome", "service", "need"]
LABEL_NAMES = {
    "outcome": "a personal outcome",
    "service": "a service or input",
    "need": "a need or deficit",
}

_Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=300)]


class _Part(Strict):
    outcome: tuple[_Text, ...] = Field(min_length=1)
    service: tuple[_Text, ...] = Field(min_length=1)
    need: tuple[_Text, ...] = Field(min_length=1)


class _File(Strict):
    version: Literal[1]
    train: _Part
    heldout: _Part

    @model_validator(mode="after")
    def _no_overlap(self) -> _File:
        seen: dict[str, str] = {}
        for split in ("train", "heldout"):
            part: _Part = getattr(self, split)
            for label in LABELS:
                for text in getattr(part, label):
                    key = " ".join(text.lower().split())
                    if key in seen:
                        raise ValueError(f"{text!r} appears twice ({seen[key]} and {split}/{label})")
                    seen[key] = f"{split}/{label}"
        return self


class StatementsError(ValueError):
    pass


@dataclass(frozen=True)
class Labelled:
    text: str
    label: str


@dataclass(frozen=True)
class StatementSet:
    train: tuple[Labelled, ...]
    heldout: tuple[Labelled, ...]

    @property
    def all(self) -> tuple[Labelled, ...]:
        return self.train + self.heldout


def _rows(part: _Part) -> tuple[Labelled, ...]:
    return tuple(Labelled(text, label) for label in LABELS for text in getattr(part, label))


def load_statements(path: Path = STATEMENTS_PATH) -> StatementSet:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        parsed = _File.model_validate(raw)
    except (OSError, yaml.YAMLError) as exc:
        raise StatementsError(f"{path}: cannot read the statements: {exc}") from exc
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise StatementsError(f"{path}: {problems}") from exc
    return StatementSet(train=_rows(parsed.train), heldout=_rows(parsed.heldout))


def statements_fingerprint(rows: tuple[Labelled, ...], layout: str) -> str:
    """A hash of exactly what training reads (order-independent), so stale weights show."""
    digest = hashlib.sha256(f"{layout}\n".encode())
    for row in sorted(json.dumps([r.text, r.label], ensure_ascii=False) for r in rows):
        digest.update(row.encode("utf-8") + b"\n")
    return digest.hexdigest()
