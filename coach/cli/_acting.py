"""What the commands share: the services over the data directory, the acting user
(``--as NAME``), one JSON document on stdout, reading the files people name, counts in
words, and the exit statuses: 2 with a one-line reason on stderr for a refusal (the acting
user may not, or the thing does not exist) or for input the person can put right (a file
that cannot be read, a bad line), 1 for any other failure."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coach.settings import Settings

if TYPE_CHECKING:
    from coach.store import User
    from coach.supervision import SupervisionService

REFUSED, BAD_INPUT, FAILED = 2, 2, 1


class BadInput(ValueError):
    """Input the person can put right; the message says what is wrong and where."""


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
    except BrokenPipeError:
        raise  # the reader went away: the entry point ends quietly, as Unix tools do
    except NotAllowed as exc:
        print(f"refused: {_one_line(exc)}", file=sys.stderr)
        return REFUSED
    except BadInput as exc:
        print(f"error: {_one_line(exc)}", file=sys.stderr)
        return BAD_INPUT
    except (ServiceError, StoreError, AccountError, OSError, ValueError) as exc:
        print(f"error: {_one_line(exc)}", file=sys.stderr)
        return FAILED


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def reading_problem(path: Path, exc: OSError) -> BadInput:
    """Why ``path`` could not be read, in words rather than the OS's errno text."""
    if isinstance(exc, FileNotFoundError):
        return BadInput(f"No such file: {path}")
    if isinstance(exc, IsADirectoryError):
        return BadInput(f"{path} is a folder, not a file.")
    if isinstance(exc, PermissionError):
        return BadInput(f"You do not have permission to read {path}.")
    return BadInput(f"{path} could not be read ({exc.strerror or exc}).")


def writing_problem(path: Path, exc: OSError) -> BadInput:
    """Why ``path`` could not be written, in words rather than the OS's errno text."""
    if isinstance(exc, FileNotFoundError):
        return BadInput(f"The folder {path.parent} does not exist; create it first or "
                        "write somewhere else.")
    if isinstance(exc, NotADirectoryError):
        return BadInput(f"{path.parent} is not a folder, so {path.name} cannot go in it.")
    if isinstance(exc, IsADirectoryError):
        return BadInput(f"{path} is a folder; give the name of a file to write.")
    if isinstance(exc, PermissionError):
        return BadInput(f"You do not have permission to write {path}.")
    return BadInput(f"{path} could not be written ({exc.strerror or exc}).")


def check_text(path: Path) -> None:
    """Raise BadInput unless ``path`` is a readable file of UTF-8 text. Line by line, so a
    large file is checked without holding it, and the message can say where it goes wrong
    (a UTF-8 character never contains a newline byte, so no character is split)."""
    try:
        with path.open("rb") as stream:
            for number, raw in enumerate(stream, 1):
                try:
                    raw.decode("utf-8")
                except UnicodeDecodeError:
                    raise BadInput(
                        f"{path} is not UTF-8 text: line {number} has bytes that cannot be "
                        "read as UTF-8. Save it as UTF-8 text and try again.") from None
                if b"\x00" in raw:  # valid UTF-8, but no text file holds NUL
                    raise BadInput(
                        f"{path} is not UTF-8 text: line {number} holds binary data. "
                        "Save it as UTF-8 text and try again.")
    except OSError as exc:
        raise reading_problem(path, exc) from None


def read_text(path: Path) -> str:
    """The whole of a UTF-8 text file (a byte-order mark is allowed), or BadInput."""
    check_text(path)
    try:
        return path.read_text(encoding="utf-8-sig")
    except OSError as exc:  # gone or changed since the check
        raise reading_problem(path, exc) from None
