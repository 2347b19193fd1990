"""Hints and per-turn feedback never give a hidden line away, never repeat the previous
hint, never suggest what the trainee has just done, and speak about the reply in hand."""

from __future__ import annotations

import re

import pytest

from coach.coaching import HintMemo, Reaction, hint_for, turn_feedback
from coach.coaching._feedback import ExemplarIndex, choose_hint_rule
from coach.coding import CODES, STANCES
from coach.coding._vocabulary import CodeResult, SentenceCode
from coach.retrieval import KnowledgeBase, guidance_search
from coach.roleplay import load_personas
from coach.settings import DEFAULT_KNOWLEDGE_DIR, Settings
from coach.text import split_sentences

CARDS = load_personas(DEFAULT_KNOWLEDGE_DIR / "personas")
SECRETS = {pid: card.secret_phrases() for pid, card in CARDS.items()}


def coded(code: str, stance: str = "outcomes", cues: tuple[str, ...] = ()) -> CodeResult:
    return CodeResult(code=code, stance=stance, sentences=(SentenceCode("…", code),), cues=cues)  # type: ignore[arg-type]


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[\\*_>“”\"]", " ", text.lower().replace("’", "'")).split())


# Every sentence (four words or more) of every hidden line and statement, of every person.
HIDDEN_SENTENCES = sorted({
    _norm(s)
    for card in CARDS.values() for item in card.hidden.items
    for text in (*item.lines, item.statement or "")
    for s in split_sentences(text) if len(s.split()) >= 4
})


@pytest.fixture(scope="module")
def exemplars() -> ExemplarIndex:
    return ExemplarIndex.load(DEFAULT_KNOWLEDGE_DIR / "exemplars")


@pytest.fixture(scope="module")
def search(indexed_settings: Settings):
    return guidance_search(KnowledgeBase(indexed_settings))


def _quotes_hidden(text: str) -> list[str]:
    low = _norm(text)
    return [s for s in HIDDEN_SENTENCES if s.rstrip(".?!") in low]


@pytest.mark.parametrize("persona", sorted(CARDS))
def test_no_hint_or_feedback_for_any_persona_quotes_any_hidden_line(persona, exemplars) -> None:
    """For every moment the person can be in (each of their lines, surface and hidden, as
    the thing just said) and every skill a hint can suggest, the hint shows no hidden line
    of anyone; nor does the feedback on any code and stance."""
    card = CARDS[persona]
    moments = [line.text for act in ("opening", "first_reply") for line in getattr(card.lines, act)]
    moments += [line.text for act in ("deflect", "defend", "short_answer", "answer")
                for lines in card.lines.bank(act).values() for line in lines]
    moments += [line for item in card.hidden.items for line in item.lines]
    last_codes = [[], [coded("closed_question", "paperwork")], [coded("reflection_complex")],
                  [coded("open_question"), coded("closed_question")], [coded("summary")] * 6]
    for n, context in enumerate(moments):
        # Each moment with one of the code histories in turn (every rule gets its go).
        for codes in (last_codes[n % len(last_codes)], last_codes[(n + 2) % len(last_codes)]):
            hint = hint_for(context, [("person", context)], codes, persona, None, exemplars,
                            locked=[], secrets=SECRETS)
            assert _quotes_hidden(hint.to_markdown()) == [], (context, hint.to_markdown())
    for code in CODES:
        for stance in STANCES:
            text = turn_feedback(coded(code, stance), text="Why did you do that?",
                                 reaction=Reaction(card.brief.name, "answer", 0.05))
            assert _quotes_hidden(text) == []


def test_without_the_secrets_an_exemplar_would_have_quoted_a_hidden_line(exemplars) -> None:
    """The check above can fail: some exemplar moments do quote a person's hidden line."""
    quoting = [m for m in exemplars.moments
               if _quotes_hidden(" ".join([m.context, *(r.text for r in m.replies)]))]
    assert quoting


def test_a_hint_never_suggests_the_skill_just_used() -> None:
    # The person voiced a feeling; the trainee has just made a complex reflection.
    rule = choose_hint_rule("I'm frightened, I can't cope.", [coded("reflection_complex")])
    assert rule.skill != "reflection_complex"
    rule = choose_hint_rule("Right.", [coded("affirmation")])
    assert rule.skill != "affirmation"


def test_a_hint_never_repeats_the_previous_hints_advice_quote_or_example(exemplars, search) -> None:
    context = "He's kicking off all the time. I think he hates me and I'm frightened of him."
    codes = [coded("open_question")]
    first = hint_for(context, [("person", context)], codes, "iris", search, exemplars,
                     secrets=SECRETS)
    second = hint_for(context, [("person", context)], codes, "iris", search, exemplars,
                      secrets=SECRETS, previous=first.memo())
    assert first.rule != second.rule and first.skill != second.skill
    assert first.citation and second.citation and first.citation.snippet != second.citation.snippet
    assert not (first.exemplar and second.exemplar and first.exemplar.text == second.exemplar.text)
    third = hint_for(context, [("person", context)], codes, "iris", search, exemplars,
                     secrets=SECRETS, previous=second.memo())
    assert third.rule != second.rule


def test_hint_memo_round_trips_what_the_hint_said(exemplars) -> None:
    hint = hint_for("Right.", [], [coded("summary")], None, None, exemplars)
    memo = hint.memo()
    assert isinstance(memo, HintMemo) and memo.rule == hint.rule and memo.skill == hint.skill


def test_feedback_speaks_about_this_reply_and_what_the_person_did() -> None:
    why = turn_feedback(coded("open_question", "paperwork"), text="Why did you refuse?",
                        reaction=Reaction("Mr Britton", "defend", -0.08))
    assert "tell it their way" not in why  # the stock line for open questions
    assert "why" in why.lower() and "blame" in why
    assert "Mr Britton became defensive" in why and "-0.08" in why
    shared = turn_feedback(coded("reflection_complex", cues=("names a feeling ('frightened')",)),
                           text="It sounds like you were frightened.",
                           reaction=Reaction("Debs", "disclose", 0.08, ("Money has been tight",)))
    assert "Names a feeling ('frightened')" in shared
    assert "Money has been tight" in shared and "+0.08" in shared
    # Without the reply's words or a reaction, the code and stance as before.
    assert turn_feedback(coded("closed_question", "paperwork")).startswith(
        "Closed question (paperwork / risk-led):")


def test_feedback_does_not_name_the_code_twice() -> None:
    text = turn_feedback(coded("open_question", cues=("Open question: leaves room for their own answer",)),
                         text="How have things been since you came home?")
    assert text.startswith("Open question (outcomes-focused): Leaves room for their own answer.")
    assert text.count("Open question") == 1



def test_the_summary_hint_counts_replies_without_claiming_an_earlier_summary(exemplars) -> None:
    codes = [coded(c) for c in ("open_question", "reflection_complex", "affirmation",
                                "reflection_simple", "open_question", "reflection_complex")]
    hint = hint_for("Yes, that's it really.", [], codes, None, None, exemplars)
    assert hint.rule == "time_to_summarise"
    assert "You have gone 6 replies without pulling things together." in hint.to_markdown()
    assert "since you last" not in hint.to_markdown()
