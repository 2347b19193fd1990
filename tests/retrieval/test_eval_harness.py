"""The retrieval evaluation's data and harness (the full run is `python -m evals retrieval`,
outside the test suite)."""

from __future__ import annotations

from pathlib import Path

import pytest

from coach.settings import Settings
from evals.retrieval_eval import (
    DATASET,
    MIN_QUESTIONS,
    DatasetError,
    Outcome,
    Question,
    evaluate,
    knowledge_base_searcher,
    load_questions,
    normalise,
    report,
    score,
)


def test_the_question_set_validates_against_the_corpus() -> None:
    questions = load_questions()
    assert len(questions) >= MIN_QUESTIONS
    kinds = {q.kind for q in questions}
    assert kinds == {"guidance", "transcript"}
    assert sum(q.kind == "transcript" for q in questions) >= 20


def test_a_sentence_missing_from_its_source_is_refused(tmp_path: Path) -> None:
    text = DATASET.read_text(encoding="utf-8").replace(
        "contains: pressure from inflexible timescales",
        "contains: pressure from very flexible timescales", 1)
    path = tmp_path / "q.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DatasetError, match="cp-barriers: the sentence"):
        load_questions(path)


def test_normalise_ignores_emphasis_quotes_and_punctuation() -> None:
    assert normalise("**O**pen ended questions") == normalise("Open-ended  questions")
    assert normalise("can’t be the same") == normalise("can't be the same")


def test_scores_count_rank_one_top_three_and_reciprocal_rank() -> None:
    q = Question(id="x", kind="guidance", question="a question?", sources=("a.md",),
                 contains="some sentence")
    outcomes = [Outcome(q, 1, ""), Outcome(q, 2, ""), Outcome(q, 4, ""), Outcome(q, None, "")]
    s = score(outcomes)
    assert (s.n, s.hit1, s.hit3) == (4, 0.25, 0.5)
    assert s.mrr == pytest.approx((1 + 0.5 + 0.25) / 4)
    assert "rank 2" in report(outcomes, 10) and "not in the top 10" in report(outcomes, 10)


def test_the_harness_runs_on_a_few_questions(indexed_settings: Settings) -> None:
    questions = load_questions()[:3]
    outcomes = evaluate(questions, knowledge_base_searcher(indexed_settings), k=5)
    assert [o.question.id for o in outcomes] == [q.id for q in questions]
    assert all(o.rank is None or 1 <= o.rank <= 5 for o in outcomes)
    assert "hit@3" in report(outcomes, 5)


def test_the_encoder_training_questions_validate_and_repeat_no_evaluation_question() -> None:
    """The fine-tuning experiment's questions are kept apart from the evaluation's: none is
    the same as one of them, close in meaning (MiniLM cosine over 0.8), or close (over 0.7)
    and answered by the same sentence."""
    from coach.embedding import get_embedder
    from evals.finetune_retrieval_encoder import TRAINING_FILES

    assert TRAINING_FILES and DATASET not in TRAINING_FILES
    training = [q for f in TRAINING_FILES for q in load_questions(f)]
    evaluation = load_questions()
    assert len(training) >= 500
    assert {q.id for q in training}.isdisjoint(q.id for q in evaluation)
    embedder = get_embedder()
    similarity = (embedder.embed([q.question for q in training])
                  @ embedder.embed([q.question for q in evaluation]).T)
    close = []
    for i, j in zip(*(similarity > 0.7).nonzero(), strict=True):
        t, e = normalise(training[i].contains), normalise(evaluation[j].contains)
        if similarity[i, j] > 0.8 or t in e or e in t:
            close.append((training[i].id, evaluation[j].id))
    assert close == []
