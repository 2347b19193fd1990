"""The utterance coder: interface, clear cases of every code, MITI conventions, awkward
input, and the shipped weights being current. Uses the real bundled embedder."""

from __future__ import annotations

import numpy as np
import pytest

from coach.coding import (
    CODES,
    STANCES,
    CodeResult,
    CoderModel,
    HistoryTurn,
    InvalidReply,
    feature_fingerprint,
    load_split,
    training_fingerprint,
)
from coach.coding._coder import Coder, CodeRequest, get_coder, primary_by_priority
from coach.coding._screen import looks_english
from coach.text import split_sentences


@pytest.fixture(scope="module")
def coder() -> Coder:
    return get_coder()


def _valid(result: CodeResult) -> None:
    assert result.code in CODES
    assert result.stance in STANCES
    assert 0.0 <= result.confidence <= 1.0
    assert -1.0 <= result.outcomes_score <= 1.0
    assert result.sentences and all(s.code in CODES and s.text for s in result.sentences)
    assert result.cues and all(isinstance(c, str) and c for c in result.cues)


def test_get_coder_is_loaded_once(coder: Coder) -> None:
    assert get_coder() is coder


def test_code_returns_a_complete_result(coder: Coder) -> None:
    result = coder.code("What matters most to you about staying at home?",
                        context="I don't want to go into a home.")
    _valid(result)
    assert result.to_dict()["code"] == result.code


def test_code_many_matches_code_and_is_deterministic(coder: Coder) -> None:
    requests = [
        CodeRequest("Tell me about Cassie.", "She's all I've got."),
        CodeRequest("You need to sign the form today."),
        CodeRequest("So money's been the worry. What would help?", "It's the money, mostly."),
    ]
    batch = coder.code_many(requests)
    single = [coder.code(r.reply, r.context, r.history) for r in requests]
    assert [(r.code, r.stance, r.sentences, r.cues) for r in batch] == \
        [(r.code, r.stance, r.sentences, r.cues) for r in single]
    assert [r.confidence for r in batch] == pytest.approx([r.confidence for r in single],
                                                          abs=1e-3)
    assert coder.code_many([]) == []


# One clear case per code, written for the tests (not taken from the exemplars).
CLEAR_CASES = [
    ("open_question", "What would a good day look like for you?",
     "I just want things to be normal again."),
    ("closed_question", "Do you have any family nearby?", "It gets lonely in the evenings."),
    ("affirmation", "You have worked so hard to keep things going for the kids, and it shows.",
     "I do everything for them, even when I am shattered."),
    ("reflection_simple", "You're worried about the bills.", "I'm worried about the bills."),
    ("reflection_complex", "It feels like you're carrying the whole family on your own.",
     "He never helps with anything, I do it all."),
    ("information",
     "The council runs a carers assessment that looks at what support you might be entitled to.",
     "What happens now?"),
    ("advice", "You should try talking to your GP about the anxiety.", "My nerves are shot."),
    ("confront", "You need to stop drinking or we will have to take this further.",
     "I only have a few cans."),
    ("other", "Hello, nice to meet you.", "Come in."),
]


@pytest.mark.parametrize(("code", "reply", "context"), CLEAR_CASES,
                         ids=[c[0] for c in CLEAR_CASES])
def test_clear_cases(coder: Coder, code: str, reply: str, context: str) -> None:
    result = coder.code(reply, context=context)
    assert result.code == code, result.cues


# Short invitations are open questions under MITI; bare encouragers are not questions.
SHORT_REPLIES = [
    ("open_question", "Tell me more."), ("open_question", "Say more about that."),
    ("open_question", "Tell me about that."), ("other", "Mm."), ("other", "Go on."),
]


@pytest.mark.parametrize(("code", "reply"), SHORT_REPLIES, ids=[r for _, r in SHORT_REPLIES])
def test_short_invitations_and_encouragers(coder: Coder, code: str, reply: str) -> None:
    result = coder.code(reply, context="Honestly, the mornings are the worst. I can't get going.")
    assert result.code == code, (result.code, result.extra["code_probs"])


def test_summary_gathers_earlier_turns(coder: Coder) -> None:
    history = [
        HistoryTurn("person", "Money has been tight since I stopped working."),
        HistoryTurn("worker", "That sounds hard."),
        HistoryTurn("person", "And Llyr keeps kicking off, he put a hole in the door."),
        HistoryTurn("worker", "What happens then?"),
    ]
    result = coder.code(
        "So let me check I've got this: money has been tight since you stopped work, Llyr keeps "
        "kicking off, and you're worn out holding it all together.",
        context="I'm just so tired all the time.", history=history,
    )
    assert result.code == "summary"
    assert result.stance == "outcomes"
    assert any(c.startswith("gathers several things") for c in result.cues)


def test_accusing_why_is_an_open_question_with_a_paperwork_stance(coder: Coder) -> None:
    result = coder.code("Why didn't you know that your daughter was out?",
                        context="I didn't know she was out.")
    assert result.code == "open_question"
    assert result.stance == "paperwork"
    assert result.outcomes_score < 0
    assert any("why" in c for c in result.cues)


def test_reflection_phrased_as_a_question_is_a_reflection(coder: Coder) -> None:
    result = coder.code("So you feel like you're at the end of your tether with him?",
                        context="I just can't cope with him any more, he never listens.")
    assert result.code in ("reflection_simple", "reflection_complex")
    assert "a reflection, though phrased as a question" in result.cues


