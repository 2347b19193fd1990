"""Hints: the rule that picks the skill, the cited guidance, the exemplar chosen by
meaning, and the guard that keeps a persona's hidden material out of exemplars."""

from __future__ import annotations

import pytest

from coach.coaching._feedback import ExemplarIndex, Hint, hint_for, person_cues
from coach.coaching._turn import turn_feedback
from coach.coding._vocabulary import CodeResult, SentenceCode
from coach.retrieval import KnowledgeBase, guidance_search
from coach.settings import DEFAULT_KNOWLEDGE_DIR, Settings

EXEMPLARS = DEFAULT_KNOWLEDGE_DIR / "exemplars"


def coded(code: str, stance: str = "outcomes") -> CodeResult:
    return CodeResult(code=code, stance=stance, sentences=(SentenceCode("…", code),))


@pytest.fixture(scope="module")
def exemplars() -> ExemplarIndex:
    return ExemplarIndex.load(EXEMPLARS)


@pytest.fixture(scope="module")
def search(indexed_settings: Settings):
    return guidance_search(KnowledgeBase(indexed_settings))


def ask(context: str, codes: list[CodeResult], exemplars, search, persona: str | None = "debs",
        locked=None) -> Hint:
    return hint_for(context, [("person", context)], codes, persona, search, exemplars, locked=locked)


def assert_grounded(hint: Hint) -> None:
    assert hint.citation is not None and hint.citation.source.startswith("guidance-")
    assert hint.citation.snippet and hint.citation.source in hint.citation.citation
    assert hint.exemplar is not None
    assert hint.exemplar.code == hint.skill and hint.exemplar.stance == "outcomes"
    assert hint.note is None


@pytest.mark.parametrize(
    ("context", "codes", "rule", "skill"),
    [
        ("Yeah, he's at school.", [coded("open_question"), coded("closed_question", "neutral")],
         "questions_in_a_row", "reflection_complex"),
        ("He's kicking off all the time. I think he hates me and I'm frightened of him.",
         [coded("open_question")], "feeling_shared", "reflection_complex"),
        ("All I want is for the four of us to get away for a few days.",
         [coded("reflection_simple")], "something_that_matters", "reflection_complex"),
        ("I'm the one who does the money in our house. Never missed the rent once.",
         [coded("reflection_simple")], "strength_mentioned", "affirmation"),
        ("What's that got to do with anything?", [coded("closed_question", "paperwork")],
         "after_paperwork", "open_question"),
        ("Whatever.", [coded("confront", "paperwork")], "after_confronting", "reflection_complex"),
        ("Mm.", [coded("reflection_simple")] * 6, "time_to_summarise", "summary"),
        ("No.", [coded("reflection_simple"), coded("closed_question", "neutral")],
         "after_closed_question", "open_question"),
        ("Yeah. Why, who's asking?", [], "opening", "open_question"),
        ("Right.", [coded("summary"), coded("reflection_simple")], "keep_listening",
         "reflection_complex"),
    ],
)
def test_the_rule_picks_the_skill_with_guidance_and_an_exemplar(
    context: str, codes: list[CodeResult], rule: str, skill: str, exemplars, search
) -> None:
    hint = ask(context, codes, exemplars, search)
    assert (hint.rule, hint.skill) == (rule, skill)
    assert_grounded(hint)
    if rule == "questions_in_a_row":
        assert "2 questions in a row" in hint.suggestion
    md = hint.to_markdown()
    assert hint.exemplar.text.split()[0] in md and "—" in md


def test_a_paperwork_reply_is_repaired_before_anything_else(exemplars, search) -> None:
    # She shares a feeling, but the last reply was about the form: fix the stance first.
    hint = ask("I'm scared you'll take them off me.", [coded("closed_question", "paperwork")],
               exemplars, search)
    assert hint.rule == "after_paperwork"


def test_the_exemplar_comes_from_the_moment_closest_in_meaning(exemplars) -> None:
    moments = [m for m in exemplars.moments if m.persona is None and any(
        r.code == "affirmation" and r.stance == "outcomes" and "hard_case" not in r.tags
        and "spoken" not in r.tags for r in m.replies)]
    assert len(moments) >= 3
    for moment in moments[:3]:
        pick = exemplars.pick(moment.context, "affirmation")
        assert pick is not None and pick.moment_id == moment.id, moment.id
        assert pick.similarity > 0.95 and pick.code == "affirmation"
        assert pick.text in {r.text for r in moment.replies}


