"""Agreement figures for the coder evals: per-class P/R/F1, macro-F1, Cohen's κ,
confusion matrices and ROC AUC, in plain numpy."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ClassScore:
    label: str
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True)
class Agreement:
    labels: tuple[str, ...]
    per_class: tuple[ClassScore, ...]
    macro_f1: float
    kappa: float
    accuracy: float
    confusion: np.ndarray  # rows gold, columns predicted
    n: int


def agreement(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str]) -> Agreement:
    """Scores over ``labels``; macro-F1 averages the classes present in gold."""
    if len(gold) != len(pred):
        raise ValueError("gold and predicted labels differ in length")
    lookup = {label: i for i, label in enumerate(labels)}
    k = len(labels)
    cm = np.zeros((k, k), dtype=np.int64)
    for g, p in zip(gold, pred, strict=True):
        cm[lookup[g], lookup[p]] += 1
    n = int(cm.sum())
    scores = []
    for i, label in enumerate(labels):
        tp = cm[i, i]
        precision = tp / cm[:, i].sum() if cm[:, i].sum() else 0.0
        recall = tp / cm[i, :].sum() if cm[i, :].sum() else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        scores.append(ClassScore(label, float(precision), float(recall), float(f1),
                                 int(cm[i, :].sum())))
    present = [s.f1 for s in scores if s.support > 0]
    macro = float(np.mean(present)) if present else 0.0
    accuracy = float(np.trace(cm) / n) if n else 0.0
    expected = float((cm.sum(axis=0) * cm.sum(axis=1)).sum() / n**2) if n else 0.0
    kappa = (accuracy - expected) / (1 - expected) if expected < 1 else 0.0
    return Agreement(tuple(labels), tuple(scores), macro, float(kappa), accuracy, cm, n)


def binary_f1(gold: Sequence[str], pred: Sequence[str], labels: tuple[str, str]) -> float:
    """Macro-F1 over two labels, on the items where both gold and prediction use them."""
    pairs = [(g, p) for g, p in zip(gold, pred, strict=True) if g in labels and p in labels]
    if not pairs:
        return 0.0
    return agreement([g for g, _ in pairs], [p for _, p in pairs], labels).macro_f1


def roc_auc(scores: Sequence[float], positive: Sequence[bool]) -> float:
    """Probability that a random positive outscores a random negative (ties count half)."""
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(positive, dtype=bool)
    pos, neg = s[y], s[~y]
    if not len(pos) or not len(neg):
        return float("nan")
    greater = (pos[:, None] > neg[None, :]).sum()
    ties = (pos[:, None] == neg[None, :]).sum()
    return float((greater + 0.5 * ties) / (len(pos) * len(neg)))


def format_agreement(a: Agreement, title: str) -> str:
    width = max(len(label) for label in a.labels)
    lines = [f"{title}  (n={a.n})",
             f"  {'code'.ljust(width)}  precision  recall    f1  support"]
    for s in a.per_class:
        lines.append(f"  {s.label.ljust(width)}  {s.precision:9.2f}  {s.recall:6.2f}  "
                     f"{s.f1:4.2f}  {s.support:7d}")
    lines.append(f"  macro-F1 {a.macro_f1:.3f}   Cohen's kappa {a.kappa:.3f}   "
                 f"accuracy {a.accuracy:.3f}")
    short = [label[:6] for label in a.labels]
    lines.append("  confusion (rows: gold, columns: coder)")
    lines.append("  " + " " * width + "".join(f"{s:>7}" for s in short))
    for label, row in zip(a.labels, a.confusion, strict=True):
        lines.append(f"  {label.ljust(width)}" + "".join(f"{v:7d}" for v in row))
    return "\n".join(lines)
