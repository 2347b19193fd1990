"""Scoring a transcript: turns parsed from text, Markdown and .docx, every worker turn
coded, the practice room's indicators with their bands, and the bad transcripts."""

from __future__ import annotations

import json
from pathlib import Path

import docx
import pytest

from coach.report import report_markdown
from coach.scoring import ScoringError, TranscriptScores, parse_transcript, render, score_file
from tests.scoring.damaged_docx import DAMAGE, damaged_docx
from tests.support.scoring import EXAMPLES, parts

PAPERWORK = EXAMPLES / "carers-assessment-paperwork.md"
OUTCOMES = EXAMPLES / "carers-assessment-outcomes.md"


def score(path: Path, **kwargs) -> TranscriptScores:
    result = score_file(path, **parts(), **kwargs)
    assert isinstance(result, TranscriptScores)
    return result


def test_the_outcomes_focused_visit_scores_higher_on_outcomes_focus_and_rq() -> None:
    paperwork = score(PAPERWORK, person="Carer").indicators()
    outcomes = score(OUTCOMES, person="Carer").indicators()
    assert outcomes["outcomes_focus"] > 0.2 > -0.2 > paperwork["outcomes_focus"]
    assert outcomes["reflection_to_question"] > paperwork["reflection_to_question"]
    assert outcomes["open_questions"] > paperwork["open_questions"]


def test_json_output_has_exactly_the_issue_shape() -> None:
    data = json.loads(render(score(OUTCOMES, person="Carer"), "json"))
    assert set(data) == {"turns", "indicators"}
    assert set(data["indicators"]) == {"reflection_to_question", "complex_reflections",
                                       "open_questions", "affirmations", "summaries",
                                       "outcomes_focus"}
    assert isinstance(data["indicators"]["affirmations"], int)
    assert isinstance(data["indicators"]["summaries"], int)
    assert isinstance(data["indicators"]["outcomes_focus"], float)
    assert [t["index"] for t in data["turns"]] == list(range(1, len(data["turns"]) + 1))
    for turn in data["turns"]:
        assert set(turn) == {"index", "speaker", "text", "code", "stance"}
        assert (turn["code"] is None) == (turn["speaker"] == "person")
    assert data["turns"][0]["text"].startswith("Hello, Mrs Price.")


def test_no_questions_gives_null_ratios_not_zero(tmp_path) -> None:
    path = tmp_path / "t.txt"
    path.write_text("Person: I'm fed up.\n"
                    "Worker: It sounds like you're worn out and nobody has noticed how much you carry.\n", encoding="utf-8")
    indicators = score(path).indicators()
    assert indicators["reflection_to_question"] is None
    assert indicators["open_questions"] is None
    assert indicators["complex_reflections"] is not None


def test_the_report_is_the_practice_rooms_less_the_hidden_parts() -> None:
    scores = score(OUTCOMES, person="Carer")
    text = report_markdown(scores.report, hidden_parts=False)
    assert "## Indicators" in text and "## Strengths" in text and "## Turn by turn" in text
    for hidden in ("What the person shared", "What stayed hidden", "Receptivity", "receptivity"):
        assert hidden not in text
    exported = scores.report.to_dict(hidden_parts=False)
    assert not {"hidden", "uncovered", "missed", "start_receptivity", "end_receptivity"} & set(exported)
    assert "receptivity" not in exported["turns"][0]
    assert [row["band"] for row in exported["indicators"]]  # the MITI bands are there


def test_the_readable_table_shows_turns_and_bands() -> None:
    text = render(score(PAPERWORK, person="Carer"), "table")
    assert "12 worker turns coded" in text
    assert "below fair" in text and "Outcomes focus" in text


def test_markdown_bold_bullets_other_names_and_wrapped_lines() -> None:
    turns, problems = parse_transcript([
        "# A visit", "", "**Dawn (worker):** Hello Debs.", "**Debs:** What do you want?",
        "- Dawn (worker): I'd like to hear", "how things are for you.",
        "Interpreter: (translates)", "Debs: Fine.",
    ], worker="Dawn (worker)", person="debs")
    assert [(t.speaker, t.text) for t in turns] == [
        ("worker", "Hello Debs."), ("person", "What do you want?"),
        ("worker", "I'd like to hear how things are for you."), ("person", "Fine."),
    ]
    assert [(p.line, "Interpreter" in p.message) for p in problems] == [(7, True)]


