"""How long to make someone wait after failed sign-ins: a few free tries, then a wait
that doubles with every further failure, per account and per client address.

Counted from the sign-in log in the database, so every app process applies the same
limits and a restart forgets nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from coach.store import Failures, SignIns

# Failures in this window count; older ones are forgiven.
WINDOW = timedelta(hours=1)
MAX_WAIT_S = 15 * 60


@dataclass(frozen=True)
class Policy:
    """``free`` failures without a wait; each one after that doubles it: 1 s, 2 s, 4 s …
    up to MAX_WAIT_S."""

    account_free: int = 5
    # An address is shared by a classroom behind one router: give it more room.
    client_free: int = 20

    @staticmethod
    def wait_s(failures: int, free: int) -> float:
        over = failures - free
        return 0.0 if over <= 0 else float(min(MAX_WAIT_S, 2 ** (over - 1)))


@dataclass(frozen=True)
class Verdict:
    wait_s: float  # 0: go ahead
    reason: str = ""  # "account" or "client" when waiting


def _remaining(failures: Failures, free: int, now: datetime) -> float:
    if failures.last is None:
        return 0.0
    until = failures.last + timedelta(seconds=Policy.wait_s(failures.count, free))
    return max(0.0, (until - now).total_seconds())


def check(sign_ins: SignIns, username: str, client: str, now: datetime,
          policy: Policy = Policy()) -> Verdict:
    since = now - WINDOW
    account = _remaining(sign_ins.account_failures(username, since), policy.account_free, now)
    address = _remaining(sign_ins.client_failures(client, since), policy.client_free, now)
    if not account and not address:
        return Verdict(0.0)
    return Verdict(max(account, address), "account" if account >= address else "client")


def message(verdict: Verdict) -> str:
    seconds = max(1, round(verdict.wait_s + 0.49))
    wait = f"{seconds} seconds" if seconds < 120 else f"{round(seconds / 60)} minutes"
    who = "this account" if verdict.reason == "account" else "this computer"
    return (f"Too many sign-in attempts have failed for {who}. To keep accounts safe, please "
            f"wait {wait} and try again. If you have forgotten your password, ask your "
            "supervisor to reset it.")
