"""`coach users`: create accounts, reset passwords, list them."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from coach.settings import Settings
from coach.store.accounts import ROLES


class _UsersError(Exception):
    """A problem to report on one line with exit status 1."""


class _NoSuchAccount(_UsersError):
    """A refusal: exit status 2."""


def _add_users(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("users", help="create and manage sign-in accounts")
    actions = p.add_subparsers(dest="users_action", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="create an account")
    add.add_argument("name", help="username: 3-32 of a-z 0-9 . _ - @ (case-insensitive)")
    add.add_argument("--role", required=True, choices=list(ROLES))
    add.add_argument("--display-name", help="name shown in the app (default: the username)")
    passwd = actions.add_parser("passwd", help="set a new password for an account")
    passwd.add_argument("name")
    for action in (add, passwd):
        action.add_argument("--password-stdin", action="store_true",
                            help="read the password from the first line of standard input")
    actions.add_parser("list", help="list the accounts")
    imp = actions.add_parser("import", help="create accounts from a CSV file with the columns "
                                            "username,display_name,role,team")
    imp.add_argument("file", type=Path, metavar="FILE.csv")
    p.set_defaults(handler=_run_users)


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
    except (_UsersError, accounts.AccountError, StoreError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2 if isinstance(exc, _NoSuchAccount) else 1
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    _add_users(sub)
