import hashlib
import os
from pathlib import Path

import numpy as np

from coach import offline
from coach.embedding import MAX_TOKENS, get_embedder


def test_telemetry_switches_are_forced_off() -> None:
    assert os.environ["ORT_DISABLE_TELEMETRY"] == "1"
    assert os.environ["ANONYMIZED_TELEMETRY"] == "False"
    assert os.environ["GRADIO_ANALYTICS_ENABLED"] == "False"


def test_tiktoken_cache_is_seeded_under_the_url_hash() -> None:
    cache = Path(os.environ["TIKTOKEN_CACHE_DIR"])
    entry = cache / hashlib.sha1(offline.CL100K_URL.encode()).hexdigest()
    assert entry.is_file() and entry.stat().st_size > 1_000_000
    import tiktoken

    assert tiktoken.get_encoding("cl100k_base").decode(
        tiktoken.get_encoding("cl100k_base").encode("what matters to you")
    ) == "what matters to you"


def test_per_batch_padding_gives_the_same_vectors_as_fixed_padding() -> None:
    """Chroma's stock class pads to 256; ours pads per batch. The vectors must agree."""
    embedder = get_embedder()
    texts = ["Hi Deb.", "What would a good day look like for you and the children?", "Cassie " * 40]
    ours = embedder.embed(texts)
    tok = embedder._tokenizer
    encoded = [tok.encode(t) for t in texts]
    ids = np.zeros((len(texts), MAX_TOKENS), dtype=np.int64)
    mask = np.zeros_like(ids)
    for row, enc in enumerate(encoded):
        ids[row, : len(enc.ids)] = enc.ids
        mask[row, : len(enc.ids)] = 1
    hidden = embedder._session.run(
        None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
    )[0]
    pooled = (hidden * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
    fixed = pooled / np.linalg.norm(pooled, axis=1, keepdims=True)
    assert np.allclose(ours, fixed, atol=1e-4)


def test_embeddings_rank_related_text_higher() -> None:
    v = get_embedder().embed(
        ["I'm worried they'll take my kids", "She is frightened social services will remove her children",
         "The bus timetable changed on Monday"]
    )
    assert v[0] @ v[1] > v[0] @ v[2] + 0.2
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)


def test_blank_and_overlong_texts_embed_without_error() -> None:
    v = get_embedder().embed(["", "   ", "word " * 5000])
    assert v.shape == (3, 384)
    assert np.isfinite(v).all()
