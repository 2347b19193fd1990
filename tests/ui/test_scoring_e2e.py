"""Batch scoring through the real app's web API (gradio_client), as the upload would be
used: signed in it scores and hands the results to that browser to save (no file of them
is left on the server); signed out it refuses; a bad file is a clear message and the next
upload still works."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from gradio_client import Client, handle_file

from tests.support.apprunner import (
    RunningApp,
    add_user,
    call_status,
    seed_data_dir,
    signed_in_client,
    start_app,
)
from tests.support.scoring import EXAMPLES

pytestmark = pytest.mark.slow
PASSWORD = "score-them-all-1"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory, warm_data_dir: Path) -> Iterator[RunningApp]:
    data = seed_data_dir(warm_data_dir, tmp_path_factory.mktemp("scoring") / "data")
    add_user(data, "tess", PASSWORD)
    running = start_app(data)
    yield running
    running.stop()


def _client(app: RunningApp) -> Client:
    return signed_in_client(app.url, "tess", PASSWORD)


def test_a_signed_in_trainee_scores_a_csv_and_downloads_the_results(app: RunningApp) -> None:
    # The results come back as text for this browser to save (the API leaves out the
    # two save buttons that appear with them).
    html, csv_text, json_text = _client(app).predict(
        handle_file(str(EXAMPLES / "debs-six-replies.csv")), "", "Worker", "Person",
        api_name="/score_file")
    assert "6 replies scored from debs-six-replies.csv" in html
    rows = json.loads(json_text)
    assert {r["id"]: r["rank"] for r in rows}["reflect"] == 1
    table = list(csv.DictReader(csv_text.splitlines()))
    assert table[0]["id"] == "reflect"


def test_a_transcript_upload_shows_its_indicators(app: RunningApp) -> None:
    html, _, json_text = _client(app).predict(
        handle_file(str(EXAMPLES / "carers-assessment-outcomes.md")), "", "Worker", "Carer",
        api_name="/score_file")
    assert "11 worker turns coded" in html and "Outcomes focus" in html
    assert json.loads(json_text)["indicators"]


def test_signed_out_nothing_is_scored(app: RunningApp) -> None:
    # Refused before the handler runs: no file is read, nothing is scored.
    assert call_status(app.url, "score_file", [None, "", "Worker", "Person"]) == 401


def test_a_bad_file_is_a_clear_message_and_the_next_one_still_scores(
    app: RunningApp, tmp_path: Path
) -> None:
    client = _client(app)
    mono = tmp_path / "mono.txt"
    mono.write_text("Worker: Hello?\nWorker: Anyone in?\n", encoding="utf-8")
    with pytest.raises(Exception, match="^Only 'Worker' speaks"):
        client.predict(handle_file(str(mono)), "", "Worker", "Person", api_name="/score_file")
    columns = tmp_path / "columns.csv"
    columns.write_text("a,b\n1,2\n", encoding="utf-8")
    # Said as a sentence on its own, with a capital.
    with pytest.raises(Exception, match="The CSV has no 'id' or 'reply' column"):
        client.predict(handle_file(str(columns)), "", "Worker", "Person", api_name="/score_file")
    html, *_ = client.predict(handle_file(str(EXAMPLES / "debs-six-replies.csv")), "debs",
                                "Worker", "Person", api_name="/score_file")
    assert "6 replies scored" in html
