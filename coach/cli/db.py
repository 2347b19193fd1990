"""`coach db`: see which schema revision the database is at, and upgrade it.

The app and every command that opens the database upgrade it by themselves; these are for
doing it on purpose (before starting several replicas, say) and for looking first.
"""

from __future__ import annotations

import argparse
import sys

from coach.settings import Settings


def _add_db(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("db", help="the database's schema: show its revision, upgrade it")
    actions = p.add_subparsers(dest="db_action", required=True, metavar="ACTION")
    actions.add_parser("current", help="show the schema revision, changing nothing")
    actions.add_parser("upgrade", help="create the database or upgrade it to the latest revision "
                                       "(an existing SQLite file is copied beside it first)")
    p.set_defaults(handler=_run_db)


def _current(settings: Settings) -> None:
    from coach.store import database_revision

    found = database_revision(settings.database_url)
    if not found.exists:
        print(f"{found.where}: no database yet; it is created at revision {found.head} "
              "when the app or a coach command first opens it.")
    elif found.revision is None:
        print(f"{found.where}: empty; the tables are created at revision {found.head} when the "
              "app or a coach command first opens it.")
    elif found.up_to_date:
        print(f"{found.where}: revision {found.revision} (the latest).")
    else:
        was = (f"written before schema migrations (counts as revision {found.revision})"
               if found.pre_alembic else f"revision {found.revision}")
        print(f"{found.where}: {was}; the latest is {found.head}. It is upgraded when the app "
              "or a coach command next opens it, or now with: coach db upgrade")


def _upgrade(settings: Settings) -> None:
    from coach.store import Store

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with Store(settings.database_url) as store:
        done = store.migration
        if not done.applied:
            print(f"{store.safe_url}: already at the latest revision, {done.after}.")
        elif done.created:
            print(f"{store.safe_url}: created at revision {done.after}.")
        else:
            print(f"{store.safe_url}: upgraded from revision {done.before} to {done.after} "
                  f"(ran {', '.join(done.applied)}).")
        if done.backup is not None:
            print(f"The database as it was before is kept in {done.backup}")


def _run_db(args: argparse.Namespace, settings: Settings) -> int:
    from coach.store import StoreError

    try:
        if args.db_action == "current":
            _current(settings)
        else:
            _upgrade(settings)
    except (StoreError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    _add_db(sub)
