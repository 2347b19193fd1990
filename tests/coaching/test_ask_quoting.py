"""What "ask the guidance" may quote, and when it says nothing answers.

Each unit of an answer reads on its own: a sentence that leans on the one before it
("It …", "This …", "The second video …") comes with that sentence or not at all; a
sentence introducing a list brings its items or is not quoted; nothing about the
guidance's videos, clips or audio (the app has none); every sentence shares something with
the question (or is very close to it in meaning), and "What is X?" is answered by a
sentence saying what X is when one was retrieved. Small made-up passages, real embedder.
"""

from __future__ import annotations

import pytest

from coach.coaching import answer_units, ask_guidance, depends_on_context, mentions_media
from coach.embedding import get_embedder
from coach.retrieval import Passage


def passage(text: str, n: int = 1) -> Passage:
    return Passage(text=text, title=f"Guide {n}", publisher="Publisher", origin="", source=f"g{n}.md",
                   section="Section", kind="guidance", style=None, speakers=(), score=1.0,
                   chunk_id=f"c{n}")


def answer(question: str, *texts: str) -> list[str]:
    passages = [passage(t, n) for n, t in enumerate(texts, 1)]
    return [s for s, _ in ask_guidance(question, lambda q: passages, get_embedder()).sentences]


# --- sentences that lean on what came before ---------------------------------------

@pytest.mark.parametrize("sentence", [
    "It gives less space for reflection.",
    "This isn't using an outcomes approach.",
    "These are realistic goals that the person can work towards.",
    "That is why the conversation matters so much to families.",
    "Those answers help the worker plan the next visit together.",
    "They are usually based around supporting the individual’s well-being.",
    "Such conversations take time and patience from the worker.",
    "Here the worker asks about what matters most to the person.",
    "The following steps help a worker plan a first visit.",
    "The above shows how a worker can build trust over time.",
    "The second approach focuses on strengths rather than deficits.",
    "However, the worker must also consider risks to the person.",
])
def test_a_sentence_that_leans_on_the_one_before_depends_on_context(sentence: str) -> None:
    assert depends_on_context(sentence)


@pytest.mark.parametrize("sentence", [
    "It is important to listen carefully before offering solutions.",
    "It’s vital that practitioners have the skills to support people.",
    "Those who care for a relative may need support of their own.",
    "Recording is a critical link in a personal outcomes approach.",
    "There are at least 370,000 carers in Wales.",
])
def test_a_sentence_that_stands_on_its_own_does_not(sentence: str) -> None:
    assert not depends_on_context(sentence)


def test_a_leaning_sentence_is_quoted_with_the_sentence_it_leans_on() -> None:
    text = ("Personal outcomes describe what a person wants to achieve in their own life. "
            "These are realistic goals that the person and their worker can work towards.")
    units = answer_units(text)
    assert "These are realistic goals that the person and their worker can work towards." \
        not in units
    assert text in units


def test_a_leaning_sentence_with_nothing_before_it_in_the_passage_is_not_quoted() -> None:
    # The passage (a chunk) begins with it: what "It" means is in another chunk.
    units = answer_units("It gives less space for reflection and for learning.\n\n"
                         "Supervision provides regular contact between a supervisor and a worker.")
    assert units == ["Supervision provides regular contact between a supervisor and a worker."]


def test_a_leaning_sentence_whose_context_also_leans_is_not_quoted_alone() -> None:
    units = answer_units("It was a hard visit for everyone involved. "
                         "This meant the worker came back the next week.")
    assert not any(u.startswith("This meant") for u in units)


# --- lists and their lead-ins --------------------------------------------------------

def test_a_lead_in_is_quoted_with_its_list_items() -> None:
    text = ("These are the core criteria for recording outcomes.\n\n"
            "- There should be outcomes not just outputs.\n"
            "- The outcomes should be personalised.\n"
            "- The person’s voice included as appropriate.")
    units = answer_units(text)
    assert units[0] == ("These are the core criteria for recording outcomes: There should be "
                        "outcomes not just outputs; The outcomes should be personalised; The "
                        "person’s voice included as appropriate.")
    assert "These are the core criteria for recording outcomes." not in units


def test_a_lead_in_whose_list_is_not_in_the_passage_is_not_quoted() -> None:
    for lead_in in ("The core criteria for recording outcomes are the following.",
                    "When recording, the worker should note the following:",
                    "A good record includes the following"):
        assert answer_units(lead_in) == []


# --- media the app does not have -----------------------------------------------------

@pytest.mark.parametrize("sentence", [
    "The following videos show a worker having a conversation with a parent.",
    "The second video shows the worker using an outcomes-focused approach.",
    "Watch social worker Ian describe how children view formal interventions.",
    "In this clip the worker asks open questions about the family.",
    "Listen to the audio recording of a carer describing her week.",
    "The diagram below shows the four stages of the model.",
    "Hear from Andy and the team who worked with him.",
])
def test_sentences_about_videos_clips_audio_and_diagrams_are_not_quoted(sentence: str) -> None:
    assert mentions_media(sentence)
    assert answer_units(f"Workers build trust through honest and open conversations. {sentence}") \
        == ["Workers build trust through honest and open conversations."]


def test_a_sentence_leaning_on_a_video_caption_is_not_quoted() -> None:
    text = ("The first video shows the worker focusing on paperwork and risk. "
            "This isn't using an outcomes approach.")
    assert answer_units(text) == []


# --- relevance ------------------------------------------------------------------------

CARERS = ("At 12 per cent, Wales has the highest proportion of carers in the UK. "
          "There are at least 370,000 carers in Wales.")
RECORDING = "Recording is a critical link in a personal outcomes approach."


def test_an_off_topic_question_gets_no_answer() -> None:
    assert answer("What's the weather in Cardiff tomorrow?", CARERS, RECORDING) == []


def test_a_sentence_must_share_something_with_the_question() -> None:
    said = answer("How should I record outcomes?", CARERS, RECORDING)
    assert said == [RECORDING]


def test_what_is_x_is_answered_about_x_not_about_a_word_of_it() -> None:
    group = ("Group reflection brings teams together to discuss case work and share practice "
             "in a team meeting.")
    assert answer("What is a complex reflection?", group) == []


def test_what_is_x_puts_a_sentence_defining_x_first() -> None:
    said = answer("What is a personal outcome?",
                  "Recording personal outcomes can be brief but should be done at every review.",
                  "Personal outcomes describe what a person wants to achieve in their life.")
    assert said[0] == "Personal outcomes describe what a person wants to achieve in their life."


def test_no_answer_says_so_plainly() -> None:
    result = ask_guidance("What's the weather in Cardiff tomorrow?",
                          lambda q: [passage(CARERS)], get_embedder())
    assert not result.sentences
    assert result.to_markdown().startswith("No guidance passage answers that question.")
