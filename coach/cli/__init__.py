"""The ``coach`` command, one module per command group. Each module has a ``register``
that adds its subcommands with a ``handler``; settings are loaded here, once, and passed
down."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable

from coach.cli import (
    code,
    db,
    exercise,
    guidance,
    knowledge,
    moments,
    outcomes,
    review,
    roleplay,
    score,
    teams,
    users,
)
from coach.settings import Settings, load_settings

Handler = Callable[[argparse.Namespace, Settings], int]


# --- entry point -------------------------------------------------------------------------

_COMMANDS = (knowledge, users, roleplay, code, score, moments, db, teams, review, exercise,
             outcomes, guidance)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="coach", description="Outcomes Coach")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in _COMMANDS:
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        settings = load_settings()
        handler: Handler = args.handler
        status = handler(args, settings)
        # Output still buffered would otherwise meet a closed pipe at exit, out of reach.
        sys.stdout.flush()
        return status
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader (``| head``) has all it wanted: stop without a word, as Unix tools do.
        _discard_stdout()
        return 141  # 128 + SIGPIPE: what a shell reports for a tool its reader left


def _discard_stdout() -> None:
    """Point standard output at the null device, so Python's own flush at exit does not
    fail a second time on the closed pipe (as the ``signal`` module's documentation says)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (AttributeError, OSError, ValueError):
        pass  # standard output is no file descriptor (a test's capture): nothing to flush


if __name__ == "__main__":
    sys.exit(main())
