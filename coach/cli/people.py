"""``coach users import FILE.csv``: accounts in bulk, with a one-time password for each
new one. Bad rows are reported by line and skipped; the good ones land. A row naming an
account that already exists (before the import, or on an earlier line) makes no new one,
and is reported by line too so nobody waits for a password that was never issued."""

from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path

from coach.cli._acting import BadInput, guarded, read_text, services
from coach.settings import Settings
from coach.store.accounts import normalise_username
from coach.text import counted


def run_import(args: argparse.Namespace, settings: Settings) -> int:
    from coach.supervision import CONSOLE

    def run() -> int:
        text = read_text(args.file)
        if not text.strip():
            raise BadInput(f"{args.file} is empty: nothing was imported.")
        _check_quotes(args.file, text)
        done = services(settings).import_users(CONSOLE, text)  # checks the header first
        rows = _rows(text)
        if not rows:
            raise BadInput(f"{args.file} has only its header line: there are no rows to import.")
        for team in done.teams_created:
            print(f"Created team {team}.", file=sys.stderr)
        for name, password in done.created:
            print(f"{name}\t{password}")
        notes = _already_there(rows, done.created, done.joined, done.problems)
        for line, said in sorted([(line, f"{problem} (skipped)") for line, problem in done.problems]
                                 + notes):
            print(f"line {line}: {said}", file=sys.stderr)
        counts = [f"{counted(len(done.created), 'account')} created"]
        if notes:
            counts.append(counted(len(notes), "row naming an existing account",
                                 "rows naming existing accounts"))
        counts += [counted(len(done.joined), "team place"),
                   f"{counted(len(done.problems), 'row')} skipped"]
        summary = ", ".join(counts) + "."
        if done.created:
            summary += (" Hand each password over once; the person should change it when "
                        "they first sign in.")
        print(summary, file=sys.stderr)
        return 1 if done.problems else 0

    return guarded(run)


def _check_quotes(path: Path, text: str) -> None:
    """Refuse a file with a quote that is never closed: the CSV reader would take every
    line after it as one value, and report only a puzzling problem with the row."""
    reader = csv.reader(io.StringIO(text), strict=True)
    start = 1  # the line the row being read began on
    while True:
        try:
            next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if "unexpected end of data" in str(exc):
                raise BadInput(
                    f"{path}, line {start}: a quote (\") is opened but never closed, so the "
                    "lines after it cannot be read. Close it (a quote inside a quoted value "
                    "is written twice: \"\") and import again; nothing was imported."
                ) from None
            # Anything else the import reads leniently and judges row by row, as before.
        start = reader.line_num + 1


def _rows(text: str) -> list[tuple[int, str, str]]:
    """(line, username, team) of each row, read as the import reads them so the line
    numbers agree."""
    reader = csv.DictReader(io.StringIO(text))
    return [(reader.line_num, normalise_username(row.get("username") or ""),
             (row.get("team") or "").strip()) for row in reader]


def _already_there(rows: list[tuple[int, str, str]], created: tuple[tuple[str, str], ...],
                   joined: tuple[tuple[str, str], ...],
                   problems: tuple[tuple[int, str], ...]) -> list[tuple[int, str]]:
    """A note for each row that made no account because the username was taken: by an
    account from before, or by a row earlier in the file."""
    new = {name for name, _ in created}
    bad_lines = {line for line, _ in problems}
    first: dict[str, int] = {}
    notes = []
    for line, name, team in rows:
        if line in bad_lines:
            continue  # already reported with its problem
        placed = f"; put in team {team}" if team and (name, team) in joined else ""
        if name in first:
            notes.append((line, f"'{name}' is also on line {first[name]}, so no second "
                                f"account was made{placed}"))
            continue
        first[name] = line
        if name not in new:
            notes.append((line, f"'{name}' already has an account, so no new one was "
                                f"made{placed}"))
    return notes
