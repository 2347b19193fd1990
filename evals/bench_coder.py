"""``python -m evals.bench coder``: how fast the coder is, against the embedder alone.

Replies and their contexts come from the exemplars' held-out split (realistic lengths).
Figures: p50/p95 latency of ``coder.code`` for one reply, throughput of ``code_many``
in batches, and the ratio of coding time to a bare embedding call on the same reply
text with the coder's own encoder, both one at a time and batched. Targets: p50 < 20 ms,
ratio ≤ 2; batched throughput is reported beside the bare embedding's.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable

from coach.coding import CodeRequest, get_coder, load_split, request_for
from evals.common import percentile_ms


def _requests(limit: int) -> list[CodeRequest]:
    replies = load_split("heldout") or load_split("train")
    if not replies:
        raise SystemExit("no exemplars to benchmark with")
    return [request_for(r) for r in replies[:limit]]


def _time(fn: Callable[[], object], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m evals.bench coder", description=__doc__.split("\n")[0])
    p.add_argument("-n", type=int, default=200, help="replies timed one at a time (default 200)")
    p.add_argument("--batch", type=int, default=256,
                   help="batch size for code_many and for the embedding it is compared with "
                        "(default 256)")
    p.add_argument("--rounds", type=int, default=3, help="batched rounds; the median is reported")
    args = p.parse_args(argv)

    coder = get_coder()
    # The bare embedding is timed with the encoder the coder ships and uses.
    embedder = coder.embedder
    print(f"Encoder: {embedder.model_id}")
    requests = _requests(max(args.n, args.batch * 2))
    # Warm up both (ONNX allocates on first runs).
    coder.code_many(requests[:16])
    embedder.embed([r.reply for r in requests[:16]])

    singles = requests[: args.n]
    code_s, embed_s = [], []
    for r in singles:
        code_s.extend(_time(lambda r=r: coder.code(r.reply, r.context, r.history), 1))
        embed_s.extend(_time(lambda r=r: embedder.embed([r.reply]), 1))
    ratio_single = statistics.median(c / e for c, e in zip(code_s, embed_s, strict=True))
    print(f"One reply at a time ({len(singles)} replies from the held-out split):")
    print(f"  coder.code       p50 {percentile_ms(code_s, 50):6.1f} ms   "
          f"p95 {percentile_ms(code_s, 95):6.1f} ms   (target p50 < 20 ms)")
    print(f"  embedding alone  p50 {percentile_ms(embed_s, 50):6.1f} ms   "
          f"p95 {percentile_ms(embed_s, 95):6.1f} ms")
    print(f"  ratio coding / embedding (median per reply) {ratio_single:.2f}   (target ≤ 2)")

    batch_reqs = requests[: args.batch * 2]
    texts = [r.reply for r in batch_reqs]
    code_rounds, embed_rounds = [], []
    for _ in range(args.rounds):
        code_rounds.extend(_time(lambda: [coder.code_many(batch_reqs[i:i + args.batch])
                                          for i in range(0, len(batch_reqs), args.batch)], 1))
        embed_rounds.extend(_time(lambda: [embedder.embed(texts[i:i + args.batch])
                                           for i in range(0, len(texts), args.batch)], 1))
    code_t = statistics.median(code_rounds)
    embed_t = statistics.median(embed_rounds)
    print(f"Batched ({len(batch_reqs)} replies in batches of {args.batch}, both sides, median of "
          f"{args.rounds} rounds):")
    print(f"  code_many        {len(batch_reqs) / code_t:7.0f} replies/s")
    print(f"  embedding alone  {len(batch_reqs) / embed_t:7.0f} replies/s")
    print(f"  ratio coding / embedding {code_t / embed_t:.2f}   (target ≤ 2)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
