"""The guidance's own exercise: given a mix of statements, pick out the personal outcomes
from the services and inputs (Social Care Wales: "Try this exercise to see if you can
identify the personal outcome statements").

Cards are drawn from the labelled statements; the browser is given only their numbers and
texts, and the answers are looked up again when the sort is marked.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from coach.statements._data import Labelled, StatementSet

SORT_SIZE = 8


@dataclass(frozen=True)
class SortCard:
    number: int  # index in the statement set, stable while the data file is unchanged
    text: str


@dataclass(frozen=True)
class SortResult:
    right: tuple[SortCard, ...]
    wrong: tuple[tuple[SortCard, str], ...]  # (card, its true label)

    @property
    def score(self) -> str:
        return f"{len(self.right)} of {len(self.right) + len(self.wrong)}"


def _pool(statements: StatementSet) -> list[tuple[int, Labelled]]:
    return [(n, row) for n, row in enumerate(statements.all) if row.label in ("outcome", "service")]


def deal(statements: StatementSet, seed: int, size: int = SORT_SIZE) -> list[SortCard]:
    """Half outcomes, half services, shuffled; the same seed deals the same cards."""
    rng = random.Random(seed)
    pool = _pool(statements)
    outcomes = [p for p in pool if p[1].label == "outcome"]
    services = [p for p in pool if p[1].label == "service"]
    picked = rng.sample(outcomes, size // 2) + rng.sample(services, size - size // 2)
    rng.shuffle(picked)
    return [SortCard(n, row.text) for n, row in picked]


def mark(statements: StatementSet, dealt: Sequence[int], chosen: Sequence[int]) -> SortResult:
    """``chosen`` are the numbers the trainee marked as personal outcomes."""
    rows = statements.all
    unknown = [n for n in [*dealt, *chosen] if not 0 <= n < len(rows)]
    if unknown or not set(chosen) <= set(dealt):
        raise ValueError("Those cards are not from this exercise; deal a new set.")
    right, wrong = [], []
    for n in dealt:
        card = SortCard(n, rows[n].text)
        said_outcome = n in set(chosen)
        if said_outcome == (rows[n].label == "outcome"):
            right.append(card)
        else:
            wrong.append((card, rows[n].label))
    return SortResult(tuple(right), tuple(wrong))
