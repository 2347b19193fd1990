"""The outcome-statement classifier: outcome / service or input / need or deficit.

A softmax regression (the coder's own ``fit_softmax``) over the bundled MiniLM embedding,
the coder's hashed word n-grams and a few counts the guidance's criteria point at (the
person speaking as "I", words of wanting, a bare noun phrase with no verb). The embedding
tells a shower from a wish to bathe; the n-grams and counts catch the phrasing that
decides the rest ("I want to…" against "Referral to…" against "Unable to…"). Trained only
on the ``train`` split, deterministic, shipped as a small .npz with a fingerprint of the
data it was trained on.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from coach.coding import Softmax, balanced_weights, fit_softmax, hashed_ngrams
from coach.statements._data import LABELS, Labelled, statements_fingerprint

MODEL_PATH = Path(__file__).resolve().parent / "statements.npz"
FORMAT = 1
NGRAM_BUCKETS = 2048
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
_FIRST_PERSON = {"i", "i'd", "i'm", "i've", "i'll", "my", "me", "myself", "we", "our", "us"}
_WANTING = {"want", "wants", "like", "able", "keep", "stay", "feel", "hope", "wish", "enjoy",
            "carry", "get", "be"}
_DEFICIT = {"unable", "can't", "cannot", "not", "no", "lacks", "poor", "risk", "struggles",
            "struggling", "difficulty", "problems", "inadequate", "misuse", "neglect"}
SCALAR_NAMES = ("first_person", "wanting", "deficit", "starts_to", "words_log")
LAYOUT = f"format={FORMAT};buckets={NGRAM_BUCKETS};scalars={','.join(SCALAR_NAMES)}"


class Embeds(Protocol):
    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


@dataclass(frozen=True)
class HyperParams:
    embedding_scale: float = 4.0
    ngram_scale: float = 3.0
    scalar_scale: float = 1.0
    l2: float = 3e-3
    iterations: int = 400
    lr: float = 0.05


def scalars(texts: Sequence[str]) -> np.ndarray:
    rows = []
    for text in texts:
        words = _WORD.findall(text.lower().replace("’", "'"))
        n = max(len(words), 1)
        rows.append([
            sum(w in _FIRST_PERSON for w in words) / n * 4,
            sum(w in _WANTING for w in words) / n * 4,
            sum(w in _DEFICIT for w in words) / n * 4,
            1.0 if words[:1] == ["to"] else 0.0,
            float(np.log1p(len(words))) / 3,
        ])
    return np.asarray(rows, dtype=np.float32).reshape(len(texts), len(SCALAR_NAMES))


def design(texts: Sequence[str], embedder: Embeds, hp: HyperParams) -> np.ndarray:
    return np.hstack([
        embedder.embed(list(texts)) * hp.embedding_scale,
        hashed_ngrams(texts, NGRAM_BUCKETS) * hp.ngram_scale,
        scalars(texts) * hp.scalar_scale,
    ]).astype(np.float32)


@dataclass(frozen=True)
class Verdict:
    label: str
    confidence: float
    probabilities: dict[str, float] = field(default_factory=dict)


@dataclass
class StatementClassifier:
    model: Softmax
    hp: HyperParams
    fingerprint: str
    embedder: Embeds | None = None

    def classify(self, texts: Sequence[str]) -> list[Verdict]:
        if not texts:
            return []
        if self.embedder is None:
            from coach.embedding import get_embedder

            self.embedder = get_embedder()
        probs = self.model.proba(design(texts, self.embedder, self.hp))
        out = []
        for row in probs:
            k = int(row.argmax())
            out.append(Verdict(self.model.classes[k], float(row[k]),
                               {c: round(float(p), 4) for c, p in zip(self.model.classes, row,
                                                                       strict=True)}))
        return out

    def save(self, path: Path = MODEL_PATH) -> None:
        meta = {"format": FORMAT, "layout": LAYOUT, "fingerprint": self.fingerprint,
                "classes": list(self.model.classes), "hp": self.hp.__dict__}
        tmp = path.with_suffix(".tmp.npz")
        np.savez_compressed(tmp, w=self.model.weights, b=self.model.bias,
                            meta=np.array(json.dumps(meta, sort_keys=True)))
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path = MODEL_PATH, embedder: Embeds | None = None) -> StatementClassifier:
        if not path.is_file():
            raise FileNotFoundError(f"statement classifier weights not found at {path}; train "
                                    "them with `python -m evals.train_statements`")
        with np.load(path, allow_pickle=False) as data:
            meta: dict[str, Any] = json.loads(str(data["meta"]))
            if meta.get("layout") != LAYOUT:
                raise ValueError(f"{path} was trained with a different feature layout; retrain "
                                 "with `python -m evals.train_statements`")
            return cls(Softmax(tuple(meta["classes"]), data["w"], data["b"]),
                       HyperParams(**meta["hp"]), str(meta["fingerprint"]), embedder)


def train(rows: Sequence[Labelled], embedder: Embeds,
          hp: HyperParams | None = None) -> StatementClassifier:
    hp = hp or HyperParams()
    x = design([r.text for r in rows], embedder, hp)
    y = np.array([LABELS.index(r.label) for r in rows], dtype=np.int64)
    w, b = fit_softmax(x, y, len(LABELS), l2=hp.l2, iterations=hp.iterations, lr=hp.lr,
                       sample_weight=balanced_weights(y, len(LABELS), power=1.0))
    return StatementClassifier(Softmax(LABELS, w, b), hp,
                               statements_fingerprint(tuple(rows), LAYOUT), embedder)


def confusion(gold: Sequence[str], predicted: Sequence[str]) -> np.ndarray:
    """Rows are the true labels, columns the predicted ones, both in ``LABELS`` order."""
    m = np.zeros((len(LABELS), len(LABELS)), dtype=np.int64)
    for g, p in zip(gold, predicted, strict=True):
        m[LABELS.index(g), LABELS.index(p)] += 1
    return m
