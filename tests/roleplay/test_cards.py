"""Persona cards: the shipped cards are sound, and a broken card says where it is broken."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from coach.embedding import get_embedder
from coach.roleplay._cards import PersonaError, load_card, load_personas, phrase_pattern
from coach.roleplay._guard import LeakGuard
from coach.roleplay._lines import FALLBACK_ACTS, card_index
from coach.settings import DEFAULT_KNOWLEDGE_DIR

PERSONA_DIR = DEFAULT_KNOWLEDGE_DIR / "personas"
EXPECTED = {"debs", "britton", "iris", "johanna", "young_father"}


@pytest.fixture(scope="module")
def cards():
    return load_personas(PERSONA_DIR)


def test_all_personas_load(cards) -> None:
    assert set(cards) >= EXPECTED
    for card in cards.values():
        assert len(card.hidden.items) >= 5
        assert any(item.kind == "outcome" for item in card.hidden.items)
        assert any(item.kind == "strength" for item in card.hidden.items) or card.id == "britton"
        assert card.sources and card.facilitator_notes


def test_cited_sources_exist(cards) -> None:
    sources = DEFAULT_KNOWLEDGE_DIR / "sources"
    for card in cards.values():
        for ref in card.sources:
            assert (sources / ref.file).is_file(), f"{card.id} cites missing {ref.file}"


def test_brief_and_voice_give_nothing_hidden_away(cards) -> None:
    """The brief is shown to the trainee and the voice goes into prompts."""
    embedder = get_embedder()
    for card in cards.values():
        guard = LeakGuard(card_index(card, embedder))
        every_item = [item.id for item in card.hidden.items]
        public = [*card.brief.model_dump().values(), card.voice.summary, *card.voice.notes]
        for text in public:
            if isinstance(text, str):
                assert guard.leaked_item(text, every_item) is None, (card.id, text)


def test_surface_lines_pass_the_leak_guard(cards) -> None:
    """No authored line trips the guard for items it does not declare, so the guard's
    embedding check only ever fires on text a model made up."""
    embedder = get_embedder()
    for card in cards.values():
        index = card_index(card, embedder)
        guard = LeakGuard(index)
        guard.prime([entry.text for entry in index.entries])
        for entry in index.entries:
            allowed = set(entry.needs)
            if entry.act == "disclose":
                allowed |= {entry.mood, *card.item(entry.mood).unlock.requires}
            locked = [i for i in index.item_ids if i not in allowed]
            assert guard.leaked_item(entry.text, locked) is None, (card.id, entry.key)


def test_every_bank_lasts_a_fourteen_turn_session(cards) -> None:
    """Each act (with its fallbacks) can speak 14 times running without repeating."""
    embedder = get_embedder()
    for card in cards.values():
        index = card_index(card, embedder)
        assert card.lines.end  # said once: the conversation is then over
        for act in FALLBACK_ACTS:
            if act in ("disclose", "end"):
                continue
            used: list[str] = []
            for turn in range(14):
                mood = ("shut_down", "guarded", "warming", "open")[turn % 4]
                key = index.choose_from_bank(act, mood, unlocked=(), used=used, vector=None)
                assert key is not None, (card.id, act, turn)
                used.append(key)
            assert len(set(used)) == 14


# --- malformed cards -----------------------------------------------------------------------

def _write(tmp_path: Path, data: dict, name: str = "debs") -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture
def raw() -> dict:
    return yaml.safe_load((PERSONA_DIR / "debs.yaml").read_text(encoding="utf-8"))


def test_missing_field_names_file_and_field(tmp_path: Path, raw: dict) -> None:
    del raw["hidden"]["items"][0]["unlock"]["min_receptivity"]
    path = _write(tmp_path, raw)
    with pytest.raises(PersonaError) as err:
        load_card(path)
    assert str(path) in str(err.value)
    assert "hidden.items.0.unlock.min_receptivity" in str(err.value)


def test_unknown_field_is_refused(tmp_path: Path, raw: dict) -> None:
    raw["brief"]["favourite_colour"] = "green"
    with pytest.raises(PersonaError, match=r"brief\.favourite_colour.*[Ee]xtra"):
        load_card(_write(tmp_path, raw))


def test_out_of_range_value_is_refused(tmp_path: Path, raw: dict) -> None:
    raw["hidden"]["starting_receptivity"] = 1.5
    with pytest.raises(PersonaError, match="hidden.starting_receptivity"):
        load_card(_write(tmp_path, raw))


def test_a_surface_line_may_not_mention_a_hidden_item(tmp_path: Path, raw: dict) -> None:
    raw["lines"]["answer"]["warming"].append("We're saving for a holiday, see.")
    with pytest.raises(PersonaError, match=r"lines\.answer\.warming\[\d+\].*'holiday'"):
        load_card(_write(tmp_path, raw))


def test_a_line_that_declares_its_needs_is_allowed(tmp_path: Path, raw: dict) -> None:
    raw["lines"]["answer"]["warming"].append({"text": "The holiday, see.", "needs": ["holiday"]})
    assert load_card(_write(tmp_path, raw)).id == "debs"


def test_unknown_requirement_is_refused(tmp_path: Path, raw: dict) -> None:
    raw["hidden"]["items"][0]["unlock"]["requires"] = ["no_such_item"]
    with pytest.raises(PersonaError, match="no_such_item"):
        load_card(_write(tmp_path, raw))


def test_id_must_match_file_name(tmp_path: Path, raw: dict) -> None:
    with pytest.raises(PersonaError, match="does not match the file name"):
        load_card(_write(tmp_path, raw, name="someone_else"))


def test_unreadable_yaml_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "debs.yaml"
    path.write_text("id: [unclosed", encoding="utf-8")
    with pytest.raises(PersonaError, match="cannot read"):
        load_card(path)


def test_empty_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(PersonaError, match="no persona cards"):
        load_personas(tmp_path)


def test_phrase_pattern_matches_whole_words_only() -> None:
    pattern = phrase_pattern(["council", "£22"])
    assert pattern is not None
    assert pattern.search("I sat on the Council for years")
    assert not pattern.search("a councillor")
    assert pattern.search("only £22 a week")


def test_card_indexes_are_kept_for_a_bounded_number_of_embedders(cards) -> None:
    from coach.roleplay import _lines
    from tests.support.fake_embedder import CountingEmbedder

    embedder = CountingEmbedder()
    assert card_index(cards["iris"], embedder) is card_index(cards["iris"], embedder)
    for _ in range(_lines._CACHE.maxsize + 2):
        card_index(cards["iris"], CountingEmbedder())
    assert len(_lines._CACHE) <= _lines._CACHE.maxsize
