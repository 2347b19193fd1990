"""Training the coder's weights from the exemplars' train split (never the held-out split,
never external data). Run with ``python -m evals.train_coder``.

Replies are labelled as wholes, but the coder also codes sentences. For a reply of several
sentences the sentence labels are inferred from the exemplars' convention: a first model
fitted on whole replies scores each sentence, the sentence most like the reply's primary
code takes that code, and the others take their best code among those the convention
allows beneath it. A second model is then fitted on replies and sentences together.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from coach.coding._coder import (
    _RANK,
    Coder,
    CodeRequest,
    Featurised,
    featurise,
    prepare,
    reply_unit,
)
from coach.coding._encoder import get_coding_encoder
from coach.coding._exemplars import LabelledReply, iter_replies, load_moments
from coach.coding._features import unit_features
from coach.coding._model import (
    MODEL_PATH,
    CoderModel,
    Softmax,
    balanced_weights,
    fit_softmax,
    labels_to_index,
    standardiser,
    training_fingerprint,
)
from coach.coding._vocabulary import CODES, STANCES, HistoryTurn
from coach.embedding import Embedder
from coach.settings import DEFAULT_KNOWLEDGE_DIR

EXEMPLAR_DIR = DEFAULT_KNOWLEDGE_DIR / "exemplars"


@dataclass(frozen=True)
class HyperParams:
    l2: float = 1e-2
    embedding_scale: float = 6.0
    iterations: int = 500
    lr: float = 0.05
    balance_power: float = 0.5
    sentence_weight: float = 0.25
    stance_code_scale: float = 3.0  # 0 turns off feeding code probabilities to the stance model
    stance_folds: int = 5
    stance_l2: float = 3e-2
    ngram_code_scale: float = 6.0  # 0 leaves the hashed n-grams out of the code model
    ngram_stance_scale: float = 8.0


def request_for(reply: LabelledReply) -> CodeRequest:
    history = tuple(HistoryTurn(t.speaker, t.text) for t in reply.history)
    return CodeRequest(reply.text, reply.context or None, history)


def featurise_replies(replies: Sequence[LabelledReply], embedder: Embedder) -> Featurised:
    return featurise([prepare(request_for(r)) for r in replies], embedder)


def subset(feats: Featurised, idx: Sequence[int]) -> Featurised:
    idx = list(idx)
    return Featurised(
        prepared=[feats.prepared[i] for i in idx],
        reply_scalars=feats.reply_scalars[idx],
        reply_embeddings=feats.reply_embeddings[idx],
        reply_ngrams=feats.reply_ngrams[idx],
        sentence_scalars=[feats.sentence_scalars[i] for i in idx],
        sentence_embeddings=[feats.sentence_embeddings[i] for i in idx],
        sentence_ngrams=[feats.sentence_ngrams[i] for i in idx],
    )


def _sentence_labels(probs: np.ndarray, primary: str) -> list[str]:
    """Sentence codes consistent with a reply's primary code under the convention."""
    k = CODES.index(primary)
    best = int(np.argmax(probs[:, k]))
    if primary == "confront":
        allowed = list(CODES)
    else:
        allowed = [c for c in CODES if c != "confront" and _RANK[c] > _RANK[primary]]
    labels = []
    for j in range(len(probs)):
        if j == best or not allowed:
            labels.append(primary)
            continue
        cols = [CODES.index(c) for c in allowed]
        labels.append(allowed[int(np.argmax(probs[j, cols]))])
    return labels


