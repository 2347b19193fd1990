"""What the supervision commands share: the services over the data directory, the
acting user (``--as NAME``), one JSON document on stdout, and the exit statuses: 2 with a
one-line reason on stderr for a refusal (the acting user may not, or the thing does not
exist), 1 for any other failure."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from coach.settings import Settings

if TYPE_CHECKING:
    from coach.store import User
    from coach.supervision import SupervisionService

REFUSED, FAILED = 2, 1


def services(settings: Settings) -> SupervisionService:
    from coach.service import CoachService
    from coach.supervision import SupervisionService

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return SupervisionService(CoachService(settings))


def acting(sup: SupervisionService, args: argparse.Namespace) -> User:
    """The user named by ``--as`` (a refusal when there is no such account)."""
    return sup.user_named(args.acting)


def add_as(p: argparse.ArgumentParser, who: str = "USER") -> None:
    p.add_argument("--as", dest="acting", required=True, metavar=who,
                   help="the username the command acts as; what they may see and do applies")


def emit(document: Any) -> None:
    print(json.dumps(document, ensure_ascii=False, indent=2, default=str))


def guarded(run: Callable[[], int]) -> int:
    """Run a command, turning the service's refusals and failures into exit statuses."""
    from coach.service import NotAllowed, ServiceError
    from coach.store import StoreError
    from coach.store.accounts import AccountError

    try:
        return run()
    except NotAllowed as exc:
        print(f"refused: {_one_line(exc)}", file=sys.stderr)
        return REFUSED
    except (ServiceError, StoreError, AccountError, OSError, ValueError) as exc:
        print(f"error: {_one_line(exc)}", file=sys.stderr)
        return FAILED


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())
