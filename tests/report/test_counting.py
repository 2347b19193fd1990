"""Counting what MITI counts: every question, reflection and affirmation in a reply feeds
the indicators, the reply keeps one primary code, and a supervisor's override replaces
everything the coder found in that reply (through ``coach.teams.with_human_code``, the one
path the service builds reports with)."""

from __future__ import annotations

import pytest

from coach.coaching._rubric import load_rubric
from coach.coding._vocabulary import CodeResult, SentenceCode
from coach.report import TurnRecord, utterance_codes, utterance_counts
from coach.report._metrics import indicators
from coach.teams import with_human_code


def reply(primary: str, *sentence_codes: str, stance: str = "outcomes") -> CodeResult:
    codes = sentence_codes or (primary,)
    return CodeResult(
        code=primary, stance=stance,  # type: ignore[arg-type]
        sentences=tuple(SentenceCode(f"sentence {i}", c)  # type: ignore[arg-type]
                        for i, c in enumerate(codes)),
        outcomes_score=0.5,
    )


def turns(*coded: CodeResult) -> list[TurnRecord]:
    return [TurnRecord(index=i, learner=f"reply {i}", coded=c, reply="…", receptivity=0.5,
                       mood="guarded") for i, c in enumerate(coded, 1)]


def overridden(ts: list[TurnRecord], codes: dict[int, str]) -> list[TurnRecord]:
    """The turns as the service reports them: a supervisor's code in place of the coder's."""
    return [t.model_copy(update={"coded": with_human_code(t.coded, (codes[t.index], None))})
            if t.index in codes else t for t in ts]


def rows(ts: list[TurnRecord], overrides: dict[int, str] | None = None) -> dict:
    found, metrics = indicators(overridden(ts, overrides or {}), load_rubric())
    return {r.name: r for r in found} | {"metrics": metrics}


def test_every_question_in_a_reply_counts() -> None:
    # Two replies that stack five questions between them: the trainee asked five, not two.
    session = turns(
        reply("open_question", "open_question", "closed_question", "open_question"),
        reply("open_question", "closed_question", "open_question"),
    )
    r = rows(session)
    assert r["metrics"]["questions"] == 5
    assert r["metrics"]["open_question_count"] == 3
    assert r["open_questions"].display == "60% (3 of 5)"


def test_a_reflection_and_a_question_in_one_reply_both_count() -> None:
    session = turns(reply("reflection_complex", "reflection_complex", "open_question"))
    r = rows(session)
    assert r["metrics"]["reflections"] == 1 and r["metrics"]["questions"] == 1
    assert r["reflection_to_question"].value == pytest.approx(1.0)
    # The reply still shows one primary code.
    assert session[0].coded.code == "reflection_complex"


def test_an_acknowledgement_before_a_question_adds_no_reflection() -> None:
    assert utterance_codes(reply("open_question", "other", "open_question")) == [
        "other", "open_question"]


def test_a_summary_counts_once_but_its_check_question_counts_too() -> None:
    summary = reply("summary", "reflection_complex", "reflection_complex", "reflection_simple",
                    "closed_question")
    assert utterance_codes(summary) == ["summary", "closed_question"]
    r = rows(turns(summary))
    assert r["summaries"].value == 1
    assert r["metrics"]["reflections"] == 1 and r["metrics"]["complex_reflection_count"] == 1
    assert r["metrics"]["questions"] == 1


def test_every_affirmation_counts() -> None:
    session = turns(reply("affirmation", "affirmation", "affirmation"), reply("open_question"))
    assert rows(session)["affirmations"].value == 2


def test_an_overridden_reply_counts_only_as_its_human_code() -> None:
    session = turns(
        reply("reflection_complex", "reflection_complex", "open_question", "open_question"),
        reply("closed_question"),
    )
    assert utterance_counts(session)["open_question"] == 2
    counted = utterance_counts(overridden(session, {1: "advice"}))
    assert counted == {"advice": 1, "closed_question": 1}
    r = rows(session, {1: "advice"})
    assert r["metrics"]["questions"] == 1 and r["metrics"]["reflections"] == 0
    assert r["metrics"]["advice"] == 1 and r["metrics"]["advice_share"] == pytest.approx(0.5)


def test_an_override_also_decides_a_run_of_questions() -> None:
    session = turns(reply("open_question"), reply("closed_question"), reply("open_question"))
    assert rows(session)["metrics"]["longest_question_run"] == 3
    assert rows(session, {2: "reflection_simple"})["metrics"]["longest_question_run"] == 1


def test_an_overridden_stance_alone_keeps_the_coders_sentence_codes() -> None:
    coded = reply("reflection_complex", "reflection_complex", "open_question", stance="neutral")
    human = with_human_code(coded, (None, "outcomes"))
    assert human.stance == "outcomes"
    assert utterance_codes(human) == ["reflection_complex", "open_question"]


def test_the_primary_code_counts_even_when_sentences_disagree() -> None:
    # A record whose sentence list lost the primary code (an older export) still counts it.
    assert utterance_codes(reply("affirmation", "other")) == ["other", "affirmation"]
    assert utterance_codes(CodeResult(code="open_question", stance="neutral", sentences=())) == [
        "open_question"]
