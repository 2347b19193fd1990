"""``python -m evals.finetune_retrieval_encoder``: fine-tune a sentence encoder for search.

An experiment, not shipped (training only: ``pip install -e '.[train]'``). It starts from
all-MiniLM-L6-v2 and teaches it to put a practitioner's question next to the passage that
answers it, on the project's own *training* questions (``evals/datasets/
retrieval_training_*.yaml``, written for this and never for measuring; the evaluation's
questions in ``retrieval_questions.yaml`` are read only by ``--exclude-eval-targets``, which
removes training questions). The loss is the usual one for retrieval: each question's right
passage against the other passages in its batch and a hard negative (a passage the untrained
encoder ranked high that does not answer it).

By default a fifth of the training questions (chosen by a hash of their id) are kept back as
a dev set and scored after each epoch; ``--out DIR`` writes that encoder. ``--all --out DIR``
trains on every training question. Measure an encoder with ``python -m evals retrieval
--encoder-dir DIR``. Why it is not shipped: see the README's figures.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import time
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from coach.retrieval._lexical import headed
from coach.retrieval._sources import chunk_source, list_source_files, read_source
from coach.settings import DEFAULT_KNOWLEDGE_DIR, KnowledgeSettings
from evals.common import PROJECT_ROOT
from evals.encoder_training import (
    BASE_DESCRIPTION,
    base_files,
    build_model,
    export_encoder,
    mean_pool,
)
from evals.retrieval_eval import DATASET, Question, load_questions, normalise

TRAINING_FILES = sorted((PROJECT_ROOT / "evals" / "datasets").glob("retrieval_training_*.yaml"))
MAX_QUERY_TOKENS = 64
MAX_PASSAGE_TOKENS = 256


@dataclass(frozen=True)
class Passage:
    id: str
    source: str
    text: str  # as it is embedded: headed by its document's title and section
    plain: str  # normalised body, to find the sentence in


@dataclass(frozen=True)
class Example:
    question: Question
    positives: tuple[int, ...]  # indices into the passages


def corpus(sources_dir: Path) -> list[Passage]:
    """The packaged sources chunked exactly as the index chunks them."""
    knowledge = KnowledgeSettings()
    out = []
    for path in list_source_files(sources_dir):
        source = read_source(path)
        for c in chunk_source(source, knowledge.chunk_tokens, knowledge.chunk_overlap):
            out.append(Passage(c.id, source.name, headed(source.meta.title, c.section, c.text),
                               normalise(c.text)))
    return out


def examples(questions: Sequence[Question], passages: Sequence[Passage]) -> tuple[list[Example], int]:
    """Each question with the passages that hold its sentence; those whose sentence a chunk
    boundary splits (no passage holds it whole) are dropped and counted."""
    out, dropped = [], 0
    for q in questions:
        want = normalise(q.contains)
        pos = tuple(i for i, p in enumerate(passages) if p.source in q.sources and want in p.plain)
        if pos:
            out.append(Example(q, pos))
        else:
            dropped += 1
    return out, dropped


def is_dev(question: Question) -> bool:
    return zlib.crc32(question.id.encode()) % 5 == 0


class Encoder:
    """The trainable encoder and its tokenizer (torch, training only)."""

    def __init__(self) -> None:
        from tokenizers import Tokenizer

        config, weights, self.tokenizer_json = base_files()
        self.tokenizer = Tokenizer.from_str(self.tokenizer_json.decode("utf-8"))
        self.tokenizer.no_padding()
        self.model = build_model(config, weights)

    def _ids(self, texts: Sequence[str], limit: int) -> list[list[int]]:
        self.tokenizer.enable_truncation(max_length=limit)
        return [e.ids for e in self.tokenizer.encode_batch(list(texts))]

    def forward(self, texts: Sequence[str], limit: int) -> Any:
        import torch

        rows = self._ids(texts, limit)
        width = max(len(r) for r in rows)
        ids = torch.zeros((len(rows), width), dtype=torch.long)
        mask = torch.zeros_like(ids)
        for k, r in enumerate(rows):
            ids[k, : len(r)] = torch.tensor(r)
            mask[k, : len(r)] = 1
        pooled = mean_pool(self.model(ids, mask, torch.zeros_like(ids)), mask)
        return torch.nn.functional.normalize(pooled, dim=-1)

    def embed(self, texts: Sequence[str], limit: int, batch: int = 16) -> np.ndarray:
        import torch

        self.model.eval()
        with torch.no_grad():
            parts = [self.forward(texts[i:i + batch], limit).numpy()
                     for i in range(0, len(texts), batch)]
        return np.vstack(parts)


def ranks(enc: Encoder, items: Sequence[Example], passages: Sequence[Passage],
          passage_vectors: np.ndarray | None = None) -> list[int | None]:
    """The 1-based rank of each question's first right passage by cosine alone (None past 10)."""
    pv = passage_vectors if passage_vectors is not None else enc.embed([p.text for p in passages],
                                                                       MAX_PASSAGE_TOKENS)
    qv = enc.embed([e.question.question for e in items], MAX_QUERY_TOKENS)
    out: list[int | None] = []
    for e, scores in zip(items, qv @ pv.T, strict=True):
        order = list(np.argsort(-scores)[:10])
        out.append(next((n for n, i in enumerate(order, 1) if i in e.positives), None))
    return out


def summary(found: Sequence[int | None]) -> str:
    n = max(len(found), 1)
    hit1 = sum(r == 1 for r in found) / n
    hit3 = sum(r is not None and r <= 3 for r in found) / n
    mrr = sum(1 / r for r in found if r) / n
    return f"hit@1 {hit1:.3f}  hit@3 {hit3:.3f}  MRR {mrr:.3f}  (n={len(found)}, vector only)"


