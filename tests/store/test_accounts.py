"""Account rules, password hashing and the ``coach users`` command (run as a real process)."""

from __future__ import annotations

import contextlib
import io
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import bcrypt
import pytest

from coach import cli
from coach.store import Store, accounts

PROJECT_ROOT = Path(__file__).resolve().parents[2]


# --- rules and hashing -------------------------------------------------------------------

@pytest.mark.parametrize("raw", ["Alice", " alice ", "ALICE"])
def test_usernames_are_canonically_lower_case(raw: str) -> None:
    assert accounts.validate_username(raw) == "alice"


@pytest.mark.parametrize(
    ("raw", "message"),
    [("", "enter a username"), ("ab", "3 to 32"), ("a" * 33, "3 to 32"),
     ("al ice", "letters a-z"), ("-alice", "start with"), ("alicé", "letters a-z")],
)
def test_bad_usernames_say_why(raw: str, message: str) -> None:
    with pytest.raises(accounts.InvalidUsername, match=message):
        accounts.validate_username(raw)


def test_password_length_is_counted_the_way_bcrypt_counts() -> None:
    accounts.validate_password("12345678")
    accounts.validate_password("a" * 72)
    accounts.validate_password("é" * 36)  # 72 bytes in UTF-8
    with pytest.raises(accounts.InvalidPassword, match="at least 8 characters .*has 7"):
        accounts.validate_password("1234567")
    with pytest.raises(accounts.InvalidPassword, match="at most 72 bytes"):
        accounts.validate_password("é" * 37)


def test_display_names() -> None:
    assert accounts.validate_display_name(None, "Alice") == "Alice"
    assert accounts.validate_display_name("  Alice Wynne ", "alice") == "Alice Wynne"
    for bad, message in [("   ", "blank"), ("x" * 101, "at most 100"), ("Al\nice", "control")]:
        with pytest.raises(accounts.InvalidDisplayName, match=message):
            accounts.validate_display_name(bad, "alice")


def test_hash_and_verify() -> None:
    digest = accounts.hash_password("correct horse", rounds=4)
    assert digest.startswith("$2b$04$") and "correct horse" not in digest
    assert digest != accounts.hash_password("correct horse", rounds=4)  # salted
    assert accounts.verify_password("correct horse", digest)
    assert not accounts.verify_password("correct hors", digest)
    assert not accounts.verify_password("correct horse", "not a bcrypt hash")
    assert not accounts.verify_password("x" * 200, digest)


# --- the command, as a real process ------------------------------------------------------

