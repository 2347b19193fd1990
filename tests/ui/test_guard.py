"""Every event handler of the app says a refusal in the service's words and a fault of
ours in plain words that give nothing of it away (the fault itself goes to the log)."""

from __future__ import annotations

import inspect
import logging
from pathlib import Path

import gradio as gr
import pytest

from coach.service import CoachService, ServiceError
from coach.settings import Settings
from coach.ui import build_app
from coach.ui.guard import UNEXPECTED, guarded, refusal


def _fails_with(exc: Exception):  # type: ignore[no-untyped-def]
    def handler(text: str, request: gr.Request) -> str:
        raise exc
    return handler


def test_a_refusal_is_said_in_the_services_words_without_a_traceback() -> None:
    with pytest.raises(gr.Error) as caught:
        guarded(_fails_with(ServiceError("that conversation could not be found.")))("x", None)
    assert caught.value.message == "That conversation could not be found."
    assert caught.value.print_exception is False


def test_a_fault_is_logged_and_the_person_sees_nothing_of_it(caplog: pytest.LogCaptureFixture) -> None:
    secret = "(psycopg.DataError) INSERT INTO turns (reply, state_after) VALUES ('hidden line')"
    with caplog.at_level(logging.ERROR, logger="coach.ui"), pytest.raises(gr.Error) as caught:
        guarded(_fails_with(RuntimeError(secret)))("x", None)
    assert caught.value.message == UNEXPECTED and "INSERT" not in caught.value.message
    assert secret in caplog.text  # with its traceback, for whoever runs the server


def test_the_guard_keeps_the_signature_gradio_reads() -> None:
    handler = _fails_with(ValueError())
    assert inspect.signature(guarded(handler)) == inspect.signature(handler)


def test_every_plain_handler_of_the_app_is_guarded(tmp_path: Path, indexed_settings: Settings) -> None:
    service = CoachService(Settings.test_profile(indexed_settings.data_dir))
    app = build_app(service)
    handlers = [f.fn for f in app.fns.values() if f.fn is not None]
    plain = [fn for fn in handlers if not (inspect.isgeneratorfunction(fn)
                                           or inspect.iscoroutinefunction(fn))]
    assert len(plain) > 30
    assert all(getattr(fn, "guarded", False) for fn in plain)


def test_a_refusal_starts_with_a_capital_unless_it_starts_with_a_file_name() -> None:
    assert refusal("the CSV has no 'id' column").message == "The CSV has no 'id' column"
    assert refusal("visit.docx could not be read").message == "visit.docx could not be read"
    assert refusal("2 rows were skipped").message == "2 rows were skipped"