def test_hints_never_show_transcribed_speech_as_the_model_answer(exemplars) -> None:
    spoken = [m for m in exemplars.moments
              if any("spoken" in r.tags and r.code == "open_question" for r in m.replies)]
    assert len(spoken) >= 3
    for moment in spoken[:5]:
        pick = exemplars.pick(moment.context, "open_question")
        assert pick is not None and pick.code == "open_question"
        chosen = next(m for m in exemplars.moments if m.id == pick.moment_id)
        reply = next(r for r in chosen.replies if r.text == pick.text)
        assert "spoken" not in reply.tags, pick.text


def test_same_persona_exemplars_need_to_know_what_is_still_locked(exemplars) -> None:
    context = "He seems to hate me. Anything I say, anything I do, it's not good enough."
    moment = next(m for m in exemplars.moments if m.id == "debs-llyr-hates-me")
    two_questions = [coded("open_question"), coded("open_question")]

    unknown = hint_for(context, [], two_questions, "debs", None, exemplars)
    assert unknown.exemplar is not None and unknown.exemplar.persona != "debs"

    nothing_locked = hint_for(context, [], two_questions, "debs", None, exemplars, locked=[])
    assert nothing_locked.exemplar is not None
    assert nothing_locked.exemplar.moment_id == moment.id

    llyr_locked = hint_for(context, [], two_questions, "debs", None, exemplars,
                           locked=["Aggressive", "my boy back"])
    assert llyr_locked.exemplar is not None and llyr_locked.exemplar.moment_id != moment.id
    chosen = next(m for m in exemplars.moments if m.id == llyr_locked.exemplar.moment_id)
    words = " ".join([chosen.context, *(r.text for r in chosen.replies)]).lower()
    assert "aggressive" not in words and "my boy back" not in words


def test_without_a_knowledge_base_the_hint_says_so(exemplars) -> None:
    hint = hint_for("No.", [], [coded("closed_question")], "iris", None, exemplars)
    assert hint.citation is None and hint.exemplar is not None
    assert "no knowledge base" in (hint.note or "")
    assert hint.to_dict()["citation"] is None


def test_an_empty_context_falls_back_to_the_last_thing_the_person_said(exemplars) -> None:
    history = [("worker", "How are you?"), ("person", "I'm worried sick about him."),
               ("worker", "Tell me more.")]
    hint = hint_for("", history, [coded("open_question")], None, None, exemplars)
    assert hint.rule == "feeling_shared"


def test_person_cues_match_whole_words_and_curly_apostrophes() -> None:
    assert person_cues("I can’t cope any more") == {"emotion"}
    assert "emotion" in person_cues("I was frightened to death")  # frighten* is a prefix
    assert person_cues("He kept the receipts, proudly") == set()  # "proud" is a whole word
    assert person_cues("It's fine.") == set()


def test_turn_feedback_names_the_code_and_the_stance(search) -> None:
    plain = turn_feedback(coded("closed_question", "paperwork"))
    assert plain.startswith("Closed question (paperwork / risk-led):")
    assert "led by the form or the risk" in plain
    cited = turn_feedback(coded("reflection_complex"), search=search)
    assert cited.startswith("Complex reflection (outcomes-focused):")
    assert "Guidance: “" in cited and ".md)" in cited


def test_a_reply_that_was_not_coded_says_why_and_nothing_a_code_would_say() -> None:
    from coach.coding import get_coder

    polish = get_coder().code("Dziękuję, jak się pan czuje?")
    said = turn_feedback(polish, text="Dziękuję, jak się pan czuje?")
    assert said.startswith("Coding is English-only for now") and "stays in the conversation" in said
    assert "keeps the conversation going" not in said and ".." not in said


def test_exemplar_indexes_are_kept_for_a_bounded_number_of_directories(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import shutil

    from coach.coaching import _feedback
    from tests.support.fake_embedder import CountingEmbedder

    embedder = CountingEmbedder()
    indexes = []
    for n in range(_feedback._index_cache.maxsize + 2):
        directory = tmp_path / str(n)
        directory.mkdir()
        shutil.copy(EXEMPLARS / "iris.yaml", directory)
        indexes.append(ExemplarIndex.load(directory, embedder=embedder))
    assert len(_feedback._index_cache) <= _feedback._index_cache.maxsize
    assert ExemplarIndex.load(tmp_path / str(n), embedder=embedder) is indexes[-1]
