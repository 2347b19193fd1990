"""The utterance coder: an OARS code and a stance for every reply and for each sentence in
it, with the cues behind them, from a small linear model over the bundled sentence encoder.

    coder = get_coder()
    result = coder.code(CodeRequest("It sounds like Saturday frightened you", context="..."))
"""

from __future__ import annotations

from coach.coding._coder import Coder, CodeRequest, get_coder, load_coder, prepare
from coach.coding._cues import outcomes_score
from coach.coding._exemplars import Moment, load_moments
from coach.coding._llm_coder import LLMCoder
from coach.coding._model import (
    MODEL_PATH,
    CoderModel,
    Softmax,
    balanced_weights,
    fit_softmax,
    training_fingerprint,
)
from coach.coding._ngrams import hashed_ngrams
from coach.coding._screen import looks_english
from coach.coding._training import (
    EXEMPLAR_DIR,
    HyperParams,
    cross_validate,
    feature_fingerprint,
    featurise_replies,
    load_split,
    request_for,
    train,
)
from coach.coding._vocabulary import (
    CODE_LABELS,
    CODES,
    STANCE_LABELS,
    STANCES,
    Code,
    CodeResult,
    HistoryTurn,
    InvalidReply,
    SentenceCode,
    Stance,
    reply_text,
)

__all__ = [
    "CODES",
    "CODE_LABELS",
    "Code",
    "CodeRequest",
    "CodeResult",
    "Coder",
    "CoderModel",
    "EXEMPLAR_DIR",
    "HistoryTurn",
    "HyperParams",
    "InvalidReply",
    "LLMCoder",
    "MODEL_PATH",
    "looks_english",
    "Moment",
    "STANCES",
    "STANCE_LABELS",
    "SentenceCode",
    "Softmax",
    "Stance",
    "balanced_weights",
    "cross_validate",
    "feature_fingerprint",
    "featurise_replies",
    "fit_softmax",
    "get_coder",
    "hashed_ngrams",
    "load_coder",
    "load_moments",
    "load_split",
    "outcomes_score",
    "prepare",
    "reply_text",
    "request_for",
    "train",
    "training_fingerprint",
]
