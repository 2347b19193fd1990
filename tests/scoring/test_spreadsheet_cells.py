"""Every CSV the scoring and the team dashboard write opens safely in a spreadsheet: a text
cell that begins like a formula (=, +, -, @, tab or carriage return, the OWASP list) is
written with a ' before it, so the spreadsheet shows it rather than runs it, and the
numbers stay numbers."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path

from coach.scoring import render, score_file
from coach.teams import dashboard_row, to_csv
from tests.support.scoring import parts

FORMULAS = ["=cmd|calc!A1", "+1+cmd|calc!A1", "-2+cmd|calc!A1", "@SUM(A1:A9)",
            "\t=cmd|calc!A1", "\r=cmd|calc!A1"]


def cells(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def assert_no_cell_runs(rows: list[dict[str, str]]) -> None:
    for row in rows:
        for column, value in row.items():
            if value.startswith(("=", "+", "-", "@", "\t", "\r")):
                assert is_number(value), f"{column} would run as a formula: {value!r}"


def test_reply_csv_ids_that_begin_like_formulas_are_read_back_as_text(tmp_path: Path) -> None:
    path = tmp_path / "replies.csv"
    path.write_text("id,reply\n" + "".join(
        f'"{formula.strip()}",What matters to you most?\n' if k == 0 else
        f'"{formula.strip()} {k}",Tell me more about that.\n'
        for k, formula in enumerate(FORMULAS)), encoding="utf-8")
    rows = cells(render(score_file(path, **parts()), "csv"))
    assert {r["id"] for r in rows} >= {"'=cmd|calc!A1", "'+1+cmd|calc!A1 1",
                                       "'-2+cmd|calc!A1 2", "'@SUM(A1:A9) 3"}
    assert_no_cell_runs(rows)


def test_transcript_csv_turns_that_begin_like_formulas_are_read_back_as_text(
    tmp_path: Path,
) -> None:
    path = tmp_path / "visit.txt"
    path.write_text("Worker: =cmd|calc!A1 What matters to you?\nPerson: -1+cmd|calc!A1\n"
                    "Worker: @SUM(A1) You sound worried.\nPerson: +44 is my code\n",
                    encoding="utf-8")
    rows = cells(render(score_file(path, **parts()), "csv"))
    assert [r["text"] for r in rows] == ["'=cmd|calc!A1 What matters to you?", "'-1+cmd|calc!A1",
                                         "'@SUM(A1) You sound worried.", "'+44 is my code"]
    assert_no_cell_runs(rows)


def test_a_carriage_return_inside_a_reply_csv_cell_never_starts_a_new_row(
    tmp_path: Path,
) -> None:
    path = tmp_path / "replies.csv"
    path.write_bytes(b'id,reply\n"a\r=cmd|calc!A1",What matters to you?\n')
    rows = cells(render(score_file(path, **parts()), "csv"))
    assert [r["id"] for r in rows] == ["a\n=cmd|calc!A1"]
    assert_no_cell_runs(rows)


def test_reply_csv_numbers_stay_numbers_even_when_negative(tmp_path: Path) -> None:
    path = tmp_path / "replies.csv"
    path.write_text("id,moment,reply\n"
                    "threat,debs_take_him_into_care,If you don't engage we'll have to act.\n",
                    encoding="utf-8")
    rows = cells(render(score_file(path, **parts()), "csv"))
    assert rows[0]["receptivity_change"].startswith("-")
    assert float(rows[0]["receptivity_change"]) < 0


def test_the_dashboard_csv_neutralises_names_teams_and_personas_but_not_numbers() -> None:
    report = {"persona_name": "@SUM(A1:A9)", "turns": [{}] * 4,
              "indicators": [{"name": "outcomes_focus", "value": -0.4},
                             {"name": "affirmations", "value": 1}]}
    rows = [dashboard_row(formula, f"trainee{k}", formula, f"s{k}",
                          datetime(2026, 1, 5), report) for k, formula in enumerate(FORMULAS)]
    read = cells(to_csv(rows))
    # A carriage return inside a cell is kept as a line break within it, never a new row.
    shown = ["'" + f.replace("\r", "\n") for f in FORMULAS]
    assert [r["team"] for r in read] == shown
    assert [r["display_name"] for r in read] == shown
    assert {r["persona"] for r in read} == {"'@SUM(A1:A9)"}
    assert {r["outcomes_focus"] for r in read} == {"-0.4"}  # a number, left as one
    assert_no_cell_runs(read)
