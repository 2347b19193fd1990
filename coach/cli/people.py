"""``coach users import FILE.csv``: accounts in bulk, with a one-time password for each
new one. Bad rows are reported by line and skipped; the good ones land."""

from __future__ import annotations

import argparse
import sys

from coach.cli._acting import guarded, services
from coach.settings import Settings


def run_import(args: argparse.Namespace, settings: Settings) -> int:
    from coach.supervision import CONSOLE

    def run() -> int:
        text = args.file.read_text(encoding="utf-8-sig")
        done = services(settings).import_users(CONSOLE, text)
        for name, password in done.created:
            print(f"{name}\t{password}")
        for team in done.teams_created:
            print(f"Created team {team}.", file=sys.stderr)
        for line, problem in done.problems:
            print(f"line {line}: {problem} (skipped)", file=sys.stderr)
        print(f"{len(done.created)} account(s) created, {len(done.joined)} team place(s), "
              f"{len(done.problems)} row(s) skipped. Hand each password over once; the person "
              "should change it when they first sign in.", file=sys.stderr)
        return 1 if done.problems else 0

    return guarded(run)

