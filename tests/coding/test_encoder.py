"""The coder's fine-tuned encoder: shipped as int8 ONNX with a fingerprint of its training
data, the coder's weights name it, torch is never loaded at run time, and nothing is
downloaded."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest

from coach.coding import CoderModel, load_split, training_fingerprint
from coach.coding._coder import encoder_for
from coach.coding._encoder import (
    ENCODER_DIR,
    encoder_available,
    encoder_digest,
    get_coding_encoder,
)
from coach.embedding import DIMENSIONS, Embedder

pytestmark = pytest.mark.skipif(not encoder_available(),
                                reason="no fine-tuned encoder shipped (the coder uses MiniLM)")


def test_the_shipped_encoder_was_fine_tuned_on_the_current_train_split() -> None:
    meta = json.loads((ENCODER_DIR / "encoder.json").read_text(encoding="utf-8"))
    assert meta["training_fingerprint"] == training_fingerprint(load_split("train")), (
        "the encoder was fine-tuned on other exemplars: run `python -m "
        "evals.finetune_coder_encoder`, then `python -m evals.train_coder`")
    assert meta["fold_left_out"] is None
    assert meta["onnx_sha256"] == encoder_digest()


def test_the_coder_weights_name_the_encoder_they_were_fitted_on() -> None:
    model = CoderModel.load()
    assert model.meta["encoder"] == get_coding_encoder().model_id
    assert encoder_for(model) is get_coding_encoder()
    stranger = replace(model, meta={**model.meta, "encoder": "some-other-encoder"})
    with pytest.raises(ValueError, match="retrain"):
        encoder_for(stranger)
    # Weights fitted on the bundled MiniLM load it, not the fine-tuned encoder.
    minilm = replace(model, meta={**model.meta, "encoder": Embedder.model_id})
    assert encoder_for(minilm).model_id == Embedder.model_id


def test_the_encoder_gives_unit_vectors_and_pads_per_batch_without_changing_them() -> None:
    encoder = get_coding_encoder()
    texts = ["Mm.", "So the drink helps you switch off, and part of you wonders for how long."]
    together = encoder.embed(texts)
    alone = np.vstack([encoder.embed([t]) for t in texts])
    assert together.shape == (2, DIMENSIONS)
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    assert np.allclose(together, alone, atol=1e-4)


def test_coding_never_imports_torch() -> None:
    code = ("import sys\nfrom coach.coding import get_coder\n"
            "get_coder().code('So the evenings are the hardest part?')\n"
            "assert 'torch' not in sys.modules, 'torch was imported at run time'\n")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
