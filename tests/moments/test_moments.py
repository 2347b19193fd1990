"""Moments: the shipped moments are sound and span every persona; a broken moment file
says where it is broken; a reaction comes from the moment's state alone, through the
real coder and the real role-play engine."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from coach.coding import InvalidReply, get_coder
from coach.moments import (
    Moment,
    MomentError,
    Reactor,
    get_moment,
    load_moment,
    load_moments,
    react,
)
from coach.roleplay import load_personas
from coach.settings import DEFAULT_KNOWLEDGE_DIR

MOMENTS_DIR = DEFAULT_KNOWLEDGE_DIR / "moments"
INTO_CARE = "debs_take_him_into_care"


@pytest.fixture(scope="module")
def personas():
    return load_personas(DEFAULT_KNOWLEDGE_DIR / "personas")


@pytest.fixture(scope="module")
def moments(personas):
    return load_moments(MOMENTS_DIR, personas)


@pytest.fixture(scope="module")
def reactor(personas):
    return Reactor(personas, get_coder())


# --- the shipped moments ------------------------------------------------------------------


def test_at_least_twelve_moments_across_all_five_personas(moments, personas) -> None:
    assert len(moments) >= 12
    assert {m.persona for m in moments.values()} == set(personas)


def test_the_seed_moments_are_there_in_the_persons_words(moments) -> None:
    assert moments[INTO_CARE].last_words.startswith("Fine, take him into care then")
    assert moments["britton_get_rid_of_the_cat"].last_words.startswith(
        "Why does everybody want me to get rid of the cat?"
    )


def test_every_moment_cites_a_source_that_exists(moments) -> None:
    for moment in moments.values():
        assert moment.source is not None
        assert (DEFAULT_KNOWLEDGE_DIR / "sources" / moment.source.file).is_file(), moment.id


def test_default_loader_and_get_moment_use_the_packaged_moments(moments) -> None:
    assert set(load_moments()) == set(moments)
    assert get_moment(INTO_CARE) == moments[INTO_CARE]
    with pytest.raises(MomentError, match="no moment 'nope'.*debs_take_him_into_care"):
        get_moment("nope", moments)


def test_the_engine_state_is_the_moment(moments, personas) -> None:
    moment = moments["debs_llyr_better_off"]
    state = moment.persona_state(personas["debs"])
    assert state.receptivity == moment.state.receptivity
    assert state.mood == moment.state.mood
    assert set(state.unlocked) == {"money", "manages_money", "kids_school"}
    assert state.history[-1] == ["person", moment.last_words]
    assert state.turn == 2  # two worker turns so far
    # Each call is a fresh state: changing one leaves the next untouched.
    state.receptivity = 0.0
    assert moment.persona_state(personas["debs"]).receptivity == moment.state.receptivity


# --- malformed files ------------------------------------------------------------------------


def _write(tmp_path: Path, data: dict, name: str | None = None) -> Path:
    path = tmp_path / f"{name or data.get('id', 'broken')}.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def _good() -> dict:
    return yaml.safe_load((MOMENTS_DIR / f"{INTO_CARE}.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("last_words"), r"field last_words: Field required"),
        (lambda d: d.update(persona="dawn"), r"field persona: no persona card 'dawn'"),
        (lambda d: d["state"].update(receptivity=1.4), r"field state.receptivity"),
        (lambda d: d["state"].update(mood="open"), r"mood 'open' does not match receptivity 0.14"),
        (lambda d: d["state"].update(unlocked=["lottery"]), r"unknown items \['lottery'\]"),
        (lambda d: d["state"].update(unlocked=["manages_money"], receptivity=0.5, mood="warming"),
         r"'manages_money' requires \['money'\]"),
        (lambda d: d.update(last_words="I had to pack in my job, you know."),
         r"last_words says 'pack in my job'.*'money', which is still locked"),
        (lambda d: d["conversation"].append({"speaker": "person", "text": "And another thing."}),
         r"the person speaks twice in a row"),
        (lambda d: d.update(colour="blue"), r"field colour: Extra inputs are not permitted"),
        (lambda d: d.update(id="something_else"), r"does not match the file name"),
    ],
)
def test_a_malformed_moment_names_the_file_and_the_field(
    tmp_path: Path, personas, change, message
) -> None:
    data = _good()
    change(data)
    path = _write(tmp_path, data, name=INTO_CARE)
    with pytest.raises(MomentError, match=message) as caught:
        load_moment(path, personas)
    assert str(path) in str(caught.value)


def test_unreadable_and_non_mapping_files_are_clear_errors(tmp_path: Path, personas) -> None:
    (tmp_path / "list.yaml").write_text("- a\n- b\n", encoding="utf-8")
    with pytest.raises(MomentError, match="a moment must be a mapping, got list"):
        load_moment(tmp_path / "list.yaml", personas)
    (tmp_path / "bad.yaml").write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(MomentError, match="cannot read moment"):
        load_moment(tmp_path / "bad.yaml", personas)
    with pytest.raises(MomentError, match="no such moments directory"):
        load_moments(tmp_path / "missing", personas)
    (tmp_path / "empty").mkdir()
    with pytest.raises(MomentError, match="no moments"):
        load_moments(tmp_path / "empty", personas)


# --- reactions ------------------------------------------------------------------------------


def test_same_reply_same_moment_same_reaction_whatever_came_between(moments, reactor) -> None:
    moment = moments[INTO_CARE]
    reply = "You've had enough. It's all got too much for you."
    first = reactor.react(moment, reply)
    # Other replies to the same and other moments in between leave no trace.
    reactor.react(moment, "If you don't sign the contract we will take the children into care.")
    reactor.react(moments["debs_money_again"], "What do you do to keep on top of the money?")
    again = reactor.react(moment, reply)
    assert again == first
    # A second reactor (another process, another day) agrees too.
    assert Reactor(reactor.personas, get_coder()).react(moment, reply) == first


def test_a_reflection_opens_debs_up_and_a_threat_closes_her_down(moments, reactor) -> None:
    moment = moments[INTO_CARE]
    heard = reactor.react(moment, "It sounds like you're at the end of your tether with him.")
    threat = reactor.react(
        moment, "If you don't sign the contract of expectations we will take the children into care."
    )
    assert heard.coded.code.startswith("reflection")
    assert heard.receptivity_change > 0 > threat.receptivity_change
    assert heard.receptivity_before == threat.receptivity_before == moment.state.receptivity
    assert heard.mood_before == "shut down" and threat.mood == "shut down"
    assert any("children being taken" in reason for reason, _ in threat.changes)
    assert heard.reply and threat.reply and heard.reply != threat.reply


def test_a_kind_question_is_not_answered_in_a_colder_temper_than_the_person_is_in(
        moments, reactor) -> None:
    # Debs warms to a curious question about Llyr: she answers it guardedly, not with
    # the outburst kept for being threatened ("Fine, take him into care then …").
    asked = reactor.react(moments[INTO_CARE],
                          "What would help things feel calmer at home for you and Llyr?")
    threatened = reactor.react(moments[INTO_CARE],
                               "If this happens again we will have to start care proceedings.")
    assert asked.receptivity_change > 0 and asked.act != "defend"
    assert "take him into care" not in asked.reply
    assert threatened.act == "defend" and "take him into care" in threatened.reply


def test_a_reply_on_an_unlockable_topic_reports_what_it_unlocks(moments, reactor) -> None:
    moment = moments["debs_llyr_better_off"]
    reaction = reactor.react(
        moment, "It sounds like things with Llyr have got really hard. What's it like with him at the moment?"
    )
    assert reaction.unlock_ids == ("llyr",)
    assert reaction.unlocks == ("Things with Llyr are getting on top of her",)
    assert reaction.to_dict() == {
        "receptivity_change": reaction.receptivity_change,
        "mood": reaction.mood,
        "reply": reaction.reply,
        "unlocks": ["Things with Llyr are getting on top of her"],
    }
    # Nothing is unlocked by a reply that does not touch the topic or invite it.
    assert reactor.react(moment, "Have you filled in the form?").unlocks == ()


def test_every_shipped_moment_reacts(moments, reactor) -> None:
    for moment in moments.values():
        reaction = reactor.react(moment, "What matters most to you right now?")
        assert reaction.reply, moment.id
        assert reaction.persona == moment.persona


def test_bad_replies_and_wrong_engines_are_refused(moments, reactor) -> None:
    with pytest.raises(InvalidReply):
        reactor.react(moments[INTO_CARE], "   ")
    with pytest.raises(MomentError, match="is with 'debs', not 'britton'"):
        react(reactor.engine("britton"), moments[INTO_CARE], "Hello")
    with pytest.raises(MomentError, match="no persona 'dawn'"):
        reactor.engine("dawn")


def test_words_verbatim_make_a_moment_at_the_persons_starting_state(reactor, personas) -> None:
    moment = reactor.moment_from_words("debs", "Fine, take him into care then.")
    assert isinstance(moment, Moment)
    assert moment.state.receptivity == personas["debs"].hidden.starting_receptivity
    assert moment.history == [["person", "Fine, take him into care then."]]
    # What the person says is out: words that give a hidden item away unlock it.
    said = reactor.moment_from_words("debs", "I had to pack in my job, and I juggle it all.")
    assert set(said.state.unlocked) == {"money", "manages_money"}
    with pytest.raises(MomentError, match="must not be blank"):
        reactor.moment_from_words("debs", "  ")


def test_the_wiring_builds_moments_and_a_reactor_from_the_settings(settings) -> None:
    from coach.wiring import Wiring

    parts = Wiring(settings)
    assert INTO_CARE in parts.moments
    reaction = parts.reactor.react(parts.moments[INTO_CARE], "You sound worn out with it all.")
    assert reaction.moment == INTO_CARE and reaction.reply
