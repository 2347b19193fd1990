"""A stand-in for the MiniLM embedder: a fixed unit vector per text, and a record of calls.

For tests about caching and bookkeeping, where what the vectors mean does not matter."""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import numpy as np

from coach.embedding import DIMENSIONS


class CountingEmbedder:
    model_id = "counting"

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def embed(self, texts: Sequence[str], **_: int) -> np.ndarray:
        self.calls.append(list(texts))
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        return np.stack([self.vector(t) for t in texts])

    def embed_one(self, text: str) -> np.ndarray:
        return self.embed([text])[0]

    @staticmethod
    def vector(text: str) -> np.ndarray:
        v = np.random.default_rng(zlib.crc32(text.encode())).standard_normal(DIMENSIONS)
        return (v / np.linalg.norm(v)).astype(np.float32)