def test_multi_sentence_reply_has_sentence_codes_and_a_primary(coder: Coder) -> None:
    result = coder.code("It sounds like money has been really worrying you. "
                        "What matters most to you about that?",
                        context="We've never got any money, it's what we argue about.")
    assert len(result.sentences) == 2
    assert result.sentences[1].code == "open_question"
    # Exemplar convention: a reflection followed by a question stays a reflection.
    assert result.code == "reflection_complex"


def test_priority_convention() -> None:
    assert primary_by_priority(["information", "open_question"]) == "open_question"
    assert primary_by_priority(["reflection_simple", "open_question"]) == "reflection_simple"
    assert primary_by_priority(["affirmation", "confront"]) == "confront"
    assert primary_by_priority(["other", "information"]) == "information"


def test_service_first_gets_a_cue(coder: Coder) -> None:
    result = coder.code("You should go to the day centre on Tuesdays.",
                        context="I don't see anybody these days.")
    assert result.code in ("advice", "confront")
    assert result.stance == "paperwork"
    assert any("before asking what matters" in c for c in result.cues)


def test_a_closed_question_cue_says_what_it_asks_for(coder: Coder) -> None:
    """Only a question that can be answered yes or no is said to invite one; asking for a
    GP's name asks about a service, it does not offer one."""
    assert "closed question: invites a yes or no" in coder.code("Do you drink every day?").cues
    dob = coder.code("What's your date of birth?", context="It's been a hard week.")
    assert dob.code == "closed_question"
    assert not any("yes or no" in c for c in dob.cues)
    gp = coder.code("Who is your GP?", context="It's been a hard week.")
    assert not any(c.startswith("offers a service") for c in gp.cues)


@pytest.mark.parametrize("reply", ["", "   ", "\n\t "])
def test_empty_reply_is_rejected(coder: Coder, reply: str) -> None:
    with pytest.raises(InvalidReply, match="empty"):
        coder.code(reply)


def test_empty_reply_in_a_batch_names_its_position(coder: Coder) -> None:
    with pytest.raises(InvalidReply, match="reply 2"):
        coder.code_many([CodeRequest("Hello."), CodeRequest(" ")])


def test_very_long_reply_is_coded_on_its_opening(coder: Coder) -> None:
    reply = ("It sounds like the last few months have been really hard on you. " * 400)[:20000]
    result = coder.code(reply, context="It's been a hard few months.")
    _valid(result)
    assert len(result.sentences) <= 12
    assert any(c.startswith("long reply") for c in result.cues)


def test_a_long_reply_of_one_sentence_says_so_in_the_singular(coder: Coder) -> None:
    reply = "I hear how much you have been carrying for the kids and for yourself " * 40
    result = coder.code(reply)
    assert len(result.sentences) == 1
    assert "long reply: only its first sentence was coded" in result.cues


@pytest.mark.parametrize("reply", [
    "Bonjour madame, comment allez-vous aujourd'hui? Je voudrais parler de votre famille.",
    "Sut wyt ti heddiw? Dw i eisiau siarad am dy deulu di.",
    "Как вы себя чувствуете сегодня?",
])
def test_non_english_reply_is_other_and_says_why(coder: Coder, reply: str) -> None:
    result = coder.code(reply)
    assert (result.code, result.stance) == ("other", "neutral")
    assert any("English" in c for c in result.cues)


@pytest.mark.parametrize("reply", ["😀😀👍", "!!! ???", "🙂"])
def test_symbols_only_reply_is_other(coder: Coder, reply: str) -> None:
    result = coder.code(reply)
    assert (result.code, result.stance) == ("other", "neutral")
    assert result.cues == ("no words to code (only symbols or emoji)",)


def test_short_english_is_not_mistaken_for_another_language() -> None:
    for text in ("Mm.", "Okay", "Right, go on", "Fifty years upstairs together."):
        assert looks_english(text), text


def test_sentence_splitting() -> None:
    assert split_sentences("Mr. Britton is here. Is that right?") == \
        ["Mr. Britton is here.", "Is that right?"]
    assert split_sentences("You've earned her trust. That says a lot.") == \
        ["You've earned her trust.", "That says a lot."]
    assert split_sentences("Okay...and then what happened?") == ["Okay...and then what happened?"]


def test_shipped_weights_match_the_current_train_split() -> None:
    replies = load_split("train")
    assert replies, "no training exemplars found"
    model = CoderModel.load()
    assert model.fingerprint == training_fingerprint(replies), (
        "coach/data/coder.npz was trained on other exemplars: run `python -m evals.train_coder`"
    )
    assert model.meta.get("feature_fingerprint") == feature_fingerprint(replies), (
        "the coder's features changed since training: run `python -m evals.train_coder`"
    )


def test_fingerprint_ignores_order_but_not_labels() -> None:
    replies = load_split("train")[:20]
    assert training_fingerprint(replies) == training_fingerprint(list(reversed(replies)))
    changed = [replies[0].model_copy(update={"code": "other" if replies[0].code != "other"
                                             else "advice"}), *replies[1:]]
    assert training_fingerprint(changed) != training_fingerprint(replies)


def test_heldout_split_is_disjoint_from_training() -> None:
    train = {r.moment_id for r in load_split("train")}
    heldout = {r.moment_id for r in load_split("heldout")}
    assert heldout and not train & heldout


def test_outcomes_score_orders_practice(coder: Coder) -> None:
    context = "I just want to stay in my own home with Cassie."
    good = coder.code("Staying at home with Cassie really matters to you.", context=context)
    bad = coder.code("You'll need to go into residential care, it's in the care plan.",
                     context=context)
    assert good.outcomes_score > 0 > bad.outcomes_score
    scores = np.array([good.outcomes_score, bad.outcomes_score])
    assert np.all(np.abs(scores) <= 1)
