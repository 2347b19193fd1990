"""How far the coder agrees with supervisors: Cohen's kappa over every reply of every
reviewed session (a reply without an override counts as agreement), and the most common
disagreements."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass


def cohen_kappa(pairs: Sequence[tuple[str, str]]) -> float | None:
    """Cohen's kappa of two raters' labels; None with no pairs. When both raters used one
    and the same label throughout, chance agreement is 1 and kappa is taken as 1."""
    n = len(pairs)
    if not n:
        return None
    observed = sum(a == b for a, b in pairs) / n
    first = Counter(a for a, _ in pairs)
    second = Counter(b for _, b in pairs)
    expected = sum(first[label] * second[label] for label in first) / (n * n)
    if expected >= 1.0:
        return 1.0
    return (observed - expected) / (1.0 - expected)


@dataclass(frozen=True)
class Agreement:
    sessions: int
    replies: int
    overridden: int
    code_kappa: float | None
    stance_kappa: float | None
    code_agreement: float | None  # share of replies where the codes match
    # (coder's code, supervisor's code, how often), most common first
    disagreements: tuple[tuple[str, str, int], ...]


def agreement(sessions: int, code_pairs: Sequence[tuple[str, str]],
              stance_pairs: Sequence[tuple[str, str]], overridden: int,
              top: int = 5) -> Agreement:
    """``code_pairs``: (machine, human) for every reply reviewed; likewise stances."""
    differ = Counter((m, h) for m, h in code_pairs if m != h)
    share = (sum(m == h for m, h in code_pairs) / len(code_pairs)) if code_pairs else None
    return Agreement(
        sessions=sessions, replies=len(code_pairs), overridden=overridden,
        code_kappa=cohen_kappa(code_pairs), stance_kappa=cohen_kappa(stance_pairs),
        code_agreement=share,
        disagreements=tuple((m, h, c) for (m, h), c in differ.most_common(top)),
    )
