"""Account rules: what a username, display name, role and password may be, and bcrypt hashing.

Kept apart from the store so the rules can be checked (and explained to a person) before
anything touches the database, and so the CLI and the UI give the same messages.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Literal, get_args

import bcrypt

Role = Literal["trainee", "supervisor", "admin"]
ROLES: tuple[Role, ...] = get_args(Role)

USERNAME_MIN, USERNAME_MAX = 3, 32
DISPLAY_NAME_MAX = 100
PASSWORD_MIN_CHARS = 8
# bcrypt only ever reads the first 72 bytes; bcrypt 5 refuses longer input rather than
# silently ignoring the rest, so we say so up front instead of failing inside the hash.
PASSWORD_MAX_BYTES = 72
# 12 is bcrypt's own default; sign-in is rare enough that ~0.3-0.7 s per check is fine.
DEFAULT_ROUNDS = 12

_USERNAME_RE = re.compile(r"[a-z0-9][a-z0-9._@-]*")


class AccountError(ValueError):
    """An account detail that breaks a rule; the message is written for the person typing it."""


class InvalidUsername(AccountError):
    pass


class InvalidPassword(AccountError):
    pass


class InvalidRole(AccountError):
    pass


class InvalidDisplayName(AccountError):
    pass


def normalise_username(username: str) -> str:
    """The canonical (lower-case) form used for storage and look-up; usernames are
    case-insensitive so 'Debs.Worker' and 'debs.worker' are the same account."""
    return username.strip().lower()


def validate_username(username: str) -> str:
    """Return the canonical username or raise InvalidUsername saying what is wrong."""
    name = normalise_username(username)
    if not name:
        raise InvalidUsername("Please enter a username.")
    if not USERNAME_MIN <= len(name) <= USERNAME_MAX:
        raise InvalidUsername(
            f"Usernames must be {USERNAME_MIN} to {USERNAME_MAX} characters long "
            f"('{name}' has {len(name)})."
        )
    if not _USERNAME_RE.fullmatch(name):
        raise InvalidUsername(
            "Usernames may use only letters a-z, digits and the characters . _ - @, "
            "and must start with a letter or a digit."
        )
    return name


def validate_role(role: str) -> Role:
    """The role, in lower case: a spreadsheet's 'Trainee' or 'TRAINEE' means 'trainee'."""
    name = role.strip().lower()
    if not name:
        raise InvalidRole(f"Please give a role: one of {', '.join(ROLES)}.")
    if name not in ROLES:
        raise InvalidRole(f"Unknown role '{role.strip()}': choose one of {', '.join(ROLES)}.")
    return name


def validate_display_name(display_name: str | None, username: str) -> str:
    """A display name to show in the UI; defaults to the username as typed."""
    name = (display_name if display_name is not None else username).strip()
    if not name:
        raise InvalidDisplayName("The display name cannot be blank.")
    if len(name) > DISPLAY_NAME_MAX:
        raise InvalidDisplayName(
            f"Display names can be at most {DISPLAY_NAME_MAX} characters (this one has {len(name)})."
        )
    if any(unicodedata.category(ch) == "Cc" for ch in name):
        raise InvalidDisplayName("The display name cannot contain control characters.")
    return name


def validate_password(password: str, username: str | None = None) -> None:
    """Raise InvalidPassword with a message a trainee can act on; return None when fine."""
    if len(password) < PASSWORD_MIN_CHARS:
        raise InvalidPassword(
            f"Passwords must be at least {PASSWORD_MIN_CHARS} characters long "
            f"(this one has {len(password)})."
        )
    if len(password.encode("utf-8")) > PASSWORD_MAX_BYTES:
        raise InvalidPassword(
            f"Passwords can be at most {PASSWORD_MAX_BYTES} bytes long "
            "(72 plain letters, fewer with accented letters or symbols)."
        )
    if "\x00" in password:
        raise InvalidPassword("Passwords cannot contain a NUL character.")
    if not password.strip():
        raise InvalidPassword("A password cannot be made only of spaces.")
    if username is not None and password.strip().lower() == normalise_username(username):
        raise InvalidPassword("The password cannot be the same as the username.")


def hash_password(password: str, rounds: int = DEFAULT_ROUNDS) -> str:
    """A bcrypt hash (``$2b$...``) of a password that has passed validate_password."""
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds)).decode("ascii")


def verify_password(password: str, password_hash: str) -> bool:
    """True when the password matches; False for a wrong password or a damaged hash."""
    data = password.encode("utf-8")
    if len(data) > PASSWORD_MAX_BYTES:
        # No stored password can be this long, but still spend the time of one check so
        # the answer does not come back measurably faster.
        verify_password("x" * PASSWORD_MIN_CHARS, password_hash)
        return False
    try:
        return bcrypt.checkpw(data, password_hash.encode("ascii"))
    except ValueError:  # not a bcrypt hash at all
        return False


@functools.cache
def _dummy_hash(rounds: int) -> str:
    return hash_password("not-a-real-password", rounds)


def burn_check(rounds: int = DEFAULT_ROUNDS) -> None:
    """Spend about as long as one real password check. Called when the username is
    unknown so that a wrong username and a wrong password take the same time, and an
    attacker cannot learn which usernames exist by timing the sign-in."""
    verify_password("still-not-the-password", _dummy_hash(rounds))
