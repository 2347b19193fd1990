"""Retrieval benchmark: cold indexing of the shipped corpus, and query latency over a
synthetic corpus of 10,000 chunks, hybrid (vector + BM25, the default) against the vector
ranking alone in the same run.

    python -m evals.bench retrieval [--chunks 10000] [--queries 300]

The synthetic chunks recombine sentences of the real corpus (seeded, so every run builds
the same corpus), which keeps their length and vocabulary realistic. Latency is measured
through ``KnowledgeBase.search``: query embedding, HNSW search, BM25 scoring, fusion and
metadata included.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from coach.retrieval import KnowledgeBase, list_source_files, read_source
from coach.settings import KnowledgeSettings, Settings
from coach.text import split_sentences
from evals.common import percentile_ms

QUERIES = [
    "open ended questions", "contract of expectations", "what matters to the person",
    "affirm strengths", "reflective listening", "summarise in an empowering way",
    "balancing risk and rights", "care home and the cat", "the police report",
    "supervision framework worried about", "personal outcomes are not services",
    "carers assessment what matters conversation", "recording outcomes in the person's words",
    "fixer to facilitator", "exchange model negotiate", "the children doing well at school",
    "money worries and benefits", "confidence in the kitchen", "being listened to",
    "jargon free information for parents",
]


def _sentences(directory: Path) -> list[str]:
    out: list[str] = []
    for path in list_source_files(directory):
        body = read_source(path).body
        for sentence in split_sentences(body, verbatim=True):
            sentence = " ".join(sentence.split())
            if 20 <= len(sentence) <= 400:
                out.append(sentence)
    return out


def _cold_index_seconds(knowledge_dir: Path) -> tuple[float, str]:
    """Run ``coach index`` in a fresh process against an empty data directory."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "COACH_DATA_DIR": tmp, "COACH_KNOWLEDGE_DIR": str(knowledge_dir)}
        started = time.perf_counter()
        run = subprocess.run([sys.executable, "-m", "coach.cli", "index"], env=env,
                             capture_output=True, text=True, check=False)
        elapsed = time.perf_counter() - started
    if run.returncode != 0:
        raise SystemExit(f"coach index failed:\n{run.stderr[-2000:]}")
    return elapsed, run.stdout.strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.bench retrieval")
    parser.add_argument("--chunks", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args(argv)

    knowledge = KnowledgeSettings()
    print(f"Machine: {os.cpu_count()} cores; corpus {knowledge.sources_dir}")
    wall, summary = _cold_index_seconds(knowledge.dir)
    print(f"Cold index of the corpus (new process, empty store): {wall:.1f} s wall  [target < 15 s]")
    print(f"  {summary}")

    rng = random.Random(1234)
    sentences = _sentences(knowledge.sources_dir)
    texts = [" ".join(rng.sample(sentences, rng.randint(1, 3))) for _ in range(args.chunks)]
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings.test_profile(
            Path(tmp), knowledge=KnowledgeSettings.model_construct(collection="bench_synthetic")
        )
        kb = KnowledgeBase(settings)
        from coach.embedding import get_embedder

        started = time.perf_counter()
        vectors = get_embedder().embed(texts)
        embed_s = time.perf_counter() - started
        started = time.perf_counter()
        for start in range(0, len(texts), 2000):
            end = start + 2000
            kb.collection.add(
                ids=[f"syn{i}" for i in range(start, min(end, len(texts)))],
                documents=texts[start:end],
                embeddings=[v.tolist() for v in vectors[start:end]],
                metadatas=[{"source": f"synthetic-{i % 50}.md", "content_hash": "-", "title": "Synthetic",
                            "publisher": "bench", "origin": "bench", "kind": "guidance" if i % 3 else "transcript",
                            "style": "", "section": "", "speakers": "", "chunk_index": i}
                           for i in range(start, min(end, len(texts)))],
            )
        add_s = time.perf_counter() - started
        started = time.perf_counter()
        kb.rebuild_lexical()
        lexical_s = time.perf_counter() - started
        print(f"Synthetic corpus: {kb.count()} chunks; embedded in {embed_s:.1f} s "
              f"({len(texts) / embed_s:.0f} chunks/s), added to Chroma in {add_s:.1f} s, "
              f"BM25 index built from Chroma in {lexical_s:.1f} s")

        for q in QUERIES[:5]:  # warm the model, the HNSW index and the BM25 index
            kb.search(q, k=5)
            kb.search(q, k=5, ranker="vector")
        timings: dict[str, list[float]] = {"hybrid": [], "vector": [], "hybrid, kind filter": [],
                                           "vector, kind filter": []}
        # Interleaved, so both rankings see the same machine load.
        for i in range(args.queries):
            query = QUERIES[i % len(QUERIES)] + ("" if i < len(QUERIES) else f" {i}")
            for name, ranker, kind in (("hybrid", "hybrid", None), ("vector", "vector", None),
                                       ("hybrid, kind filter", "hybrid", "transcript"),
                                       ("vector, kind filter", "vector", "transcript")):
                t0 = time.perf_counter()
                hits = kb.search(query, k=5, kind=kind, ranker=ranker)
                timings[name].append(time.perf_counter() - t0)
                assert len(hits) == 5
        print(f"Query latency over {kb.count()} chunks, k=5, {args.queries} queries each:")
        for name, samples in timings.items():
            print(f"  {name:20} p50 {percentile_ms(samples, 50):5.1f} ms, "
                  f"p95 {percentile_ms(samples, 95):5.1f} ms")
        ratio = percentile_ms(timings["hybrid"], 50) / percentile_ms(timings["vector"], 50)
        print(f"  hybrid p50 / vector-only p50: {ratio:.2f}×  [target ≤ 2×; p50 < 25 ms]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
