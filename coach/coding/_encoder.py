"""The coder's own sentence encoder: all-MiniLM-L6-v2 fine-tuned on the exemplars' train
split to tell the codes apart, shipped as int8 ONNX package data in ``coach/coding/encoder/``
with a fingerprint of its training data (``encoder.json``). Built by
``python -m evals.finetune_coder_encoder``; no torch and no download at run time.

Retrieval, role-play and hints keep the bundled MiniLM (``coach.embedding``): the fine-tuned
encoder is better at *how* a reply is said and worse at *what* it is about.
When the package data is absent the coder falls back on the bundled MiniLM, whose weights the
shipped linear models then do not fit; the coder's weights name the encoder they were fitted
on, and loading refuses a mismatch.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from coach.embedding import (
    ENCODER_FILE,
    Embedder,
    FineTunedEncoder,
    fine_tuned_available,
    get_embedder,
)

ENCODER_DIR = Path(__file__).resolve().parent / "encoder"


def encoder_available(directory: Path = ENCODER_DIR) -> bool:
    return fine_tuned_available(directory)


def encoder_digest(directory: Path = ENCODER_DIR) -> str:
    """The sha256 of the shipped ONNX file, which the coder's weights record."""
    return hashlib.sha256((directory / ENCODER_FILE).read_bytes()).hexdigest()


@lru_cache(maxsize=1)
def get_coding_encoder() -> Embedder:
    """The coder's encoder: the fine-tuned one when shipped, else the bundled MiniLM."""
    return FineTunedEncoder(ENCODER_DIR, "coder-encoder") if encoder_available() else get_embedder()
