"""The "Score a file" tab renders everything from the file as text, never as markup."""

from __future__ import annotations

from pathlib import Path

from coach.scoring import score_file
from coach.ui.scoring import results_html
from tests.support.scoring import EXAMPLES, parts

EVIL = "<img src=x onerror=alert(1)> **bold**"


def test_reply_results_escape_ids_replies_and_skipped_lines(tmp_path: Path) -> None:
    path = tmp_path / "evil.csv"
    path.write_text(f'id,moment,reply\n"{EVIL}",debs_take_him_into_care,"{EVIL} you sound fed up"\n'
                    f'"{EVIL}",debs_take_him_into_care,hello\n', encoding="utf-8")
    shown = results_html(score_file(path, **parts()))
    assert "<img" not in shown
    assert shown.count("&lt;img") == 3  # the id, the reply, and the skipped duplicate id
    assert "line 3:" in shown and "Some lines were skipped" in shown
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
