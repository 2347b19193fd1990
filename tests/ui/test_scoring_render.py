"""The "Score a file" tab renders everything from the file as text, never as markup."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from coach.batchscoring import ScoringService
from coach.scoring import score_file
from coach.service import ServiceError
from coach.settings import Settings
from coach.store import User
from coach.ui.guard import refusal
from coach.ui.scoring import ScoringScreen, results_html
from coach.wiring import Wiring
from tests.scoring.damaged_docx import DAMAGE, damaged_docx
from tests.support.scoring import EXAMPLES, parts

EVIL = "<img src=x onerror=alert(1)> **bold**"


def test_reply_results_escape_ids_replies_and_skipped_lines(tmp_path: Path) -> None:
    path = tmp_path / "evil.csv"
    path.write_text(f'id,moment,reply\n"{EVIL}",debs_take_him_into_care,"{EVIL} you sound fed up"\n'
                    f'"{EVIL}",debs_take_him_into_care,hello\n', encoding="utf-8")
    shown = results_html(score_file(path, **parts()))
    assert "<img" not in shown
    assert shown.count("&lt;img") == 3  # the id, the reply, and the skipped duplicate id
    assert "line 3:" in shown and "One line was skipped" in shown
    assert "<td>1</td>" in shown  # rank


def test_transcript_results_show_bands_and_escape_turns(tmp_path: Path) -> None:
    path = tmp_path / "t.md"
    path.write_text(f"Worker: {EVIL} What matters to you?\nPerson: {EVIL}\n", encoding="utf-8")
    shown = results_html(score_file(path, **parts()))
    assert "<img" not in shown and shown.count("&lt;img") == 2
    assert "Outcomes focus" in shown and "Band" in shown


def test_the_example_csv_is_shown_best_first() -> None:
    shown = results_html(score_file(EXAMPLES / "debs-six-replies.csv", **parts()))
    ranks = [shown.index(f"<tr><td>{n}</td>") for n in range(1, 7)]
    assert ranks == sorted(ranks)


def test_counts_in_the_results_agree_with_one_and_many(tmp_path: Path) -> None:
    path = tmp_path / "one.csv"
    path.write_text("id,reply\n1,What matters to you?\n1,Again.\n", encoding="utf-8")
    shown = results_html(score_file(path, **parts()))
    assert "<p>1 reply scored from one.csv, best first.</p>" in shown
    assert "<p>One line was skipped:</p>" in shown
    path.write_text("id,reply\n1,What matters to you?\n2,Tell me more.\n2,Again.\n3\n",
                    encoding="utf-8")
    shown = results_html(score_file(path, **parts()))
    assert "<p>2 replies scored from one.csv, best first.</p>" in shown
    assert "<p>2 lines were skipped:</p>" in shown
    visit = tmp_path / "visit.txt"
    visit.write_text("Worker: What matters to you?\nPerson: My garden.\n", encoding="utf-8")
    assert "<p>1 worker turn coded from visit.txt.</p>" in results_html(score_file(visit, **parts()))


@pytest.mark.parametrize("how", sorted(DAMAGE))
def test_a_damaged_word_upload_shows_the_same_clear_message(tmp_path: Path, how: str) -> None:
    # The screen's handler alone, without building the Gradio layout around it.
    screen = ScoringScreen.__new__(ScoringScreen)
    screen.scoring = ScoringService(Wiring(Settings.test_profile(tmp_path / "data")))
    screen.current_user = lambda request: User(
        id=7, username="trainee", display_name="Trainee", role="trainee",
        created_at=datetime(2026, 1, 1, tzinfo=UTC))
    path = damaged_docx(tmp_path / "visit.docx", how)
    with pytest.raises(ServiceError) as refused:
        screen.score(str(path), None, "Worker", "Person", None)  # type: ignore[arg-type]
    # The guard round every handler shows it as it is: a file name keeps its lower case.
    shown = refusal(str(refused.value))
    assert str(shown.message).startswith("visit.docx could not be read as a Word document (")
