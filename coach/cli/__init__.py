"""The ``coach`` command, one module per command group. Each module has a ``register``
that adds its subcommands with a ``handler``; settings are loaded here, once, and passed
down."""

from __future__ import annotations

import argparse
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
    args = build_parser().parse_args(argv)
    settings = load_settings()
    handler: Handler = args.handler
    try:
        return handler(args, settings)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
