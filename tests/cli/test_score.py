"""``coach score``: output shapes and exit statuses, and every bad input the issue lists
answered with a clear message on standard error and exit status 2, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from coach.cli import main
from coach.scoring import MAX_BYTES
from tests.scoring.damaged_docx import DAMAGE, damaged_docx
from tests.support.scoring import EXAMPLES, big_file

DEBS_CSV = str(EXAMPLES / "debs-six-replies.csv")
PAPERWORK = str(EXAMPLES / "carers-assessment-paperwork.md")
OUTCOMES = str(EXAMPLES / "carers-assessment-outcomes.md")


@pytest.fixture(autouse=True)
def _data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COACH_DATA_DIR", str(tmp_path / "data"))


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(["score", *argv])
    out, err = capsys.readouterr()
    return status, out, err


def test_csv_json_ranks_listening_first(capsys) -> None:
    status, out, err = run(capsys, DEBS_CSV, "--json")
    assert status == 0, err
    rows = {r["id"]: r for r in json.loads(out)}
    assert max(rows[i]["rank"] for i in ("reflect", "curious", "affirm")) < min(
        rows[i]["rank"] for i in ("threat", "procedure", "reassure"))


def test_csv_formats_and_the_readable_table(capsys) -> None:
    status, out, _ = run(capsys, DEBS_CSV, "--format", "csv")
    assert status == 0 and out.splitlines()[0] == (
        "rank,id,code,stance,cues,receptivity_change,mood,reply,unlocks")
    status, out, _ = run(capsys, DEBS_CSV, "--format", "jsonl")
    assert status == 0 and len(out.splitlines()) == 6
    status, out, _ = run(capsys, DEBS_CSV)
    assert status == 0 and "6 replies scored, best first" in out
    with pytest.raises(SystemExit):  # --json and --format are one choice
        main(["score", DEBS_CSV, "--json", "--format", "csv"])


def test_transcripts_compare_on_outcomes_focus_and_rq(capsys) -> None:
    results = {}
    for path in (PAPERWORK, OUTCOMES):
        status, out, err = run(capsys, path, "--person", "Carer", "--json")
        assert status == 0, err
        results[path] = json.loads(out)["indicators"]
    assert results[OUTCOMES]["outcomes_focus"] > results[PAPERWORK]["outcomes_focus"]
    assert results[OUTCOMES]["reflection_to_question"] > results[PAPERWORK]["reflection_to_question"]


def test_transcript_report_is_written_without_hidden_parts(
    capsys, tmp_path, monkeypatch, indexed_settings
) -> None:
    # The report cites the guidance: search the index built once for the test session.
    monkeypatch.setenv("COACH_DATA_DIR", str(indexed_settings.data_dir))
    report = tmp_path / "report.md"
    status, out, err = run(capsys, OUTCOMES, "--person", "Carer", "--report", str(report))
    assert status == 0, err
    text = report.read_text(encoding="utf-8")
    assert "## Indicators" in text and "What stayed hidden" not in text
    assert "   > — " in text  # strengths and next steps cite the guidance
    assert "Indicators (MITI-style bands)" in out
    as_json = tmp_path / "report.json"
    assert run(capsys, OUTCOMES, "--person", "Carer", "--report", str(as_json))[0] == 0
    assert "hidden" not in json.loads(as_json.read_text(encoding="utf-8"))


def test_bad_rows_go_to_stderr_and_the_rest_is_scored(capsys, tmp_path) -> None:
    path = tmp_path / "replies.csv"
    path.write_text("id,reply\n1,What matters to you?\n2,\n3,You sound worried.\n", encoding="utf-8")
    status, out, err = run(capsys, str(path), "--json")
    assert status == 0
    assert [r["id"] for r in json.loads(out)] == ["1", "3"]
    assert "replies.csv: line 3: the reply is empty" in err


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "empty.csv", "empty.csv is empty: there is nothing to score"),
        (b"id,text\n1,hello\n", "missing.csv", "the CSV has no 'reply' column"),
        (None, "big.csv", "files over 10 MB (10,485,760 bytes) are refused"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image.csv", "holds binary data, not text"),
        (b"Worker: Hello.\nWorker: Anyone in?\n", "mono.txt",
         "only 'Worker' speaks in this transcript"),
        (b"Just notes.\n", "notes.md", "no turns recognised"),
        (b"a,b\n", "data.xlsx", "cannot score a file with '.xlsx'"),
    ],
)
def test_bad_input_is_a_clear_message_and_exit_status_2(
    capsys, tmp_path, content, name, message
) -> None:
    path = tmp_path / name
    if content is None:
        big_file(path, MAX_BYTES + 1)
    else:
        path.write_bytes(content)
    status, out, err = run(capsys, str(path), "--json")
    assert status == 2
    assert out == ""
    assert err.startswith("error: ") and message in err
    assert "Traceback" not in err


def test_a_missing_file_and_an_unknown_persona_are_exit_status_2(capsys, tmp_path) -> None:
    status, _, err = run(capsys, str(tmp_path / "nowhere.csv"))
    assert status == 2 and "cannot read the file" in err
    status, _, err = run(capsys, DEBS_CSV, "--persona", "dawn")
    assert status == 2 and "no persona 'dawn'" in err


@pytest.mark.parametrize("how", sorted(DAMAGE))
def test_a_damaged_word_document_is_a_clear_message_and_exit_status_2(
    capsys, tmp_path, how
) -> None:
    path = damaged_docx(tmp_path / "visit.docx", how)
    status, out, err = run(capsys, str(path))
    assert status == 2 and out == ""
    assert err.startswith("error: visit.docx could not be read as a Word document (")
    assert "Traceback" not in err


def test_a_report_into_a_missing_folder_is_refused_before_scoring(capsys, tmp_path) -> None:
    report = tmp_path / "missing" / "folder" / "r.md"
    status, out, err = run(capsys, OUTCOMES, "--person", "Carer", "--report", str(report))
    assert status == 2
    assert out == ""  # no table that looks like success
    assert err == (f"error: cannot write the report to {report}: the folder "
                   f"{report.parent} does not exist\n")
    assert not report.parent.exists()


def test_a_report_path_through_a_file_or_onto_a_folder_is_refused(capsys, tmp_path) -> None:
    (tmp_path / "notes.txt").write_text("", encoding="utf-8")
    status, _, err = run(capsys, OUTCOMES, "--person", "Carer",
                         "--report", str(tmp_path / "notes.txt" / "r.md"))
    assert status == 2 and "notes.txt is a file, not a folder" in err
    (tmp_path / "r.md").mkdir()
    status, _, err = run(capsys, OUTCOMES, "--person", "Carer", "--report", str(tmp_path / "r.md"))
    assert status == 2 and f"cannot write the report to {tmp_path / 'r.md'}: it is a folder" in err


def test_a_report_that_cannot_be_written_is_a_clear_message_and_exit_status_2(
    capsys, tmp_path, monkeypatch, indexed_settings
) -> None:
    monkeypatch.setenv("COACH_DATA_DIR", str(indexed_settings.data_dir))
    report = tmp_path / "r.md"
    write_text = Path.write_text

    def refuse(self: Path, *args, **kwargs) -> int:
        if self == report:
            raise PermissionError(13, "Permission denied", str(self))
        return write_text(self, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", refuse)
    status, _, err = run(capsys, OUTCOMES, "--person", "Carer", "--report", str(report))
    assert status == 2
    assert f"error: cannot write the report to {report}: permission denied" in err
    assert "Traceback" not in err and "report written" not in err


def test_a_quote_never_closed_is_reported_by_line_and_nothing_is_merged(capsys, tmp_path) -> None:
    path = tmp_path / "t.csv"
    path.write_text('id,reply\n1,What matters to you?\n2,"unterminated quote\n3,ok\n',
                    encoding="utf-8")
    status, out, err = run(capsys, str(path), "--json")
    assert status == 0
    assert [r["id"] for r in json.loads(out)] == ["1", "3"]
    assert "t.csv: line 3: a quote is opened here and never closed; skipped" in err


def test_the_table_counts_one_reply_as_one_reply(capsys, tmp_path) -> None:
    path = tmp_path / "one.csv"
    path.write_text("id,reply\n1,What matters to you?\n", encoding="utf-8")
    status, out, _ = run(capsys, str(path))
    assert status == 0 and out.startswith("one.csv: 1 reply scored, best first\n")
