"""The person answers the question asked, and only listening earns a hidden item.

* A direct factual question gets a direct answer in every mood: a date of birth gets a
  date, a GP question gets the doctor's name — curtly when the person is cross, never a
  line about something else.
* A paperwork- or risk-led reply never unlocks a hidden item, however open the person has
  become: they answer the question the form asked, and the report cannot credit it with a
  disclosure.

The coder is scripted (tests/support/roleplay_fakes.py); the lines and embeddings are real.
"""

from __future__ import annotations

import re

import pytest

from coach.roleplay import RoleplayEngine
from coach.roleplay._cards import load_personas
from coach.settings import DEFAULT_KNOWLEDGE_DIR
from tests.support.roleplay_fakes import ScriptCoder, result

PERSONAS = ["britton", "debs", "iris", "johanna", "young_father"]
MOODS = {"shut_down": 0.12, "guarded": 0.35, "warming": 0.55, "open": 0.85}
# Each person's date of birth, as they say it (day and month at least), and their GP.
BIRTHDAYS = {
    "britton": r"third of march", "debs": r"second of november", "iris": r"twelfth of may",
    "johanna": r"fourteenth of august", "young_father": r"ninth of (october|the tenth)",
}
DOCTORS = {
    "britton": "Dr Hughes", "debs": "Dr Pugh", "iris": "Dr Campbell", "johanna": "Dr Menzies",
    "young_father": "Dr Shah",
}


@pytest.fixture(scope="module")
def cards():
    return load_personas(DEFAULT_KNOWLEDGE_DIR / "personas")


def _ask(card, question: str, receptivity: float, code: str = "closed_question",
         stance: str = "paperwork"):
    engine = RoleplayEngine(card, ScriptCoder([result(code, stance, question)]))
    state = engine.start()
    engine.opening(state)
    state.receptivity = receptivity
    return engine.respond(state, question)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("mood", MOODS)
def test_a_date_of_birth_question_gets_a_date_in_every_mood(cards, persona, mood) -> None:
    outcome = _ask(cards[persona], "What's your date of birth?", MOODS[mood])
    assert re.search(BIRTHDAYS[persona], outcome.reply, re.IGNORECASE), (mood, outcome.reply)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("mood", MOODS)
def test_a_gp_question_gets_the_doctors_name_in_every_mood(cards, persona, mood) -> None:
    for question in ("Who is your GP?", "What's the name of your doctor?"):
        outcome = _ask(cards[persona], question, MOODS[mood])
        assert DOCTORS[persona] in outcome.reply, (mood, question, outcome.reply)


def test_debs_gives_her_gp_by_name_not_same_doctor_as_everybody(cards) -> None:
    """The tester's case: 'Same doctor as everybody round here.' named nobody."""
    outcome = _ask(cards["debs"], "Who is your GP?", MOODS["guarded"])
    assert "Dr Pugh" in outcome.reply


def test_a_cross_person_still_answers_the_date_of_birth_curtly(cards) -> None:
    """Debs, shut down by paperwork questions, is then asked her date of birth: a date,
    and a short one, not 'It's all in your folder' alone."""
    card = cards["debs"]
    turns = [
        ("We've received a police report raising child protection concerns.", "information"),
        ("The report says you had been drinking. Is that correct?", "closed_question"),
        ("Were you aware Megan was at the home of a known sex offender?", "closed_question"),
        ("What's your date of birth?", "closed_question"),
    ]
    engine = RoleplayEngine(card, ScriptCoder([result(c, "paperwork", t) for t, c in turns]))
    state = engine.start()
    engine.opening(state)
    for text, _ in turns[:-1]:
        engine.respond(state, text)
    outcome = engine.respond(state, turns[-1][0])
    assert outcome.mood in ("shut down", "guarded")
    assert re.search(BIRTHDAYS["debs"], outcome.reply, re.IGNORECASE), outcome.reply
    assert len(outcome.reply.split()) <= 20


# --- paperwork-led replies unlock nothing -----------------------------------------------