def coach_users(data_dir: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    # The caller's COACH_* settings (a real database URL, say) must not leak into the test.
    env = {k: v for k, v in os.environ.items() if not k.startswith("COACH_")}
    env.update(COACH_DATA_DIR=str(data_dir), PYTHONPATH=str(PROJECT_ROOT))
    return subprocess.run(
        [sys.executable, "-m", "coach.cli", "users", *args],
        input=stdin, capture_output=True, text=True, env=env, cwd=PROJECT_ROOT, timeout=60,
    )


def stored_hash(data_dir: Path, username: str) -> str:
    with contextlib.closing(sqlite3.connect(data_dir / "coach.db")) as db:
        row = db.execute("SELECT password_hash FROM users WHERE username = ?", (username,)).fetchone()
    return str(row[0])


def test_cli_add_and_passwd_as_a_real_process(tmp_path: Path) -> None:
    data_dir = tmp_path / "not" / "there" / "yet"  # created on first use

    short = coach_users(data_dir, "add", "alice", "--role", "trainee", "--password-stdin",
                        stdin="short\n")
    assert short.returncode == 1
    assert short.stderr.strip() == "error: Passwords must be at least 8 characters long (this one has 5)."

    done = coach_users(data_dir, "add", "Alice", "--role", "supervisor",
                       "--display-name", "Alice Wynne", "--password-stdin", stdin="correct horse\n")
    assert done.returncode == 0, done.stderr
    assert "Created supervisor account 'alice' (Alice Wynne)" in done.stdout
    first = stored_hash(data_dir, "alice")
    assert first.startswith("$2b$12$") and "correct horse" not in first  # full cost outside tests

    changed = coach_users(data_dir, "passwd", "alice", "--password-stdin", stdin="battery staple\n")
    assert changed.returncode == 0, changed.stderr
    second = stored_hash(data_dir, "alice")
    assert second != first and bcrypt.checkpw(b"battery staple", second.encode())
    with contextlib.closing(sqlite3.connect(data_dir / "coach.db")) as db:
        assert db.execute("SELECT count(*) FROM users").fetchone() == (1,)  # 'short' made none


# --- the prompting path, in process (getpass needs a terminal) ---------------------------

@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """In-process runs hash at bcrypt's lowest cost; the subprocess test keeps the real one."""
    monkeypatch.setattr(accounts, "DEFAULT_ROUNDS", 4)


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[str]:
    """Pretend stdin is a terminal; getpass returns the queued answers in order."""
    answers: list[str] = []
    monkeypatch.setenv("COACH_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("COACH_DATABASE_URL", raising=False)
    monkeypatch.setattr(sys, "stdin", type("Tty", (io.StringIO,), {"isatty": lambda self: True})())
    monkeypatch.setattr("getpass.getpass", lambda prompt="": answers.pop(0))
    return answers


def test_cli_prompts_twice_and_checks_they_match(
    terminal: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    terminal.extend(["correct horse", "correct hose"])
    assert cli.main(["users", "add", "alice", "--role", "trainee"]) == 1
    assert "do not match" in capsys.readouterr().err

    terminal.extend(["short"])  # refused before being asked a second time
    assert cli.main(["users", "add", "alice", "--role", "trainee"]) == 1
    assert "at least 8 characters" in capsys.readouterr().err and terminal == []

    terminal.extend(["correct horse", "correct horse"])
    assert cli.main(["users", "add", "Alice", "--role", "trainee", "--display-name", "Alice W"]) == 0
    assert "Created trainee account 'alice' (Alice W)" in capsys.readouterr().out
    with Store(f"sqlite:///{tmp_path / 'coach.db'}") as store:
        assert store.authenticate("alice", "correct horse") is not None

    assert cli.main(["users", "list"]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    assert line.split()[:2] == ["alice", "trainee"] and line.endswith("  Alice W")


def test_cli_without_a_terminal_asks_for_password_stdin(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COACH_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("COACH_DATABASE_URL", raising=False)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert cli.main(["users", "add", "alice", "--role", "trainee"]) == 1
    assert "use --password-stdin" in capsys.readouterr().err
    assert cli.main(["users", "add", "alice", "--role", "trainee", "--password-stdin"]) == 1
    assert "No password on standard input" in capsys.readouterr().err


def test_cli_refuses_a_taken_name_and_an_unknown_account(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COACH_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("COACH_DATABASE_URL", raising=False)
    with Store(f"sqlite:///{tmp_path / 'coach.db'}", password_rounds=4) as store:
        store.add_user("alice", "correct horse", "trainee")
    monkeypatch.setattr(sys, "stdin", io.StringIO("another one\n"))
    assert cli.main(["users", "add", "ALICE", "--role", "supervisor", "--password-stdin"]) == 1
    assert capsys.readouterr().err == "error: The username 'alice' is already taken.\n"
    monkeypatch.setattr(sys, "stdin", io.StringIO("battery staple\n"))
    assert cli.main(["users", "passwd", "dai", "--password-stdin"]) == 2  # a refusal
    assert capsys.readouterr().err == "error: There is no account called 'dai'.\n"
    assert cli.main(["users", "add", "x y", "--role", "trainee", "--password-stdin"]) == 1
    assert "letters a-z" in capsys.readouterr().err
