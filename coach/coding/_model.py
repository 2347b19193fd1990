"""The coder's learned part: two softmax regressions (code, stance) over hand-made features
and the MiniLM embedding, fitted with plain numpy, saved as one .npz with a fingerprint of
the data it was trained on.

Softmax regression is enough here: the embedding already separates most of the codes and
the features carry the structure the embedding misses (question marks, overlap with what
the person said). It trains in seconds, is deterministic (zero start, full-batch steps),
and its weights are small enough to ship.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from coach.coding._exemplars import LabelledReply
from coach.coding._features import N_SCALARS, SCALAR_NAMES
from coach.coding._ngrams import BUCKETS

MODEL_PATH = Path(__file__).resolve().parent / "coder.npz"
FORMAT_VERSION = 2


@dataclass
class Softmax:
    classes: tuple[str, ...]
    weights: np.ndarray  # (features, classes)
    bias: np.ndarray  # (classes,)

    def proba(self, x: np.ndarray) -> np.ndarray:
        logits = x @ self.weights + self.bias
        logits -= logits.max(axis=1, keepdims=True)
        e = np.exp(logits)
        return e / e.sum(axis=1, keepdims=True)


def fit_softmax(
    x: np.ndarray,
    y: np.ndarray,
    n_classes: int,
    *,
    l2: float = 1e-3,
    sample_weight: np.ndarray | None = None,
    iterations: int = 600,
    lr: float = 0.05,
) -> tuple[np.ndarray, np.ndarray]:
    """Weighted, L2-regularised multinomial logistic regression by full-batch Adam.

    Starts from zeros and uses no randomness, so the same data gives the same weights.
    """
    n, d = x.shape
    w = np.zeros((d, n_classes), dtype=np.float64)
    b = np.zeros(n_classes, dtype=np.float64)
    onehot = np.zeros((n, n_classes))
    onehot[np.arange(n), y] = 1.0
    sw = np.ones(n) if sample_weight is None else sample_weight.astype(np.float64)
    sw = sw / sw.sum()
    x64 = x.astype(np.float64)
    m_w = np.zeros_like(w)
    v_w = np.zeros_like(w)
    m_b = np.zeros_like(b)
    v_b = np.zeros_like(b)
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    for step in range(1, iterations + 1):
        logits = x64 @ w + b
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        g = (p - onehot) * sw[:, None]
        grad_w = x64.T @ g + l2 * w
        grad_b = g.sum(axis=0)
        m_w = beta1 * m_w + (1 - beta1) * grad_w
        v_w = beta2 * v_w + (1 - beta2) * grad_w**2
        m_b = beta1 * m_b + (1 - beta1) * grad_b
        v_b = beta2 * v_b + (1 - beta2) * grad_b**2
        correction1 = 1 - beta1**step
        correction2 = 1 - beta2**step
        w -= lr * (m_w / correction1) / (np.sqrt(v_w / correction2) + eps)
        b -= lr * (m_b / correction1) / (np.sqrt(v_b / correction2) + eps)
    return w.astype(np.float32), b.astype(np.float32)


def balanced_weights(y: np.ndarray, n_classes: int, power: float = 0.5) -> np.ndarray:
    """Up-weight rare classes (summary, advice) partly: inverse frequency to ``power``."""
    counts = np.bincount(y, minlength=n_classes).astype(np.float64)
    per_class = np.where(counts > 0, (counts.max() / np.maximum(counts, 1)) ** power, 0.0)
    return per_class[y]


@dataclass
class CoderModel:
    """Everything the coder needs at run time; ``design`` builds the input matrix."""

    scalar_mean: np.ndarray
    scalar_std: np.ndarray
    embedding_scale: float
    code: Softmax
    stance: Softmax
    fingerprint: str
    meta: dict[str, Any] = field(default_factory=dict)  # parsed JSON
    # How strongly the hashed n-grams enter each model (0 leaves them out).
    ngram_code_scale: float = 0.0
    ngram_stance_scale: float = 0.0
    # The stance model also reads the code probabilities, scaled by this (0: it does not).
    stance_code_scale: float = 0.0

    def _stack(
        self, scalars: np.ndarray, embeddings: np.ndarray, ngrams: np.ndarray, ngram_scale: float
    ) -> np.ndarray:
        z = (scalars - self.scalar_mean) / self.scalar_std
        parts = [z, embeddings * self.embedding_scale]
        if ngram_scale > 0:
            parts.append(ngrams * ngram_scale)
        return np.hstack(parts).astype(np.float32)

    def design(self, scalars: np.ndarray, embeddings: np.ndarray, ngrams: np.ndarray) -> np.ndarray:
        """The code model's input rows (replies or sentences)."""
        return self._stack(scalars, embeddings, ngrams, self.ngram_code_scale)

    def stance_design(
        self, scalars: np.ndarray, embeddings: np.ndarray, ngrams: np.ndarray,
        code_probs: np.ndarray,
    ) -> np.ndarray:
        """The stance model's input rows: the reply's features and its code probabilities."""
        x = self._stack(scalars, embeddings, ngrams, self.ngram_stance_scale)
        if self.stance_code_scale > 0:
            x = np.hstack([x, code_probs * self.stance_code_scale]).astype(np.float32)
        return x

    def save(self, path: Path = MODEL_PATH) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        meta = {**self.meta, "format": FORMAT_VERSION, "fingerprint": self.fingerprint,
                "scalar_names": list(SCALAR_NAMES), "embedding_scale": self.embedding_scale,
                "ngram_buckets": BUCKETS, "ngram_code_scale": self.ngram_code_scale,
                "ngram_stance_scale": self.ngram_stance_scale,
                "stance_code_scale": self.stance_code_scale,
                "code_classes": list(self.code.classes),
                "stance_classes": list(self.stance.classes)}
        tmp = path.with_suffix(".tmp.npz")
        np.savez_compressed(
            tmp,
            scalar_mean=self.scalar_mean, scalar_std=self.scalar_std,
            code_w=self.code.weights, code_b=self.code.bias,
            stance_w=self.stance.weights, stance_b=self.stance.bias,
            meta=np.array(json.dumps(meta, sort_keys=True)),
        )
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> CoderModel:
        if not path.is_file():
            raise FileNotFoundError(
                f"coder weights not found at {path}; train them with `python -m evals.train_coder`"
            )
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            if (meta.get("format") != FORMAT_VERSION
                    or meta.get("scalar_names") != list(SCALAR_NAMES)
                    or meta.get("ngram_buckets") != BUCKETS):
                raise ValueError(
                    f"{path} was trained with a different feature layout; retrain with "
                    "`python -m evals.train_coder`"
                )
            return cls(
                scalar_mean=data["scalar_mean"], scalar_std=data["scalar_std"],
                embedding_scale=float(meta["embedding_scale"]),
                code=Softmax(tuple(meta["code_classes"]), data["code_w"], data["code_b"]),
                stance=Softmax(tuple(meta["stance_classes"]), data["stance_w"], data["stance_b"]),
                fingerprint=str(meta["fingerprint"]),
                meta=meta,
                ngram_code_scale=float(meta["ngram_code_scale"]),
                ngram_stance_scale=float(meta["ngram_stance_scale"]),
                stance_code_scale=float(meta["stance_code_scale"]),
            )


def training_fingerprint(replies: Iterable[LabelledReply]) -> str:
    """A hash of exactly what training reads, so stale weights can be detected.

    Order-independent: moving a moment to another file does not change it, editing a
    reply's text, label, context or split does.
    """
    rows = sorted(
        json.dumps(
            [r.moment_id, r.context, [[t.speaker, t.text] for t in r.history], r.text, r.code,
             r.stance],
            ensure_ascii=False,
        )
        for r in replies
    )
    digest = hashlib.sha256()
    digest.update(f"features={N_SCALARS};ngrams={BUCKETS};format={FORMAT_VERSION}\n".encode())
    for row in rows:
        digest.update(row.encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()


def standardiser(scalars: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean = scalars.mean(axis=0)
    std = scalars.std(axis=0)
    # Constant features (never seen firing in training) stay at zero instead of exploding.
    std = np.where(std < 1e-6, 1.0, std)
    return mean.astype(np.float32), std.astype(np.float32)


def labels_to_index(labels: Sequence[str], classes: Sequence[str]) -> np.ndarray:
    lookup = {c: i for i, c in enumerate(classes)}
    return np.array([lookup[label] for label in labels], dtype=np.int64)