def hard_negatives(enc: Encoder, items: Sequence[Example], passages: Sequence[Passage],
                   depth: int = 8) -> list[list[int]]:
    """For each question, the passages the untrained encoder ranks highest that do not
    answer it (nor hold its sentence in another chunk)."""
    pv = enc.embed([p.text for p in passages], MAX_PASSAGE_TOKENS)
    qv = enc.embed([e.question.question for e in items], MAX_QUERY_TOKENS)
    out = []
    for e, scores in zip(items, qv @ pv.T, strict=True):
        order = [int(i) for i in np.argsort(-scores) if int(i) not in e.positives]
        out.append(order[:depth])
    return out


def train(enc: Encoder, items: Sequence[Example], passages: Sequence[Passage], *, epochs: int,
          lr: float, batch: int, seed: int, dev: Sequence[Example] = ()) -> list[str]:
    import torch

    rng = random.Random(seed)
    torch.manual_seed(seed)
    negatives = hard_negatives(enc, items, passages)
    params = list(enc.model.parameters())
    optimiser = torch.optim.AdamW(params, lr=lr, weight_decay=0.01)
    steps = epochs * -(-len(items) // batch)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min(1.0, (s + 1) / (0.1 * steps)) * max(0.0, 1 - s / steps))
    log = []
    order = list(range(len(items)))
    started = time.perf_counter()
    for epoch in range(1, epochs + 1):
        rng.shuffle(order)
        enc.model.train()
        total = 0.0
        for b in range(0, len(order), batch):
            chosen = [items[i] for i in order[b:b + batch]]
            hard = [rng.choice(negatives[i]) for i in order[b:b + batch]]
            targets = [rng.choice(e.positives) for e in chosen]
            pool = list(dict.fromkeys(targets + hard))  # unique passages, targets first
            q = enc.forward([e.question.question for e in chosen], MAX_QUERY_TOKENS)
            p = enc.forward([passages[i].text for i in pool], MAX_PASSAGE_TOKENS)
            logits = 20.0 * (q @ p.T)
            # Another right passage of the same question is not a negative for it.
            mask = torch.zeros_like(logits, dtype=torch.bool)
            for r, (e, t) in enumerate(zip(chosen, targets, strict=True)):
                for c, idx in enumerate(pool):
                    if idx != t and idx in e.positives:
                        mask[r, c] = True
            logits = logits.masked_fill(mask, -1e4)
            labels = torch.tensor([pool.index(t) for t in targets])
            loss = torch.nn.functional.cross_entropy(logits, labels)
            optimiser.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            optimiser.step()
            schedule.step()
            total += loss.item() * len(chosen)
        line = f"epoch {epoch}/{epochs}: loss {total / len(items):.3f} ({time.perf_counter() - started:.0f} s)"
        if dev:
            line += "  dev " + summary(ranks(enc, dev, passages))
        print(line, flush=True)
        log.append(line)
    return log


def fingerprint(items: Sequence[Example], passages: Sequence[Passage]) -> str:
    digest = hashlib.sha256()
    for p in passages:
        digest.update(f"{p.id}\n{p.text}\n".encode())
    for e in sorted(items, key=lambda e: e.question.id):
        digest.update(json.dumps([e.question.id, e.question.question, list(e.positives)]).encode())
    return digest.hexdigest()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m evals.finetune_retrieval_encoder",
                                 description=__doc__.split("\n")[0])
    ap.add_argument("--all", action="store_true",
                    help="train on every training question (needs --out)")
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--lr", type=float, default=3e-5)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--exclude-eval-targets", action="store_true",
                    help="drop training questions whose right passage answers an evaluation "
                         "question (to measure generalisation to passages never trained on)")
    args = ap.parse_args(argv)
    if not TRAINING_FILES:
        print("no training questions (evals/datasets/retrieval_training_*.yaml)", file=sys.stderr)
        return 2
    sources_dir = DEFAULT_KNOWLEDGE_DIR / "sources"
    passages = corpus(sources_dir)
    questions = [q for f in TRAINING_FILES for q in load_questions(f, sources_dir)]
    items, dropped = examples(questions, passages)
    print(f"{len(passages)} passages; {len(questions)} training questions, {len(items)} usable "
          f"({dropped} with a sentence split across chunks)")
    if args.exclude_eval_targets:
        held, _ = examples(load_questions(DATASET, sources_dir), passages)
        taken = {i for e in held for i in e.positives}
        before = len(items)
        items = [e for e in items if not taken.intersection(e.positives)]
        print(f"dropped {before - len(items)} training questions whose passage answers an "
              "evaluation question")
    if args.all and not args.out:
        print("--all needs --out DIR: where to write the encoder", file=sys.stderr)
        return 2
    enc = Encoder()
    dev: list[Example] = []
    if args.all:
        train_items = items
    else:
        train_items = [e for e in items if not is_dev(e.question)]
        dev = [e for e in items if is_dev(e.question)]
        print(f"train {len(train_items)}, dev {len(dev)}; "
              f"before: dev {summary(ranks(enc, dev, passages))}")
    log = train(enc, train_items, passages, epochs=args.epochs, lr=args.lr, batch=args.batch,
                seed=args.seed, dev=dev)
    if args.out:
        export_encoder(enc.model, enc.tokenizer_json, args.out, {
            "base": BASE_DESCRIPTION, "purpose": "retrieval" if args.all else "retrieval-dev",
            "epochs": args.epochs, "lr": args.lr, "batch": args.batch, "seed": args.seed,
            "n_train": len(train_items), "exclude_eval_targets": args.exclude_eval_targets,
            "training_fingerprint": fingerprint(train_items, passages), "log": log,
        })
    return 0

if __name__ == "__main__":
    sys.exit(main())
