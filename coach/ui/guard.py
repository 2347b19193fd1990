"""What a person sees when a handler cannot do what they asked.

A refusal the service gives (``ServiceError``: not found, not allowed, a bad file) is said
in its own words and not logged as a crash; anything else is a fault of ours: it is logged
once with its traceback, and the person gets a plain message that gives nothing of it away
(a database error would show the SQL, the schema and text nobody should see).
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable
from typing import Any

import gradio as gr

from coach.service import ServiceError
from coach.ui.render import as_sentence

log = logging.getLogger("coach.ui")

UNEXPECTED = ("Something went wrong on our side, and it has been logged. Nothing you typed "
              "has been lost: please try again.")


def refusal(message: str) -> gr.Error:
    """An error shown to the person as it is, without a traceback in the server's log."""
    return gr.Error(as_sentence(message), print_exception=False)


def guarded(fn: Callable[..., Any]) -> Callable[..., Any]:
    # functools.wraps keeps the signature Gradio reads (gr.Request parameters, defaults).
    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except gr.Error as exc:
            exc.print_exception = False
            raise
        except ServiceError as exc:
            raise refusal(str(exc)) from exc
        except Exception as exc:
            log.exception("unexpected error in the %s handler", getattr(fn, "__name__", "?"))
            raise refusal(UNEXPECTED) from exc

    run.__dict__["guarded"] = True
    return run


def guard_handlers(blocks: gr.Blocks) -> None:
    """Wrap every plain (synchronous, non-generator) event handler of ``blocks``."""
    for block_fn in blocks.fns.values():
        fn = block_fn.fn
        if (fn is None or getattr(fn, "guarded", False) or inspect.iscoroutinefunction(fn)
                or inspect.isgeneratorfunction(fn) or inspect.isasyncgenfunction(fn)):
            continue
        block_fn.fn = guarded(fn)
