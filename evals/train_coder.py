"""``python -m evals.train_coder``: fit the coder on the exemplars' train split and write
the shipped weights (coach/coding/coder.npz), on the coder's encoder (the fine-tuned one in
coach/coding/encoder/ when shipped). ``--check`` only says whether the shipped weights and
encoder match the current train split; ``--cv`` prints cross-validated figures on the
train split (moments kept whole), the only place hyperparameters are chosen from.
"""

from __future__ import annotations

import argparse
import json
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
from coach.coding._encoder import (
    ENCODER_DIR,
    encoder_available,
    encoder_digest,
    get_coding_encoder,
)
from coach.embedding import Embedder, FineTunedEncoder, get_embedder
from evals.coder_metrics import agreement, format_agreement


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m evals.train_coder", description=__doc__.split("\n")[0])
    p.add_argument("--exemplars", type=Path, default=EXEMPLAR_DIR)
    p.add_argument("--out", type=Path, default=MODEL_PATH)
    p.add_argument("--check", action="store_true", help="exit 1 if the shipped weights are stale")
    p.add_argument("--cv", action="store_true", help="print 5-fold cross-validation on train")
    p.add_argument("--cv-fold", type=int, default=None, metavar="K",
                   help="fit on the train split without CV fold K and score fold K only "
                        "(for an encoder fine-tuned without that fold), then stop")
    p.add_argument("--encoder", type=Path, default=None, metavar="DIR",
                   help="a fine-tuned encoder directory (default: the shipped one, else MiniLM)")
    p.add_argument("--minilm", action="store_true", help="use the bundled MiniLM as encoder")
    args = p.parse_args(argv)
    if args.minilm:
        encoder: Embedder = get_embedder()
    elif args.encoder is not None:
        encoder = FineTunedEncoder(args.encoder, "coder-encoder")
    else:
        encoder = get_coding_encoder()

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
        if encoder_available():
            trained_on = json.loads((ENCODER_DIR / "encoder.json").read_text())
            if trained_on.get("training_fingerprint") != fingerprint:
                print(f"stale: the coder's encoder in {ENCODER_DIR} was fine-tuned on other "
                      "data; run `python -m evals.finetune_coder_encoder`, then "
                      "`python -m evals.train_coder`")
                return 1
            if trained_on.get("onnx_sha256") != encoder_digest():
                print(f"stale: {ENCODER_DIR / 'encoder.json'} does not describe the ONNX file "
                      "beside it; run `python -m evals.finetune_coder_encoder`")
                return 1
        if shipped.meta.get("encoder") != get_coding_encoder().model_id:
            print(f"stale: {args.out} was fitted on the encoder {shipped.meta.get('encoder')!r}, "
                  f"not the shipped {get_coding_encoder().model_id!r}; run "
                  "`python -m evals.train_coder`")
            return 1
        if shipped.meta.get("feature_fingerprint") != feature_fingerprint(replies):
            print(f"stale: the coder's features changed since {args.out} was trained; "
                  "run `python -m evals.train_coder`")
            return 1
        print(f"up to date: {args.out} matches the {len(replies)} training replies")
        return 0

    hp = HyperParams()
    if args.cv_fold is not None:
        feats = featurise_replies(replies, encoder)
        codes, stances = cross_validate(replies, feats, hp, encoder, only_fold=args.cv_fold)
        idx = [i for i, c in enumerate(codes) if c]
        print(format_agreement(
            agreement([replies[i].code for i in idx], [codes[i] for i in idx], CODES),
            f"Fold {args.cv_fold} of 5 on the train split, encoder {encoder.model_id}"))
        s = agreement([replies[i].stance for i in idx], [stances[i] for i in idx], STANCES)
        print(f"  stance accuracy {s.accuracy:.3f}\n")
        return 0
    if args.cv:
        embedder = encoder
        feats = featurise_replies(replies, embedder)
        codes, stances = cross_validate(replies, feats, hp, embedder)
        print(format_agreement(agreement([r.code for r in replies], codes, CODES),
                               "5-fold cross-validation on the train split"))
        s = agreement([r.stance for r in replies], stances, STANCES)
        print(f"  stance accuracy {s.accuracy:.3f}\n")

    start = time.perf_counter()
    model = train(args.exemplars, args.out, hp, embedder=encoder)
    print(f"trained on {model.meta['n_train']} replies in {time.perf_counter() - start:.1f} s; "
          f"wrote {args.out} (fingerprint {model.fingerprint[:12]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