def test_a_docx_transcript_scores_like_its_text(tmp_path) -> None:
    document = docx.Document()
    document.add_heading("Carer's assessment", 1)
    for line in OUTCOMES.read_text(encoding="utf-8").splitlines():
        if line.startswith(("Worker:", "Carer:")):
            document.add_paragraph(line)
    path = tmp_path / "visit.docx"
    document.save(str(path))
    assert score(path, person="Carer").to_json() == score(OUTCOMES, person="Carer").to_json()


def test_a_docx_with_a_speaker_table_reads_as_turns(tmp_path) -> None:
    document = docx.Document()
    table = document.add_table(rows=2, cols=2)
    for row, (who, said) in zip(table.rows, [("Worker", "What matters to you?"),
                                             ("Person", "My garden.")], strict=True):
        row.cells[0].text, row.cells[1].text = who, said
    path = tmp_path / "table.docx"
    document.save(str(path))
    assert [t.text for t in score(path).turns] == ["What matters to you?", "My garden."]


# --- the bad transcripts -------------------------------------------------------------------


def test_one_speaker_only_is_refused_clearly(tmp_path) -> None:
    path = tmp_path / "mono.txt"
    path.write_text("Worker: Hello.\nWorker: How are you?\n", encoding="utf-8")
    with pytest.raises(ScoringError, match=r"only 'Worker' speaks in this transcript \(2 turns\); "
                                           r"a conversation needs 'Person' too"):
        score(path)
    path.write_text("Person: I'm fine.\n", encoding="utf-8")
    with pytest.raises(ScoringError, match="only 'Person' speaks"):
        score(path)


def test_no_recognisable_turns_names_the_speakers_found(tmp_path) -> None:
    path = tmp_path / "visit.md"
    path.write_text("**Dawn:** Hello.\n**Debs:** Hiya.\n", encoding="utf-8")
    with pytest.raises(ScoringError, match=r"no turns recognised: expected lines such as "
                                           r"'Worker: …'.*'Dawn', 'Debs': give the worker's and the person's names.*--worker"):
        score(path)
    path.write_text("Just some notes about the visit.\nNothing more.\n", encoding="utf-8")
    with pytest.raises(ScoringError, match="no turns recognised"):
        score(path)


def test_a_docx_that_is_not_a_word_document_is_refused(tmp_path) -> None:
    path = tmp_path / "fake.docx"
    path.write_text("Worker: hello\nPerson: hi\n", encoding="utf-8")
    with pytest.raises(ScoringError, match="is not a Word document"):
        score(path)


def test_the_same_names_for_both_speakers_is_refused() -> None:
    with pytest.raises(ScoringError, match="both called"):
        parse_transcript(["A: hi"], worker="Sam", person="sam")


@pytest.mark.parametrize("how", sorted(DAMAGE))
def test_a_damaged_word_document_is_refused_clearly_not_with_a_crash(tmp_path, how) -> None:
    path = damaged_docx(tmp_path / "visit.docx", how)
    with pytest.raises(ScoringError, match=r"^visit.docx could not be read as a Word document "
                                           r"\(.+\); open it in Word and save it again"):
        score(path)


def test_a_damaged_word_document_says_what_is_damaged_in_plain_words(tmp_path) -> None:
    cut = damaged_docx(tmp_path / "cut.docx", "truncated")
    with pytest.raises(ScoringError, match=r"\(the text inside it is damaged: "):
        score(cut)
    bare = damaged_docx(tmp_path / "bare.docx", "bare-types")
    with pytest.raises(ScoringError) as refused:
        score(bare)
    # python-docx's own words name its internals; the person is told what it means.
    assert "its parts are not laid out as Word writes them" in str(refused.value)
    assert "lxml" not in str(refused.value) and "attribute" not in str(refused.value)


def test_counts_in_transcript_messages_agree_with_one_and_many(tmp_path) -> None:
    path = tmp_path / "visit.txt"
    path.write_text("Worker: What matters to you?\nPerson: My garden.\n", encoding="utf-8")
    assert "visit.txt: 1 worker turn coded\n" in render(score(path), "table")
    path.write_text("Worker: Hello.\nPerson: Hiya.\nWorker: What matters to you?\n"
                    "Person: My garden.\n", encoding="utf-8")
    assert "visit.txt: 2 worker turns coded\n" in render(score(path), "table")
    path.write_text("Worker: Hello.\n", encoding="utf-8")
    with pytest.raises(ScoringError, match=r"speaks in this transcript \(1 turn\);"):
        score(path)
