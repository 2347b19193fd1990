"""`coach users`: create accounts, reset passwords, list them."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from coach.cli._acting import BadInput, writing_problem
from coach.settings import Settings
from coach.store.accounts import ROLES, validate_role
from coach.text import counted


class _UsersError(Exception):
    """A problem to report on one line with exit status 1."""


class _NoSuchAccount(_UsersError):
    """A refusal: exit status 2."""


def _add_users(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("users", help="create and manage sign-in accounts")
    actions = p.add_subparsers(dest="users_action", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="create an account")
    add.add_argument("name", help="username: 3-32 of a-z 0-9 . _ - @ (case-insensitive)")
    add.add_argument("--role", required=True, choices=list(ROLES), type=_role,
                     help="the account's role (in any case)")
    add.add_argument("--display-name", help="name shown in the app (default: the username)")
    passwd = actions.add_parser("passwd", help="set a new password for an account")
    passwd.add_argument("name")
    for action in (add, passwd):
        action.add_argument("--password-stdin", action="store_true",
                            help="read the password from the first line of standard input")
    actions.add_parser("list", help="list the accounts")
    export = actions.add_parser(
        "export", help="write everything held about a person as one JSON document")
    export.add_argument("name")
    export.add_argument("--output", "-o", help="file to write (default: standard output)")
    delete = actions.add_parser(
        "delete", help="delete an account with its sessions, replies and sign-ins")
    delete.add_argument("name")
    delete.add_argument("--purge", action="store_true",
                        help="confirm: erase the person's data for good (UK GDPR erasure)")
    imp = actions.add_parser("import", help="create accounts from a CSV file with the columns "
                                            "username,display_name,role,team")
    imp.add_argument("file", type=Path, metavar="FILE.csv")
    p.set_defaults(handler=_run_users)


def _role(text: str) -> str:
    try:
        return validate_role(text)
    except ValueError:
        return text  # argparse then says which roles there are


def _read_new_password(args: argparse.Namespace, username: str) -> str:
    from coach.store.accounts import validate_password

    if args.password_stdin:
        line = sys.stdin.readline()
        if not line:
            raise _UsersError("No password on standard input.")
        return line.rstrip("\r\n")  # only the line ending: spaces may be part of it
    if not sys.stdin.isatty():
        raise _UsersError("No terminal to ask for the password on: use --password-stdin.")
    import getpass

    try:
        first = getpass.getpass(f"New password for {username}: ")
        validate_password(first, username)  # say what is wrong before asking twice
        if getpass.getpass("Type it again: ") != first:
            raise _UsersError("The two passwords do not match; nothing was changed.")
    except EOFError as exc:
        raise _UsersError("Cancelled; nothing was changed.") from exc
    return first


def _run_users(args: argparse.Namespace, settings: Settings) -> int:
    from coach.store import Store, StoreError, accounts

    if args.users_action == "import":
        from coach.cli.people import run_import

        return run_import(args, settings)
    try:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        with Store(settings.database_url) as store:
            if args.users_action == "list":
                users = store.list_users()
                if not users:
                    print("No accounts yet. Create the first with: "
                          "coach users add NAME --role supervisor")
                width = max((len(u.username) for u in users), default=0)
                for u in users:
                    print(f"{u.username:<{width}}  {u.role:<10}  {u.created_at:%Y-%m-%d}  "
                          f"{u.display_name}")
                return 0
            if args.users_action in ("export", "delete"):
                return _personal_data(args, store)
            name = accounts.validate_username(args.name)
            if args.users_action == "add":
                # Check everything but the password before asking for it.
                accounts.validate_display_name(args.display_name, args.name)
                if store.get_user_by_name(name) is not None:
                    raise _UsersError(f"The username '{name}' is already taken.")
                user = store.add_user(name, _read_new_password(args, name), args.role,
                                      args.display_name or args.name.strip())
                print(f"Created {user.role} account '{user.username}' ({user.display_name}).")
            else:
                if store.get_user_by_name(name) is None:
                    raise _NoSuchAccount(f"There is no account called '{name}'.")
                store.set_password(name, _read_new_password(args, name))
                print(f"Password changed for '{name}'.")
    except BrokenPipeError:
        raise  # the entry point ends quietly when the reader has gone
    except (_UsersError, BadInput, accounts.AccountError, StoreError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2 if isinstance(exc, (_NoSuchAccount, BadInput)) else 1
    return 0


def _personal_data(args: argparse.Namespace, store: object) -> int:
    import json

    from coach.store import export_user, purge_user

    if args.users_action == "export":
        document = json.dumps(export_user(store, args.name), indent=2, ensure_ascii=False)  # type: ignore[arg-type]
        if args.output:
            target = Path(args.output)
            try:
                target.write_text(document + "\n", encoding="utf-8")
            except OSError as exc:
                raise writing_problem(target, exc) from None
            print(f"Wrote everything held about '{args.name.strip().lower()}' to {args.output}.")
        else:
            print(document)
        return 0
    if not args.purge:
        raise _UsersError("Deleting erases the person's sessions and replies for good: "
                          "add --purge to confirm (export them first with 'coach users export').")
    # purge_user counts rows per table, erased and kept together; what is kept is worked
    # out from the person's export first, so the summary can say which is which.
    kept = _kept_on_deletion(export_user(store, args.name))  # type: ignore[arg-type]
    counts = purge_user(store, args.name)  # type: ignore[arg-type]
    print(deletion_summary(args.name.strip().lower(), counts, kept))
    return 0


# What each table's rows are, in the order a summary lists them (singular, plural).
_ERASED = {
    "practice_sessions": ("practice session", "practice sessions"),
    "turns": ("turn", "turns"),
    "outcome_statements": ("outcome statement", "outcome statements"),
    "overrides": ("override on their sessions", "overrides on their sessions"),
    "comments": ("comment on their sessions", "comments on their sessions"),
    "supervision_notes": ("supervision note on their sessions",
                          "supervision notes on their sessions"),
    "exercise_replies": ("team exercise answer", "team exercise answers"),
    "team_members": ("team place", "team places"),
    "assignment_assignees": ("assignment given to them", "assignments given to them"),
    "sign_in_sessions": ("sign-in", "sign-ins"),
    "sign_in_attempts": ("recorded sign-in attempt", "recorded sign-in attempts"),
}
_KEPT = {
    "overrides": ("override", "overrides"),
    "comments": ("comment", "comments"),
    "supervision_notes": ("supervision note", "supervision notes"),
    "assignments": ("assignment", "assignments"),
    "exercises": ("team exercise", "team exercises"),
}
_REDACTED = "exercise_moments_redacted"


def _kept_on_deletion(document: dict[str, Any]) -> Counter[str]:
    """Rows per table that deletion keeps (re-attributed to the deleted user): those a
    keeping holding names the person in and no erasing holding does, as purge_user
    erases first."""
    from coach.store import HOLDINGS, Holding

    account, held = document["account"], document["held"]
    parents: dict[str, set[Any]] = {}

    def names_them(holding: Holding, row: dict[str, Any]) -> bool:
        value = row.get(holding.column)
        if holding.by == "username":
            return bool(value == account["username"])
        if holding.by == "parent" and holding.parent is not None:
            parent = holding.parent
            if parent.table not in parents:
                parents[parent.table] = {p.get("id") for p in held.get(parent.table, [])
                                         if names_them(parent, p)}
            return value in parents[parent.table]
        return bool(value == account["id"])

    kept: Counter[str] = Counter()
    for table, rows in held.items():
        holdings = [h for h in HOLDINGS if h.table == table]
        for row in rows:
            if (any(h.keep and names_them(h, row) for h in holdings)
                    and not any(not h.keep and names_them(h, row) for h in holdings)):
                kept[table] += 1
    return kept


def _listed(counts: dict[str, int], nouns: dict[str, tuple[str, str]]) -> str:
    known = [counted(counts[t], *nouns[t]) for t in nouns if counts.get(t)]
    other = [counted(n, f"row of {t.replace('_', ' ')}", f"rows of {t.replace('_', ' ')}")
             for t, n in counts.items() if n and t not in nouns]
    return ", ".join(known + other)


def deletion_summary(username: str, counts: dict[str, int], kept: Counter[str]) -> str:
    """What ``coach users delete --purge`` did, in the README's terms: what was erased, and
    what stays for the people it concerns, shown as by "deleted user"."""
    erased = {t: n - kept[t] for t, n in counts.items() if t not in ("users", _REDACTED)}
    kept_counts = {t: min(kept[t], n) for t, n in counts.items() if t in kept}
    lines = [f"Deleted '{username}'."]
    listed = _listed(erased, _ERASED)
    lines.append(f"Erased: {listed}." if listed else "There was nothing else to erase.")
    listed = _listed(kept_counts, _KEPT)
    if listed:
        lines.append(f'Kept for the people they concern, shown as by "deleted user": {listed}.')
    if counts.get(_REDACTED):
        lines.append("Kept with their lines removed: "
                     f"{counted(counts[_REDACTED], 'team exercise')} made from their sessions.")
    return "\n".join(lines)


def register(sub: argparse._SubParsersAction) -> None:
    _add_users(sub)