def fit(
    feats: Featurised,
    codes: Sequence[str],
    stances: Sequence[str],
    hp: HyperParams,
    fingerprint: str = "",
    groups: Sequence[str] | None = None,
) -> CoderModel:
    """Fit the code and stance models. ``groups`` (moment ids) keep a moment's replies
    together when out-of-fold probabilities are needed."""
    all_scalars = np.vstack([feats.reply_scalars, *feats.sentence_scalars])
    mean, std = standardiser(all_scalars)
    shell = CoderModel(
        scalar_mean=mean, scalar_std=std, embedding_scale=hp.embedding_scale,
        code=Softmax(CODES, np.zeros(0), np.zeros(0)),
        stance=Softmax(STANCES, np.zeros(0), np.zeros(0)),
        fingerprint=fingerprint,
        meta={"primary_rule": "hybrid", "unsure_reply": 0.5, "sure_sentence": 0.6,
              "hyperparams": dict(hp.__dict__)},
        ngram_code_scale=hp.ngram_code_scale,
        ngram_stance_scale=hp.ngram_stance_scale,
        stance_code_scale=hp.stance_code_scale,
    )
    x_reply = shell.design(feats.reply_scalars, feats.reply_embeddings, feats.reply_ngrams)
    y_code = labels_to_index(codes, CODES)
    y_stance = labels_to_index(stances, STANCES)

    def fit_code(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> Softmax:
        wb = balanced_weights(y, len(CODES), hp.balance_power) * w
        weights, bias = fit_softmax(x, y, len(CODES), l2=hp.l2, sample_weight=wb,
                                    iterations=hp.iterations, lr=hp.lr)
        return Softmax(CODES, weights, bias)

    code_model = _fit_code_model(shell, feats, x_reply, codes, y_code, fit_code, hp)

    # Out-of-fold code probabilities, from models that did not see the reply's moment.
    oof = np.zeros((len(y_code), len(CODES)), dtype=np.float32)
    keys = list(groups) if groups is not None else [p.request.reply for p in feats.prepared]
    fold = [fold_of(k, hp.stance_folds) for k in keys]
    for k in range(hp.stance_folds):
        inner = [i for i, g in enumerate(fold) if g != k]
        outer = [i for i, g in enumerate(fold) if g == k]
        if outer and inner:
            sub = fit_code(x_reply[inner], y_code[inner], np.ones(len(inner)))
            oof[outer] = sub.proba(x_reply[outer])
    # The stance model also sees the code probabilities (a reflection is rarely
    # paperwork-led, a confrontation never outcomes-focused), out of fold for training so
    # that it learns how far to trust them.
    x_stance = shell.stance_design(feats.reply_scalars, feats.reply_embeddings,
                                   feats.reply_ngrams, oof)
    wst = balanced_weights(y_stance, len(STANCES), hp.balance_power)
    sw, sb = fit_softmax(x_stance, y_stance, len(STANCES), l2=hp.stance_l2, sample_weight=wst,
                         iterations=hp.iterations, lr=hp.lr)
    return replace(shell, code=code_model, stance=Softmax(STANCES, sw, sb))


def _fit_code_model(shell, feats, x_reply, codes, y_code, fit_code, hp) -> Softmax:  # noqa: ANN001
    first = fit_code(x_reply, y_code, np.ones(len(y_code)))
    # Sentence rows of multi-sentence replies, labelled by the first model + convention.
    xs, ys = [], []
    for i, (sc, se, sg) in enumerate(zip(feats.sentence_scalars, feats.sentence_embeddings,
                                         feats.sentence_ngrams, strict=True)):
        if len(sc) < 2:
            continue
        x_sent = shell.design(sc, se, sg)
        for row, label in zip(x_sent, _sentence_labels(first.proba(x_sent), codes[i]),
                              strict=True):
            xs.append(row)
            ys.append(CODES.index(label))
    if not xs:
        return first
    x_all = np.vstack([x_reply, np.array(xs)])
    y_all = np.concatenate([y_code, np.array(ys, dtype=np.int64)])
    w_all = np.concatenate([np.ones(len(y_code)), np.full(len(ys), hp.sentence_weight)])
    return fit_code(x_all, y_all, w_all)


def fold_of(moment_id: str, folds: int) -> int:
    """A stable fold for a moment, so cross-validation never splits a moment."""
    return int(hashlib.sha256(moment_id.encode()).hexdigest(), 16) % folds


def cross_validate(
    replies: Sequence[LabelledReply], feats: Featurised, hp: HyperParams, embedder: Embedder,
    folds: int = 5, rule: str | None = None, only_fold: int | None = None,
) -> tuple[list[str], list[str]]:
    """Out-of-fold predicted codes and stances over the given (training) replies
    (with ``only_fold``, for that fold's replies only; the others stay empty)."""
    pred_code = [""] * len(replies)
    pred_stance = [""] * len(replies)
    fold = [fold_of(r.moment_id, folds) for r in replies]
    for k in range(folds) if only_fold is None else [only_fold]:
        train_idx = [i for i, f in enumerate(fold) if f != k]
        test_idx = [i for i, f in enumerate(fold) if f == k]
        if not test_idx:
            continue
        model = fit(subset(feats, train_idx), [replies[i].code for i in train_idx],
                    [replies[i].stance for i in train_idx], hp,
                    groups=[replies[i].moment_id for i in train_idx])
        coder = Coder(model, embedder)
        if rule:
            coder.primary_rule = rule
        for i, result in zip(test_idx, coder.code_features(subset(feats, test_idx)),
                             strict=True):
            pred_code[i] = result.code
            pred_stance[i] = result.stance
    return pred_code, pred_stance


def feature_fingerprint(replies: Sequence[LabelledReply]) -> str:
    """A hash of the hand-made features of the training replies (no embedding needed).

    Weights fitted to one version of the feature code are wrong for another; comparing
    this with the value stored at training time catches a feature change that was not
    followed by retraining, while ignoring edits that change nothing (comments, layout).
    """
    rows = []
    for r in replies:
        p = prepare(request_for(r))
        text, core = reply_unit(p)
        rows.append(unit_features(text, p.ctx, n_sentences=len(core), sentence_texts=core))
        if len(p.sentences) > 1:
            rows.extend(unit_features(s, p.ctx) for s in p.sentences)
    matrix = np.round(np.array(rows, dtype=np.float64), 4) if rows else np.zeros((0, 0))
    return hashlib.sha256(matrix.tobytes() + str(matrix.shape).encode()).hexdigest()


def load_split(split: str, directory: Path = EXEMPLAR_DIR) -> list[LabelledReply]:
    return list(iter_replies(load_moments(directory), split))


def train(
    directory: Path = EXEMPLAR_DIR,
    out: Path | None = MODEL_PATH,
    hp: HyperParams | None = None,
    embedder: Embedder | None = None,
) -> CoderModel:
    hp = hp or HyperParams()
    replies = load_split("train", directory)
    if not replies:
        raise ValueError(f"no training replies under {directory}")
    embedder = embedder or get_coding_encoder()
    feats = featurise_replies(replies, embedder)
    model = fit(feats, [r.code for r in replies], [r.stance for r in replies], hp,
                fingerprint=training_fingerprint(replies), groups=[r.moment_id for r in replies])
    model.meta["n_train"] = len(replies)
    model.meta["encoder"] = embedder.model_id
    model.meta["feature_fingerprint"] = feature_fingerprint(replies)
    if out is not None:
        model.save(out)
    return model
