"""The sign-in desk: checks a password (throttled, logged, off the path of other people's
turns), opens and closes sign-ins, and says who a cookie belongs to."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from cachetools import TTLCache

from coach.auth import _cookie, _throttle
from coach.store import SignIns, Store, User, accounts, utcnow

# Who a cookie belongs to is remembered this long in each process: a sign-out elsewhere
# (another replica, an account deleted) takes effect here within this time.
USER_CACHE_S = 5.0


@dataclass(frozen=True)
class SignInResult:
    user: User | None = None
    cookie: str | None = None  # the value to set when signed in
    message: str = ""  # why not, for the person signing in
    retry_after_s: float = 0.0


class Busy(RuntimeError):
    """More sign-ins are waiting than the desk will queue."""


class SignInDesk:
    """One per process. Password checks run on a small pool of their own (``workers``
    threads, at most ``max_waiting`` queued), so a burst of sign-ins, or someone
    guessing passwords, uses at most that much CPU while everyone else's turns go on."""

    def __init__(self, store: Store, *, hours: float = 12.0, workers: int = 1,
                 max_waiting: int = 256, policy: _throttle.Policy | None = None) -> None:
        self.store = store
        self.sign_ins = SignIns(store)
        self.lifetime = timedelta(hours=hours)
        self.policy = policy or _throttle.Policy()
        self._secret = self.sign_ins.secret()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sign-in")
        self._slots = threading.BoundedSemaphore(workers + max_waiting)
        self._users: TTLCache[str, User] = TTLCache(maxsize=20_000, ttl=USER_CACHE_S)
        self._lock = threading.Lock()

    # --- signing in and out ----------------------------------------------------------

    def sign_in(self, username: str, password: str, client: str,
                now: datetime | None = None) -> SignInResult:
        """Check a password, blocking the calling thread (CLI and tests)."""
        name = accounts.normalise_username(username or "")[:64]
        if not name or not password:
            return SignInResult(message="Please enter your username and your password.")
        when = now or utcnow()
        verdict = _throttle.check(self.sign_ins, name, client, when, self.policy)
        if verdict.wait_s:
            self.sign_ins.record(name, client, "throttled")
            return SignInResult(message=_throttle.message(verdict), retry_after_s=verdict.wait_s)
        user = self.store.authenticate(name, password)
        self.sign_ins.record(name, client, "ok" if user else "wrong")
        if user is None:
            return SignInResult(message="That username and password do not match an account.")
        token = _cookie.new_token()
        self.sign_ins.open(_cookie.token_hash(token), user.id, when + self.lifetime, client)
        return SignInResult(user=user, cookie=_cookie.sign(self._secret, token))

    async def sign_in_async(self, username: str, password: str, client: str) -> SignInResult:
        """``sign_in`` on the desk's own threads; raises Busy when too many are queued."""
        if not self._slots.acquire(blocking=False):
            raise Busy("Many people are signing in at once; please try again in a few seconds.")
        try:
            future = self._pool.submit(self.sign_in, username, password, client)
            return await asyncio.wrap_future(future)
        finally:
            self._slots.release()

    def sign_out(self, cookie: str | None) -> None:
        token = _cookie.unsign(self._secret, cookie)
        if token is None:
            return
        digest = _cookie.token_hash(token)
        with self._lock:
            self._users.pop(digest, None)
        self.sign_ins.close(digest)

    def user_for(self, cookie: str | None) -> User | None:
        """The signed-in user a cookie belongs to, or None (no cookie, forged, expired,
        signed out, or the account is gone)."""
        token = _cookie.unsign(self._secret, cookie)
        if token is None:
            return None
        digest = _cookie.token_hash(token)
        with self._lock:
            user = self._users.get(digest)
        if user is None:
            user = self.sign_ins.user(digest)
            if user is not None:
                with self._lock:
                    self._users[digest] = user
        return user

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
