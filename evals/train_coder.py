"""``python -m evals.train_coder``: fit the coder on the exemplars' train split and write
the shipped weights (coach/data/coder.npz). ``--check`` only says whether the shipped
weights match the current train split; ``--cv`` prints cross-validated figures on the
train split (moments kept whole), the only place hyperparameters are chosen from.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from coach.coding import (
    CODES,
    EXEMPLAR_DIR,
    MODEL_PATH,
    STANCES,
    CoderModel,
    HyperParams,
    cross_validate,
    feature_fingerprint,
    featurise_replies,
    load_split,
    train,
    training_fingerprint,
)
from coach.embedding import get_embedder
from evals.coder_metrics import agreement, format_agreement


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m evals.train_coder", description=__doc__.split("\n")[0])
    p.add_argument("--exemplars", type=Path, default=EXEMPLAR_DIR)
    p.add_argument("--out", type=Path, default=MODEL_PATH)
    p.add_argument("--check", action="store_true", help="exit 1 if the shipped weights are stale")
    p.add_argument("--cv", action="store_true", help="print 5-fold cross-validation on train")
    args = p.parse_args(argv)

    replies = load_split("train", args.exemplars)
    fingerprint = training_fingerprint(replies)
    if args.check:
        try:
            shipped = CoderModel.load(args.out)
        except (FileNotFoundError, ValueError) as exc:
            print(f"stale: {exc}")
            return 1
        if shipped.fingerprint != fingerprint:
            print(f"stale: {args.out} was trained on other data; run `python -m evals.train_coder`")
            return 1
        if shipped.meta.get("feature_fingerprint") != feature_fingerprint(replies):
            print(f"stale: the coder's features changed since {args.out} was trained; "
                  "run `python -m evals.train_coder`")
            return 1
        print(f"up to date: {args.out} matches the {len(replies)} training replies")
        return 0

    hp = HyperParams()
    if args.cv:
        embedder = get_embedder()
        feats = featurise_replies(replies, embedder)
        codes, stances = cross_validate(replies, feats, hp, embedder)
        print(format_agreement(agreement([r.code for r in replies], codes, CODES),
                               "5-fold cross-validation on the train split"))
        s = agreement([r.stance for r in replies], stances, STANCES)
        print(f"  stance accuracy {s.accuracy:.3f}\n")

    start = time.perf_counter()
    model = train(args.exemplars, args.out, hp)
    print(f"trained on {model.meta['n_train']} replies in {time.perf_counter() - start:.1f} s; "
          f"wrote {args.out} (fingerprint {model.fingerprint[:12]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
