"""Scoring a CSV of replies: the real coder and the real persona engine, ranks, output
shapes, and every bad input the issue lists, each a clear message with nothing lost."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from coach.scoring import (
    MAX_BYTES,
    ReplyScores,
    ScoringError,
    render,
    score_file,
    score_replies,
)
from tests.support.scoring import EXAMPLES, big_file, parts

DEBS_CSV = EXAMPLES / "debs-six-replies.csv"


def score(path: Path, **kwargs) -> ReplyScores:
    result = score_file(path, **parts(), **kwargs)
    assert isinstance(result, ReplyScores)
    return result


def write(tmp_path: Path, text: str, name: str = "replies.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- the must-show ranking -----------------------------------------------------------------


def test_six_replies_to_debs_rank_listening_above_threats_and_procedure() -> None:
    scores = score(DEBS_CSV)
    rank = {row.id: row.rank for row in scores.rows}
    assert sorted(rank.values()) == [1, 2, 3, 4, 5, 6]
    listening = [rank["reflect"], rank["curious"], rank["affirm"]]
    closing = [rank["threat"], rank["procedure"], rank["reassure"]]
    assert max(listening) < min(closing), rank
    for row in scores.rows:
        assert row.reaction is not None and row.moment == "debs_take_him_into_care"
        assert (row.reaction.receptivity_change > 0) == (row.id in {"reflect", "curious", "affirm"})
    assert {r.id: r.coded.stance for r in scores.rows}["threat"] == "paperwork"


def test_json_output_has_exactly_the_issue_shape() -> None:
    rows = json.loads(render(score(DEBS_CSV), "json"))
    assert [r["id"] for r in rows] == ["reflect", "curious", "affirm", "reassure", "procedure",
                                       "threat"]  # the file's order, ranks as a field
    for row in rows:
        assert set(row) == {"id", "code", "stance", "cues", "reaction", "rank"}
        assert set(row["reaction"]) == {"receptivity_change", "mood", "reply", "unlocks"}
        assert isinstance(row["cues"], list) and isinstance(row["reaction"]["unlocks"], list)
    best = min(rows, key=lambda r: r["rank"])
    assert best["rank"] == 1 and best["reaction"]["receptivity_change"] > 0


def test_the_same_file_scores_the_same_every_time() -> None:
    assert render(score(DEBS_CSV), "json") == render(score(DEBS_CSV), "json")


def test_jsonl_and_csv_outputs_carry_the_same_results() -> None:
    scores = score(DEBS_CSV)
    lines = [json.loads(line) for line in render(scores, "jsonl").splitlines()]
    assert lines == json.loads(render(scores, "json"))
    table = list(csv.DictReader(io.StringIO(render(scores, "csv"))))
    assert [r["rank"] for r in table] == ["1", "2", "3", "4", "5", "6"]  # best first
    by_id = {r["id"]: r for r in table}
    for row in scores.rows:
        assert by_id[row.id]["code"] == row.coded.code
        assert float(by_id[row.id]["receptivity_change"]) == pytest.approx(
            row.reaction.receptivity_change, abs=0.005)


def test_the_readable_table_lists_replies_best_first() -> None:
    text = render(score(DEBS_CSV), "table")
    body = text.splitlines()[4:]
    assert body[0].startswith("1 ") and body[-1].startswith("6 ")
    assert "Complex reflection" in text and "Paperwork / risk-led" in text


# --- moments, words and personas -------------------------------------------------------------


def test_words_verbatim_with_a_persona_get_a_reaction_and_without_one_do_not(tmp_path) -> None:
    path = write(tmp_path, 'id,moment,reply\n'
                           'a,"Why does everybody want me to get rid of the cat?",'
                           '"Cassie matters a great deal to you."\n'
                           'b,"Nobody listens to me.","What would you like people to hear?"\n')
    plain = score(path)
    by_id = {r.id: r for r in plain.rows}
    # Row a is a curated moment's words exactly, so it is that moment; row b is just words.
    assert by_id["a"].moment == "britton_get_rid_of_the_cat" and by_id["a"].reaction
    assert by_id["b"].moment is None and by_id["b"].reaction is None
    with_persona = {r.id: r for r in score(path, persona="britton").rows}
    assert with_persona["b"].moment == "adhoc" and with_persona["b"].reaction is not None


def test_id_reply_with_a_context_column_codes_against_the_context(tmp_path) -> None:
    path = write(tmp_path, "id,reply,context\n"
                           "1,You're worried sick about him.,My son is in hospital again.\n"
                           "2,Did you take your tablets?,\n")
    scores = score(path)
    assert [r.id for r in scores.rows] == ["1", "2"]
    assert all(r.reaction is None for r in scores.rows)
    assert {r.id: r.rank for r in scores.rows} == {"1": 1, "2": 2}
    # With a persona, the context is the person's words at the persona's starting state.
    assert all(r.reaction for r in score(path, persona="johanna").rows)


def test_an_unknown_persona_is_a_clear_error() -> None:
    with pytest.raises(ScoringError, match="no persona 'dawn' \\(known: britton, debs"):
        score(DEBS_CSV, persona="dawn")


# --- bad rows are reported by line and skipped -----------------------------------------------


def test_bad_rows_are_reported_by_line_number_and_the_good_ones_scored(tmp_path) -> None:
    path = write(tmp_path, (
        "id,moment,reply\n"
        "ok1,debs_take_him_into_care,It sounds like you're exhausted.\n"
        "\n"
        "empty,debs_take_him_into_care,   \n"
        "typo,debs_take_him_into_car,What's been happening?\n"
        "ok1,debs_take_him_into_care,Same id again.\n"
        "ragged,debs_take_him_into_care,Too, many, fields\n"
        "short,debs_take_him_into_care\n"
        ",debs_take_him_into_care,No id.\n"
        'multi,debs_take_him_into_care,"A reply over\ntwo lines."\n'
        "wrong,britton_get_rid_of_the_cat,What does Cassie mean to you?\n"
        "ok2,debs_take_him_into_care,What matters most to you right now?\n"
    ))
    scores = score(path, persona="debs")
    assert [r.id for r in scores.rows] == ["ok1", "multi", "ok2"]
    assert [r.line for r in scores.rows] == [2, 10, 13]
    problems = {p.line: p.message for p in scores.problems}
    assert set(problems) == {4, 5, 6, 7, 8, 9, 12}
    assert "the reply is empty" in problems[4]
    assert "no moment 'debs_take_him_into_car'" in problems[5]
    assert "id 'ok1' is already used on line 2" in problems[6]
    assert "5 fields where the header has 3" in problems[7]
    assert "2 fields where the header has 3" in problems[8]
    assert "the id is empty" in problems[9]
    assert "is with 'britton', not --persona 'debs'" in problems[12]
    assert str(scores.problems[0]).startswith("line 4: ") and str(scores.problems[0]).endswith("skipped")


# --- the bad inputs the issue names ----------------------------------------------------------


def test_an_empty_csv_is_refused_with_a_clear_message(tmp_path) -> None:
    with pytest.raises(ScoringError, match="replies.csv is empty: there is nothing to score"):
        score(write(tmp_path, ""))
    with pytest.raises(ScoringError, match="is empty"):
        score(write(tmp_path, "\n\n  \n"))
    with pytest.raises(ScoringError, match="the CSV has a header but no rows"):
        score(write(tmp_path, "id,reply\n"))


def test_a_csv_with_a_missing_column_names_it_and_what_is_expected(tmp_path) -> None:
    with pytest.raises(ScoringError, match=r"no 'reply' column \(its header is 'id,text'\); "
                                           r"expected id,moment,reply or id,reply"):
        score(write(tmp_path, "id,text\n1,hello\n"))
    with pytest.raises(ScoringError, match="no 'id' or 'reply' column"):
        score(write(tmp_path, "moment,words\n"))


def test_a_file_over_10_mb_is_refused_before_it_is_read(tmp_path) -> None:
    path = big_file(tmp_path / "big.csv", MAX_BYTES + 1)
    with pytest.raises(ScoringError, match=r"big.csv is 10,485,761 bytes; files over 10 MB \(10,485,760 bytes\) are refused"):
        score(path)
    for name in ("big.txt", "big.docx"):
        with pytest.raises(ScoringError, match="files over 10 MB"):
            score_file(path.rename(tmp_path / name), **parts())
        path = tmp_path / name


def test_a_binary_file_is_refused_as_not_text(tmp_path) -> None:
    path = tmp_path / "replies.csv"
    path.write_bytes(b"id,reply\n1,\x00\x01\x02\xff binary")
    with pytest.raises(ScoringError, match="holds binary data, not text"):
        score(path)
    path.write_bytes("id,reply\n1,caf\u00e9\n".encode("latin-1"))
    with pytest.raises(ScoringError, match="is not UTF-8 text"):
        score(path)


def test_an_unsupported_extension_says_which_files_work(tmp_path) -> None:
    with pytest.raises(ScoringError, match=r"cannot score a file with '.pdf'; use a .csv"):
        score_file(write(tmp_path, "x", "notes.pdf"), **parts())


def test_score_replies_takes_text_directly() -> None:
    scores = score_replies("id,reply\n1,What matters to you?\n", name="t.csv", **{
        k: v for k, v in parts().items() if k != "rubric"})
    assert scores.rows[0].coded.code == "open_question"


def test_csv_output_keeps_formula_like_ids_as_text(tmp_path) -> None:
    path = write(tmp_path, 'id,reply\n"=HYPERLINK(""http://x"")",What matters to you?\n')
    table = list(csv.DictReader(io.StringIO(render(score(path), "csv"))))
    assert table[0]["id"] == "\'=HYPERLINK(\"http://x\")"
    assert json.loads(render(score(path), "json"))[0]["id"] == '=HYPERLINK("http://x")'


# --- quotes that are never closed or closed too soon ----------------------------------------


def test_a_quote_never_closed_is_reported_and_the_rows_after_it_are_still_scored(tmp_path) -> None:
    path = write(tmp_path, 'id,reply\n1,What matters to you?\n2,"unterminated quote\n3,ok\n')
    scores = score(path)
    # Nothing is merged: row 2 is skipped, and row 3 is a row, not the end of reply 2.
    assert [(r.id, r.reply) for r in scores.rows] == [("1", "What matters to you?"), ("3", "ok")]
    assert [str(p) for p in scores.problems] == [
        "line 3: a quote is opened here and never closed; skipped"]


def test_a_quote_never_closed_at_the_end_of_the_file_is_reported(tmp_path) -> None:
    scores = score(write(tmp_path, 'id,reply\n1,What matters to you?\n2,"You sound\nworried'))
    assert [r.id for r in scores.rows] == ["1"]
    # The line it swallowed is read again, and is a bad row of its own.
    assert [(p.line, p.message) for p in scores.problems] == [
        (3, "a quote is opened here and never closed"),
        (4, "1 field where the header has 2 (put a reply with commas in double quotes)")]


def test_text_after_a_closing_quote_is_reported_not_run_together(tmp_path) -> None:
    path = write(tmp_path, 'id,reply\n1,"You sound" worried\n2,"A reply over\ntwo" lines\n'
                           '3,What matters to you?\n')
    scores = score(path)
    assert [r.id for r in scores.rows] == ["3"]
    assert [p.line for p in scores.problems] == [2, 3]
    assert all("a closing quote is followed by more text" in p.message for p in scores.problems)


def test_a_quote_never_closed_in_the_header_is_refused_clearly(tmp_path) -> None:
    with pytest.raises(ScoringError, match=r"the first line is not a CSV header \(a quote is "
                                           r"opened here and never closed\)"):
        score(write(tmp_path, 'id,"reply\n1,What matters to you?\n'))


# --- counts in messages ----------------------------------------------------------------------


def test_counts_in_reply_messages_agree_with_one_and_many(tmp_path) -> None:
    path = write(tmp_path, "id,reply\n1,What matters to you?\n2\n3,Tell me more.,again,and again\n")
    scores = score(path)
    assert [p.message.split(" (")[0] for p in scores.problems] == [
        "1 field where the header has 2", "4 fields where the header has 2"]
    assert "replies.csv: 1 reply scored, best first" in render(scores, "table")
    assert "debs-six-replies.csv: 6 replies scored, best first" in render(score(DEBS_CSV), "table")
