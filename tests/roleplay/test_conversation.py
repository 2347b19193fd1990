"""The person answers what was said, varies between sessions without repeating the
trainee's recent ones, keeps headroom for a long conversation, and ends the visit when
its time is up. The coder is scripted (tests/support/roleplay_fakes.py)."""

from __future__ import annotations

import pytest

from coach.roleplay import PersonaState, RoleplayEngine
from coach.roleplay._cards import load_personas
from coach.roleplay._rules import assess
from coach.settings import DEFAULT_KNOWLEDGE_DIR
from tests.support.roleplay_fakes import RuleCoder, ScriptCoder, result


@pytest.fixture(scope="module")
def cards():
    return load_personas(DEFAULT_KNOWLEDGE_DIR / "personas")


def _said(engine: RoleplayEngine, state: PersonaState) -> str:
    return state.used_lines[-1]


@pytest.mark.parametrize("persona", ["britton", "debs", "iris", "johanna", "young_father"])
def test_every_person_answers_date_of_birth_gp_medication_forms_and_safety(cards, persona) -> None:
    """The admin and safety questions a worker has to ask get an answer in character,
    not a line about something else."""
    questions = {
        "personal_details": "Can you tell me your date of birth and your GP's name?",
        "medication": "Are you taking any medication at the moment?",
        "forms": "I've got a form I need to fill in with you, is that alright?",
        "safety": "Do you feel safe at home?",
    }
    for topic, question in questions.items():
        engine = RoleplayEngine(cards[persona], RuleCoder())
        state = engine.start()
        engine.opening(state)
        engine.respond(state, question)
        assert _said(engine, state).startswith(f"topic.{topic}."), (persona, question, state.history[-1])


def test_mr_britton_answers_the_date_of_birth_question_curtly_when_shut_down(cards) -> None:
    engine = RoleplayEngine(cards["britton"], ScriptCoder([result("closed_question", "paperwork")]))
    state = engine.start()
    state.receptivity = 0.1
    outcome = engine.respond(state, "Can you tell me your date of birth and your GP's name?")
    assert state.used_lines[-1].startswith("topic.personal_details.shut_down.")
    assert outcome.act in ("short_answer", "deflect") and "folder" in outcome.reply
    assert "forty-four" in outcome.reply and "Dr Hughes" in outcome.reply


def test_a_reflection_about_megan_gets_a_reply_about_megan_not_the_holiday(cards) -> None:
    engine = RoleplayEngine(cards["debs"], ScriptCoder([result("reflection_complex", "outcomes")] * 2))
    state = engine.start()
    state.receptivity = 0.7  # warm enough to volunteer the holiday
    outcome = engine.respond(state, "It sounds like Megan ran off because she couldn't stand the shouting.")
    assert "holiday" not in outcome.unlocked and "Megan" in outcome.reply


def test_the_first_reply_varies_with_the_opener_and_the_seed(cards) -> None:
    engine = RoleplayEngine(cards["debs"], RuleCoder())
    firsts = set()
    for seed, opener in enumerate([
        "Hello Debs, how are you doing?", "How are you feeling about me coming round?",
        "Tell me a bit about how things are at the moment.", "What happened the other night?",
        "Is it alright if I sit down?",
    ]):
        state = engine.start(seed=seed)
        engine.opening(state)
        firsts.add(engine.respond(state, opener).reply)
    assert len(firsts) >= 3


def test_lines_from_recent_sessions_are_not_said_again_while_others_fit(cards) -> None:
    engine = RoleplayEngine(cards["debs"], RuleCoder())
    first = engine.start(seed=1)
    engine.opening(first)
    engine.respond(first, "Tell me about the money worries?")
    again = engine.start(seed=1, recent_lines=first.used_lines)
    engine.opening(again)
    engine.respond(again, "Tell me about the money worries?")
    assert again.opening_key != first.opening_key
    assert again.used_lines[-1] != first.used_lines[-1]
    assert set(again.avoid_lines) == set(first.used_lines)
    # Unknown keys (a card that changed since) are dropped, not kept forever.
    assert engine.start(recent_lines=["answer.nope.9"]).avoid_lines == []


def test_good_replies_gain_less_near_the_top_and_poor_ones_cost_more(cards) -> None:
    card = cards["debs"]
    good, poor = result("reflection_complex", "outcomes"), result("closed_question", "paperwork")
    low = assess(card, good, "x", closed_run=0, receptivity=0.3).total
    high = assess(card, good, "x", closed_run=0, receptivity=0.9).total
    assert high < low / 2 and high > 0
    assert assess(card, poor, "x", closed_run=2, receptivity=0.9).total < assess(
        card, poor, "x", closed_run=2, receptivity=0.3).total < 0


def test_reserved_items_and_the_plan_wait_for_sustained_good_practice(cards) -> None:
    """However warm Debs is, her own wellbeing and a first step come only after a run of
    replies that helped."""
    engine = RoleplayEngine(cards["debs"], ScriptCoder([result("reflection_complex", "outcomes")] * 2))
    state = engine.start()
    state.receptivity = 0.95
    state.unlocked = {"money": 1, "holiday": 2, "llyr": 3}
    state.stage = "preparation"
    outcome = engine.respond(state, "How are you doing in yourself, how are you sleeping?")
    assert "wellbeing" not in outcome.unlocked
    state.good_turns = 9
    outcome = engine.respond(state, "How are you feeling in yourself, are you sleeping at all?")
    assert outcome.unlocked == ("wellbeing",)


def test_the_visit_runs_out_of_time(cards) -> None:
    card = cards["iris"].model_copy(update={
        "hidden": cards["iris"].hidden.model_copy(update={"visit_turns": 5})})
    engine = RoleplayEngine(card, RuleCoder())
    state = engine.start()
    engine.opening(state)
    for n in range(5):
        outcome = engine.respond(state, f"How are things going for you today, part {n}?")
    assert outcome.ended and state.end_reason == "the visit ran out of time"
    assert outcome.reply in {line.text for line in card.lines.time_up}
    assert engine.debrief(state)["ended_by"] == "time"


def test_new_state_fields_are_written_only_when_set(cards) -> None:
    engine = RoleplayEngine(cards["debs"], RuleCoder())
    assert "avoid_lines" not in engine.start().to_dict()
    state = engine.start(recent_lines=["opening.any.0"])
    assert PersonaState.from_dict(state.to_dict()).avoid_lines == ["opening.any.0"]


def test_a_card_names_its_safeguarding_concerns_and_how_they_are_raised(cards) -> None:
    engine = RoleplayEngine(cards["debs"], RuleCoder())
    assert {c.id for c in cards["debs"].safeguarding} == {"megan_whereabouts", "drinking", "damaged_doors"}
    assert engine.concerns_raised("Where did Megan go that night?") == ["megan_whereabouts"]
    assert engine.concerns_raised("What would a good week look like?") == []
    assert all(card.safeguarding and card.goal for card in cards.values())


def test_mr_brittons_goal_says_where_he_lives_waits_and_his_stairs_are_managing_at_home(
        cards) -> None:
    engine = RoleplayEngine(cards["britton"], RuleCoder())
    assert engine.raises_too_soon("Have you thought about rehoming Cassie?")
    assert engine.raises_too_soon("Some people feel a care home would be safer.")
    assert not engine.raises_too_soon("What does a good day look like for you?")
    assert not RoleplayEngine(cards["debs"], RuleCoder()).raises_too_soon("rehoming")
    assert engine.concerns_raised("We'll need to do a risk assessment of the stairs. Can you "
                                  "manage them?") == ["managing_at_home"]
