"""Hashed word n-grams: the coder's view of exact wording.

The sentence embedding captures what a reply is about but blurs the handful of words that
decide its stance ("the report", "eligible", "you'll need to") and some of its code
("if this happens again" against "the next step is"). Unigrams, bigrams and the reply's
opening and closing words, hashed into a fixed number of buckets, give the linear models
those words back at almost no cost. crc32 is used, not ``hash()``, so buckets are the same
in every process.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence

import numpy as np

BUCKETS = 4096
_TOKEN_RE = re.compile(r"[a-z]+(?:'[a-z]+)?|[?!]")


def _grams(text: str) -> list[str]:
    tokens = _TOKEN_RE.findall(text.lower().replace("’", "'"))
    if not tokens:
        return []
    grams = list(tokens)
    grams.extend(f"{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False))
    grams.append("^" + tokens[0])
    grams.append("^" + " ".join(tokens[:2]))
    grams.append("$" + tokens[-1])
    return grams


def hashed_ngrams(texts: Sequence[str], buckets: int = BUCKETS) -> np.ndarray:
    """One L2-normalised row of bucket indicators per text (an empty text gives zeros)."""
    out = np.zeros((len(texts), buckets), dtype=np.float32)
    for i, text in enumerate(texts):
        cols = {zlib.crc32(g.encode("utf-8")) % buckets for g in _grams(text)}
        if cols:
            out[i, list(cols)] = 1.0 / np.sqrt(len(cols))
    return out
