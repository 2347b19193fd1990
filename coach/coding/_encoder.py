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
import json
from functools import lru_cache
from pathlib import Path

from coach.embedding import Embedder, get_embedder

ENCODER_DIR = Path(__file__).resolve().parent / "encoder"
ENCODER_FILE = "encoder.int8.onnx"
TOKENIZER_FILE = "tokenizer.json"


class CodingEncoder(Embedder):
    """The fine-tuned encoder behind the same interface as the bundled embedder (mean-pooled,
    L2-normalised, padded per batch)."""

    def __init__(self, directory: Path = ENCODER_DIR, threads: int | None = None) -> None:
        meta = json.loads((directory / "encoder.json").read_text(encoding="utf-8"))
        self.meta = meta
        self.model_id = f"coder-encoder-{meta['onnx_sha256'][:12]}"
        self._load(directory / ENCODER_FILE, directory / TOKENIZER_FILE, threads)


def encoder_available(directory: Path = ENCODER_DIR) -> bool:
    return (directory / ENCODER_FILE).is_file() and (directory / "encoder.json").is_file()


def encoder_digest(directory: Path = ENCODER_DIR) -> str:
    """The sha256 of the shipped ONNX file, which the coder's weights record."""
    return hashlib.sha256((directory / ENCODER_FILE).read_bytes()).hexdigest()


@lru_cache(maxsize=1)
def get_coding_encoder() -> Embedder:
    """The coder's encoder: the fine-tuned one when shipped, else the bundled MiniLM."""
    return CodingEncoder() if encoder_available() else get_embedder()
