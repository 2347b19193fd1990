"""`coach index` and `coach search`: the guidance library from the command line."""

from __future__ import annotations

import argparse
import sys

from coach.settings import Settings


def _add_index(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("index", help="index the knowledge sources into the vector store")
    p.add_argument("--rebuild", action="store_true", help="drop the collection and embed everything again")
    p.set_defaults(handler=_run_index)


def _run_index(args: argparse.Namespace, settings: Settings) -> int:
    from coach.retrieval import KnowledgeBase

    kb = KnowledgeBase(settings)
    report = kb.index(rebuild=args.rebuild, progress=lambda msg: print(msg, file=sys.stderr))
    print(report.summary())
    for problem in report.problems:
        print(f"error: {problem}", file=sys.stderr)
    return 1 if report.problems else 0


def _add_search(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("search", help="search the guidance and transcripts")
    p.add_argument("query")
    p.add_argument("--kind", choices=["guidance", "transcript"])
    p.add_argument("--style", choices=["outcomes", "paperwork"])
    p.add_argument("-k", type=int, default=5, help="number of passages (default 5)")
    p.add_argument("--explain", action="store_true",
                   help="show which ranking (vector, lexical) found each passage, and at what rank")
    p.add_argument("--ranker", choices=["hybrid", "vector", "lexical"], default="hybrid",
                   help="rank by both fused (default), or by one alone to compare")
    p.set_defaults(handler=_run_search)


def _run_search(args: argparse.Namespace, settings: Settings) -> int:
    from coach.retrieval import KnowledgeBase, SearchError

    kb = KnowledgeBase(settings)
    try:
        passages = kb.search(args.query, k=args.k, kind=args.kind, style=args.style,
                             ranker=args.ranker)
    except SearchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not passages:
        print("No passages found.")
        return 0
    for rank, p in enumerate(passages, 1):
        print(f"[{rank}] {p.citation()}  (score {p.score:.2f})")
        if args.explain:
            print(f"    found by: {', '.join(p.found_by) or 'nothing'}")
        print("    " + p.text.replace("\n", "\n    "))
        print()
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    _add_index(sub)
    _add_search(sub)
