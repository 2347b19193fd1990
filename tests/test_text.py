"""The one sentence splitter every part uses: the coder, the leak guard, the realiser's
length check, quoting guidance and cutting sources into chunks."""

from __future__ import annotations

from coach.text import clean_text, is_blank, joined, split_sentences


def test_a_closing_quote_or_bracket_stays_with_its_sentence() -> None:
    assert split_sentences("He said, 'That's it then.' That was all.") == \
        ["He said, 'That's it then.'", "That was all."]
    assert split_sentences("It helps (it really does.) Try it.") == \
        ["It helps (it really does.)", "Try it."]


def test_a_sentence_ends_only_before_a_capital_digit_or_opening_quote() -> None:
    assert split_sentences("Well... and then what? Nothing.") == ["Well... and then what?", "Nothing."]
    assert split_sentences("Ask her. “Why?” she said.") == ["Ask her.", "\"Why?\" she said."]
    assert split_sentences("It was 2019. 2020 was worse.") == ["It was 2019.", "2020 was worse."]


def test_titles_and_abbreviations_do_not_end_a_sentence() -> None:
    assert split_sentences("Mr. Britton is here. So is Dr. Jones.") == \
        ["Mr. Britton is here.", "So is Dr. Jones."]
    assert split_sentences("Bring things, e.g. Forms and letters.") == \
        ["Bring things, e.g. Forms and letters."]


def test_by_default_a_line_break_ends_a_sentence_and_the_text_is_normalised() -> None:
    # A model may put one sentence on each line with no full stop.
    assert split_sentences("I dunno\nWe’re  just   tired") == ["I dunno", "We're just tired"]
    assert split_sentences("  \n \t ") == []
    assert split_sentences("Okay…  Right.") == ["Okay...", "Right."]


def test_verbatim_keeps_every_character_and_inner_line_breaks() -> None:
    text = "We’re told “no”.\nSo what now?  It’s…\nhard. Very."
    assert split_sentences(text, verbatim=True) == \
        ["We’re told “no”.", "So what now?", "It’s…\nhard.", "Very."]
    assert split_sentences("Page.\n- College of Social Work", verbatim=True) == \
        ["Page.\n- College of Social Work"]


def test_never_empty_for_text_with_words() -> None:
    for text in ("Mm", "...", "ok?", "Right.\n\n\nYes"):
        assert split_sentences(text), text
        assert split_sentences(text, verbatim=True), text


def test_typed_text_loses_control_characters_and_nothing_a_person_meant() -> None:
    assert clean_text("  What\x00 matters\x07 to you?\r\nTell me.  ") == "What matters to you?\nTell me."
    assert clean_text("Dw i'n iawn, diolch — ŵ ŷ «ok»\tyes") == "Dw i'n iawn, diolch — ŵ ŷ «ok»\tyes"


def test_text_of_invisible_characters_is_blank() -> None:
    for invisible in ("", " \u00a0\n", "\u200b", "\u2060\ufeff", "\u202e", "\u3164", "\u2800"):
        assert is_blank(clean_text(invisible)), repr(invisible)
    assert not is_blank("\u200bHi")
    assert not is_blank("…")


def test_a_list_reads_as_a_person_would_write_it() -> None:
    assert joined([]) == "" and joined(["the drinking"]) == "the drinking"
    assert joined(["where Megan went", "the drinking", "the damaged doors"], "or") == (
        "where Megan went, the drinking or the damaged doors")
    # Items with commas of their own are kept apart by semicolons.
    assert joined(["refusing hospital, and what it risks", "falls"], "or") == (
        "refusing hospital, and what it risks; or falls")
