"""Retrieval evaluation: does the passage that answers a practitioner's question come first?

    python -m evals retrieval [--k 10] [--limit N] [--ranker hybrid|vector|lexical]
                              [--encoder-dir DIR]

The questions are the project's own (``evals/datasets/retrieval_questions.yaml``). A passage
is right when it comes from one of the question's source files and contains its sentence
(compared ignoring case, punctuation and Markdown emphasis), so the figures do not depend
on chunk ids. The corpus is indexed into a temporary data directory, and the figures are
hit@1, hit@3 and MRR (over the top ``k``; a question with no right passage there counts 0),
overall and per kind, followed by every question whose right passage is not first.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from coach.embedding import Embedder, FineTunedEncoder, get_embedder
from coach.retrieval import RANKERS, Ranker
from coach.settings import DEFAULT_KNOWLEDGE_DIR, KnowledgeSettings, Settings
from evals.common import PROJECT_ROOT

DATASET = PROJECT_ROOT / "evals" / "datasets" / "retrieval_questions.yaml"
MIN_QUESTIONS = 60


class Question(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9-]+$")
    kind: Literal["guidance", "transcript"]
    question: str = Field(min_length=8)
    sources: tuple[str, ...] = Field(min_length=1)
    contains: str = Field(min_length=8)


class _QuestionSet(BaseModel):
    model_config = ConfigDict(extra="forbid")

    questions: list[Question]


class DatasetError(ValueError):
    """The question file is malformed or disagrees with the corpus; the message says where."""


def normalise(text: str) -> str:
    """Lower case, Markdown emphasis and apostrophes dropped, other punctuation as spaces."""
    text = re.sub(r"[*_`'’‘]", "", text.lower())
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


def load_questions(path: Path = DATASET, sources_dir: Path | None = None) -> list[Question]:
    """The validated questions. Each must name existing sources of its kind, and its
    sentence must be in at least one of them, so the set cannot drift from the corpus."""
    from coach.retrieval import read_source

    sources_dir = sources_dir or DEFAULT_KNOWLEDGE_DIR / "sources"
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        questions = _QuestionSet.model_validate(raw).questions
    except (OSError, yaml.YAMLError) as exc:
        raise DatasetError(f"{path}: cannot read: {exc}") from exc
    except ValidationError as exc:
        raise DatasetError(f"{path}: {exc}") from exc
    seen: set[str] = set()
    bodies: dict[str, tuple[str, str]] = {}
    for q in questions:
        if q.id in seen:
            raise DatasetError(f"{q.id}: the id is used twice")
        seen.add(q.id)
        for name in q.sources:
            if name not in bodies:
                file = sources_dir / name
                if not file.is_file():
                    raise DatasetError(f"{q.id}: no source file {name} in {sources_dir}")
                source = read_source(file)
                bodies[name] = (source.meta.kind, normalise(source.body))
            if bodies[name][0] != q.kind:
                raise DatasetError(f"{q.id}: {name} is {bodies[name][0]}, the question says {q.kind}")
        if not any(normalise(q.contains) in bodies[name][1] for name in q.sources):
            raise DatasetError(f"{q.id}: the sentence {q.contains!r} is in none of its sources")
    return questions


@dataclass(frozen=True)
class Outcome:
    question: Question
    rank: int | None  # 1-based rank of the first right passage within the top k
    top: str  # what came first, for the list of misses


def is_right(question: Question, source: str, text: str) -> bool:
    return source in question.sources and normalise(question.contains) in normalise(text)


Searcher = Callable[[str, int], Sequence[tuple[str, str, str]]]  # -> (source, section, text)


def evaluate(questions: Sequence[Question], search: Searcher, k: int = 10) -> list[Outcome]:
    outcomes = []
    for q in questions:
        hits = search(q.question, k)
        rank = next((n for n, (source, _, text) in enumerate(hits, 1) if is_right(q, source, text)),
                    None)
        top = f"{hits[0][0]} — {hits[0][1]}" if hits else "(nothing)"
        outcomes.append(Outcome(q, rank, top))
    return outcomes


@dataclass(frozen=True)
class Scores:
    n: int
    hit1: float
    hit3: float
    mrr: float


def score(outcomes: Sequence[Outcome]) -> Scores:
    n = len(outcomes)
    if not n:
        return Scores(0, 0.0, 0.0, 0.0)
    ranks = [o.rank for o in outcomes]
    return Scores(
        n=n,
        hit1=sum(r == 1 for r in ranks) / n,
        hit3=sum(r is not None and r <= 3 for r in ranks) / n,
        mrr=sum(1.0 / r for r in ranks if r) / n,
    )


def report(outcomes: Sequence[Outcome], k: int) -> str:
    lines = [f"{'':12} {'n':>4} {'hit@1':>7} {'hit@3':>7} {'MRR':>7}"]
    groups = [("overall", list(outcomes))] + [
        (kind, [o for o in outcomes if o.question.kind == kind]) for kind in ("guidance", "transcript")
    ]
    for name, group in groups:
        s = score(group)
        lines.append(f"{name:12} {s.n:>4} {s.hit1:>7.3f} {s.hit3:>7.3f} {s.mrr:>7.3f}")
    misses = [o for o in outcomes if o.rank != 1]
    lines.append("")
    lines.append(f"Not first ({len(misses)}):" if misses else "Every right passage came first.")
    for o in misses:
        where = f"rank {o.rank}" if o.rank else f"not in the top {k}"
        lines.append(f"  [{o.question.id}] {where}: {o.question.question}")
        lines.append(f"      wanted {' or '.join(o.question.sources)}: “{o.question.contains}”")
        lines.append(f"      first  {o.top}")
    return "\n".join(lines)


def knowledge_base_searcher(settings: Settings, ranker: Ranker = "hybrid",
                            encoder: Embedder | None = None) -> Searcher:
    from coach.retrieval import KnowledgeBase

    kb = KnowledgeBase(settings, encoder=encoder)
    kb.ensure_indexed()

    def search(query: str, k: int) -> list[tuple[str, str, str]]:
        return [(p.source, p.section, p.text) for p in kb.search(query, k=k, ranker=ranker)]

    return search


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals retrieval")
    parser.add_argument("--questions", type=Path, default=DATASET)
    parser.add_argument("--knowledge-dir", type=Path, default=DEFAULT_KNOWLEDGE_DIR,
                        help="the knowledge folder to index (default: the packaged one)")
    parser.add_argument("--data-dir", type=Path,
                        help="reuse an indexed data directory (default: a fresh temporary one)")
    parser.add_argument("-k", "--k", type=int, default=10, help="passages retrieved per question")
    parser.add_argument("--limit", type=int, help="only the first N questions (a quick check)")
    parser.add_argument("--ranker", choices=RANKERS, default="hybrid",
                        help="rank by both fused (default, what the app uses), or one alone")
    parser.add_argument("--encoder-dir", type=Path, metavar="DIR",
                        help="embed with a fine-tuned encoder written by `python -m "
                             "evals.finetune_retrieval_encoder --all --out DIR` instead of the "
                             "bundled MiniLM the app uses")
    args = parser.parse_args(argv)

    try:
        questions = load_questions(args.questions, args.knowledge_dir / "sources")
    except DatasetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.limit is None and len(questions) < MIN_QUESTIONS:
        print(f"error: {args.questions} has {len(questions)} questions; at least "
              f"{MIN_QUESTIONS} are needed for figures worth reporting", file=sys.stderr)
        return 2
    questions = questions[: args.limit] if args.limit else questions

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings.test_profile(
            args.data_dir or Path(tmp), knowledge=KnowledgeSettings.model_construct(dir=args.knowledge_dir)
        )
        encoder = (FineTunedEncoder(args.encoder_dir, "retrieval-encoder") if args.encoder_dir
                   else get_embedder())
        outcomes = evaluate(questions, knowledge_base_searcher(settings, args.ranker, encoder),
                            k=args.k)
    print(f"Retrieval over {args.knowledge_dir / 'sources'}: {len(questions)} questions, "
          f"top {args.k}, ranker {args.ranker}, encoder {encoder.model_id}")
    print(report(outcomes, args.k))
    return 0


if __name__ == "__main__":
    sys.exit(main())