DEBS_OUTCOMES = [
    ("Thanks for letting me in, Debs. How are you feeling about me being here today?", "open_question"),
    ("It sounds like you've been dreading this, and worried about what it might mean for the kids.", "reflection_complex"),
    ("Could you tell me, in your own words, what happened the other evening?", "open_question"),
    ("It sounds like you were really frightened when you couldn't find Megan, and you rang for help yourself.", "reflection_complex"),
    ("You mentioned you and Peter had words. What was going on for the two of you that day?", "open_question"),
    ("So money has been a real strain since you stopped working, and it spills over into rows at home.", "reflection_complex"),
    ("How do you manage to keep everything going on so little?", "open_question"),
    ("You've kept the rent paid and the kids fed through all of that, which takes real organisation.", "affirmation"),
]
DOORS = "I need to fill in this section about the damage to the doors. How many doors were damaged?"


def _debs_after_eight_good_turns(cards, ninth: tuple[str, str, str]):
    codes = [result(c, "outcomes", t) for t, c in DEBS_OUTCOMES]
    text, code, stance = ninth
    engine = RoleplayEngine(cards["debs"], ScriptCoder([*codes, result(code, stance, text)]))
    state = engine.start()
    engine.opening(state)
    for line, _ in DEBS_OUTCOMES:
        engine.respond(state, line)
    return engine, state, engine.respond(state, text)


def test_a_paperwork_question_about_the_doors_does_not_unlock_llyr_even_when_debs_is_open(cards) -> None:
    """The tester's reply 9: Debs is open after eight good replies; a form-filling question
    about the doors gets an answer about the doors, and Llyr stays hers to tell."""
    engine, state, outcome = _debs_after_eight_good_turns(
        cards, (DOORS, "closed_question", "paperwork"))
    assert state.receptivity >= 0.6
    assert outcome.unlocked == () and "llyr" not in state.unlocked
    assert outcome.act != "disclose"
    assert "door" in outcome.reply.lower()
    assert outcome.reply not in cards["debs"].item("llyr").lines


@pytest.mark.parametrize("persona", PERSONAS)
def test_no_paperwork_led_reply_unlocks_anything_at_full_openness(cards, persona) -> None:
    """Whatever hidden topic a paperwork-led reply names, at the top of receptivity and
    after plenty of good turns, nothing new is shared."""
    card = cards[persona]
    for item in card.hidden.items:
        word = (item.unlock.topics or (item.title,))[0]
        for code in ("closed_question", "open_question", "information"):
            text = f"For the form: tell me about {word}."
            engine = RoleplayEngine(card, ScriptCoder([result(code, "paperwork", text)]))
            state = engine.start()
            engine.opening(state)
            state.receptivity, state.good_turns = 0.95, 20
            state.unlocked = {i: 1 for i in item.unlock.requires}
            outcome = engine.respond(state, text)
            assert outcome.unlocked == (), (persona, item.id, code, outcome.reply)


def test_the_same_question_asked_by_someone_listening_does_unlock(cards) -> None:
    """The paperwork rule is about the stance, not the topic: asked with curiosity about
    Debs's view, the doors question lets her tell what is behind them."""
    _, state, outcome = _debs_after_eight_good_turns(
        cards, ("How are things with Llyr when his temper goes, and the doors got damaged?",
                "open_question", "outcomes"))
    assert outcome.unlocked == ("llyr",)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("mood", ["shut_down", "guarded"])
@pytest.mark.parametrize("question", ["What does a good day look like for you?",
                                      "What matters most to you now?"])
def test_asked_what_matters_the_person_answers_that_even_before_trusting_the_worker(
        cards, persona, mood, question) -> None:
    """The person answers the question asked: by opening up about something (the engine's
    choice) or, when it is too early for that, guardedly about what matters, never with a
    line about something else."""
    outcome = _ask(cards[persona], question, MOODS[mood], "open_question", "outcomes")
    said = {line.text if hasattr(line, "text") else line
            for topic in cards[persona].lines.topics if topic.id == "what_matters"
            for bank in topic.lines.values() for line in bank}
    assert outcome.unlocked or outcome.reply in said, (mood, outcome.reply)
