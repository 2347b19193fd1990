"""The embedder's on-disk vector cache stays within its bound however long the app runs."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from coach.embedding import DIMENSIONS, CachedEmbedder
from tests.support.fake_embedder import CountingEmbedder


def test_the_cache_keeps_at_most_its_bound_and_answers_a_bigger_batch_whole(tmp_path: Path) -> None:
    base = CountingEmbedder()
    cached = CachedEmbedder(base, tmp_path / "vectors.npz", max_entries=3)  # type: ignore[arg-type]
    texts = [f"reply {n}" for n in range(5)]
    vectors = cached.embed([*texts, texts[0]])
    assert vectors.shape == (6, DIMENSIONS)
    for text, vector in zip([*texts, texts[0]], vectors, strict=True):
        assert np.allclose(vector, base.vector(text))
    assert base.calls == [texts]  # each text embedded once, the repeat included
    assert len(cached._vectors) == 3


def test_the_least_recently_used_vector_goes_first_and_the_disk_copy_is_bounded(tmp_path: Path) -> None:
    base = CountingEmbedder()
    path = tmp_path / "vectors.npz"
    cached = CachedEmbedder(base, path, max_entries=2)  # type: ignore[arg-type]
    cached.embed(["a", "b"])
    cached.embed(["a"])  # "a" is now the more recently used
    cached.embed(["c"])  # so "b" goes
    base.calls.clear()
    cached.embed(["a", "c"])
    assert base.calls == []
    cached.embed(["b"])
    assert base.calls == [["b"]]
    cached.save()

    again = CachedEmbedder(CountingEmbedder(), path, max_entries=1)  # type: ignore[arg-type]
    assert len(again._vectors) == 1
