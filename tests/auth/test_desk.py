"""Signing in: sessions in the database behind a signed cookie, throttling per account
and per address, the sign-in log, and password checks kept on a bounded pool."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest

from coach.auth import Busy, Policy, SignInDesk, _cookie
from coach.store import SignIns, Store, utcnow


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(f"sqlite:///{tmp_path / 'coach.db'}", password_rounds=4)
    s.add_user("alys", "alys-password-1", "trainee")
    s.add_user("bryn", "bryn-password-2", "trainee")
    return s


def test_a_sign_in_is_a_signed_cookie_that_any_process_on_the_database_accepts(
        store: Store, tmp_path: Path) -> None:
    desk = SignInDesk(store)
    result = desk.sign_in("Alys", "alys-password-1", "10.0.0.1")
    assert result.user is not None and result.user.username == "alys"
    # A second process (a restart, another replica) opens the same database afresh.
    other = SignInDesk(Store(f"sqlite:///{tmp_path / 'coach.db'}", password_rounds=4))
    assert other.user_for(result.cookie).username == "alys"  # type: ignore[union-attr]
    # The database holds the token's hash, never the cookie itself.
    token = result.cookie.split(".")[0]  # type: ignore[union-attr]
    assert SignIns(store).user(_cookie.token_hash(token)).username == "alys"  # type: ignore[union-attr]
    assert SignIns(store).user(token) is None


@pytest.mark.parametrize("mangle", [
    lambda c: None, lambda c: "", lambda c: c[:-1] + ("0" if c[-1] != "0" else "1"),
    lambda c: "x" + c, lambda c: c.split(".")[0], lambda c: c + ".x",
])
def test_forged_or_mangled_cookies_belong_to_nobody(store: Store, mangle) -> None:  # type: ignore[no-untyped-def]
    desk = SignInDesk(store)
    cookie = desk.sign_in("alys", "alys-password-1", "c").cookie
    assert desk.user_for(mangle(cookie)) is None


def test_sign_out_and_expiry_end_a_sign_in(store: Store) -> None:
    desk = SignInDesk(store, hours=1)
    cookie = desk.sign_in("alys", "alys-password-1", "c").cookie
    assert desk.user_for(cookie) is not None
    desk.sign_out(cookie)
    assert desk.user_for(cookie) is None
    old = desk.sign_in("alys", "alys-password-1", "c", now=utcnow() - timedelta(hours=2)).cookie
    assert desk.user_for(old) is None  # opened two hours ago for one hour
    assert SignIns(store).sweep() == 1


def test_wrong_passwords_and_unknown_accounts_get_the_same_answer(store: Store) -> None:
    desk = SignInDesk(store)
    wrong = desk.sign_in("alys", "not-her-password", "c")
    unknown = desk.sign_in("nobody", "not-her-password", "c")
    assert wrong.user is None and unknown.user is None
    assert wrong.message == unknown.message == "That username and password do not match an account."
    assert desk.sign_in("", "x", "c").message.startswith("Please enter")


def test_after_a_few_failures_an_account_waits_longer_each_time_even_with_the_right_password(
        store: Store) -> None:
    desk = SignInDesk(store)
    answers = [desk.sign_in("alys", f"guess-{n}", f"10.0.0.{n}") for n in range(60)]
    throttled = [a for a in answers if a.retry_after_s]
    assert len(throttled) >= 54  # 5 free tries, then the waits begin
    assert "Too many sign-in attempts have failed for this account" in throttled[0].message
    right = desk.sign_in("alys", "alys-password-1", "10.0.0.99")
    assert right.user is None and right.retry_after_s > 0
    # Another account from the same addresses is untouched.
    assert desk.sign_in("bryn", "bryn-password-2", "10.0.0.1").user is not None


def test_waits_double_and_are_capped() -> None:
    assert [Policy.wait_s(n, 5) for n in range(4, 10)] == [0, 0, 1, 2, 4, 8]
    assert Policy.wait_s(100, 5) == 15 * 60


def test_a_client_guessing_across_accounts_is_slowed_and_a_good_sign_in_does_not_reset_it(
        store: Store) -> None:
    desk = SignInDesk(store, policy=Policy(account_free=1000, client_free=3))
    for n in range(4):
        desk.sign_in(f"user{n}", "guess-password", "203.0.113.7")
    assert desk.sign_in("alys", "alys-password-1", "203.0.113.7").retry_after_s > 0
    assert "this computer" in desk.sign_in("bryn", "x-password", "203.0.113.7").message
    assert desk.sign_in("alys", "alys-password-1", "198.51.100.1").user is not None


def test_throttling_is_shared_through_the_database(store: Store, tmp_path: Path) -> None:
    one = SignInDesk(store)
    for n in range(8):
        one.sign_in("alys", f"guess-{n}", "c1")
    two = SignInDesk(Store(f"sqlite:///{tmp_path / 'coach.db'}", password_rounds=4))
    assert two.sign_in("alys", "alys-password-1", "c2").retry_after_s > 0


def test_a_wait_that_has_passed_lets_the_right_password_in(store: Store) -> None:
    desk = SignInDesk(store)
    for n in range(6):
        desk.sign_in("alys", f"guess-{n}", "c")
    later = utcnow() + timedelta(seconds=5)
    assert desk.sign_in("alys", "alys-password-1", "c", now=later).user is not None


def test_every_attempt_is_logged_without_the_password(store: Store) -> None:
    desk = SignInDesk(store)
    desk.sign_in("alys", "secret-guess-1", "10.1.1.1")
    desk.sign_in("alys", "alys-password-1", "10.1.1.1")
    log = SignIns(store).log("alys")
    assert [a.outcome for a in log] == ["ok", "wrong"]
    assert all(a.client == "10.1.1.1" for a in log)
    dump = repr(log) + "".join(str(r) for r in store.engine.connect().exec_driver_sql(
        "SELECT * FROM sign_in_attempts").all())
    assert "secret-guess-1" not in dump and "alys-password-1" not in dump


def test_password_checks_use_a_bounded_pool_and_refuse_beyond_its_queue(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    desk = SignInDesk(store, workers=1, max_waiting=2)
    running, peak, gate = [0], [0], threading.Event()
    real = store.authenticate

    def slow(name: str, password: str):  # type: ignore[no-untyped-def]
        running[0] += 1
        peak[0] = max(peak[0], running[0])
        gate.wait(5)
        running[0] -= 1
        return real(name, password)

    monkeypatch.setattr(store, "authenticate", slow)

    async def burst() -> list[object]:
        tasks = [asyncio.ensure_future(desk.sign_in_async("alys", "alys-password-1", f"c{n}"))
                 for n in range(5)]
        await asyncio.sleep(0.2)
        gate.set()
        return await asyncio.gather(*tasks, return_exceptions=True)

    started = time.perf_counter()
    results = asyncio.run(burst())
    assert time.perf_counter() - started < 5
    assert peak[0] == 1  # one bcrypt check at a time, whoever is asking
    assert sum(isinstance(r, Busy) for r in results) == 2
    assert sum(getattr(r, "user", None) is not None for r in results) == 3
