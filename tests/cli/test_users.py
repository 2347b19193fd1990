"""``coach users``: importing accounts from a CSV file, exporting a person's data and
deleting them, as an administrator reads the output: per line, in plain words, with
counts that read correctly."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from coach.cli.users import deletion_summary
from tests.cli.conftest import Run
from tests.support.roleplay_fakes import RuleCoder

HEADER = "username,display_name,role,team\n"


@pytest.fixture(autouse=True)
def rule_coder(monkeypatch: pytest.MonkeyPatch) -> None:
    """Practice sessions here only give the supervisor something to comment on."""
    import coach.coding

    monkeypatch.setattr(coach.coding, "get_coder", lambda: RuleCoder())


def _add(coach: Run, name: str, role: str) -> None:
    assert coach("users", "add", name, "--role", role, "--password-stdin",
                 stdin=f"{name}-password-1\n")[0] == 0


def _accounts(coach: Run) -> list[str]:
    return [line.split()[0] for line in coach("users", "list")[1].splitlines()
            if not line.startswith("No accounts")]


def _csv(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "imp.csv"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


# --- import ------------------------------------------------------------------------------

def test_rows_for_existing_or_repeated_usernames_are_reported_by_line(
        coach: Run, tmp_path: Path) -> None:
    _add(coach, "ana", "trainee")
    path = _csv(tmp_path, HEADER + "ana,Ana,trainee,North\nben,Ben,trainee,North\n"
                                   "ben,Ben again,trainee,\n")
    code, out, err = coach("users", "import", str(path))
    assert code == 0
    assert [line.split("\t")[0] for line in out.splitlines()] == ["ben"]
    assert "line 2: 'ana' already has an account, so no new one was made; put in team North\n" in err
    assert "line 4: 'ben' is also on line 3, so no second account was made\n" in err
    assert err.endswith("1 account created, 2 rows naming existing accounts, 2 team places, "
                        "0 rows skipped. Hand each password over once; the person should "
                        "change it when they first sign in.\n")


def test_roles_are_read_in_any_case(coach: Run, tmp_path: Path) -> None:
    path = _csv(tmp_path, HEADER + "ana,Ana,TRAINEE,\nsue,Sue, Supervisor ,\n")
    code, _, err = coach("users", "import", str(path))
    assert code == 0 and "2 accounts created" in err
    listed = coach("users", "list")[1]
    assert "ana  trainee" in listed and "sue  supervisor" in listed


def test_a_quote_never_closed_is_named_and_nothing_is_imported(coach: Run, tmp_path: Path) -> None:
    path = _csv(tmp_path, HEADER + 'ana,Ana,trainee,\nben,"Ben Price,trainee,\ncat,Cat,trainee,\n')
    code, out, err = coach("users", "import", str(path))
    assert (code, out) == (2, "")
    assert err.startswith(f'error: {path}, line 3: a quote (") is opened but never closed')
    assert "Unknown role" not in err
    assert _accounts(coach) == []


@pytest.mark.parametrize("content", [b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
                                     "username,display_name,role,team\nsi\xf4n,Si\xf4n,trainee,\n"
                                     .encode("latin-1")])
def test_a_file_that_is_not_utf8_text_is_refused(coach: Run, tmp_path: Path, content: bytes) -> None:
    path = _csv(tmp_path, content)
    code, out, err = coach("users", "import", str(path))
    assert (code, out) == (2, "")
    assert err.startswith(f"error: {path} is not UTF-8 text: line ")
    assert _accounts(coach) == []


def test_a_file_with_only_its_header_says_there_were_no_rows(coach: Run, tmp_path: Path) -> None:
    path = _csv(tmp_path, HEADER)
    assert coach("users", "import", str(path)) == (
        2, "", f"error: {path} has only its header line: there are no rows to import.\n")


def test_an_empty_file_is_refused(coach: Run, tmp_path: Path) -> None:
    path = _csv(tmp_path, "")
    assert coach("users", "import", str(path)) == (2, "", f"error: {path} is empty: nothing was imported.\n")


def test_a_missing_file_is_named_in_plain_words(coach: Run, tmp_path: Path) -> None:
    path = tmp_path / "missing.csv"
    assert coach("users", "import", str(path)) == (2, "", f"error: No such file: {path}\n")


def test_bad_rows_are_still_skipped_by_line_and_the_rest_land(coach: Run, tmp_path: Path) -> None:
    path = _csv(tmp_path, HEADER + "ana,Ana,trainee,North\nno one,Bad Row,trainee,\n")
    code, out, err = coach("users", "import", str(path))
    assert code == 1 and out.startswith("ana\t")
    assert "\nline 3: Usernames may use only" in err and "digit. (skipped)\n" in err
    assert "1 account created, 1 team place, 1 row skipped." in err


def test_users_add_reads_the_role_in_any_case(coach: Run) -> None:
    code, out, _ = coach("users", "add", "ana", "--role", "Trainee", "--password-stdin",
                         stdin="ana-password-1\n")
    assert (code, out) == (0, "Created trainee account 'ana' (ana).\n")


# --- export and delete ----------------------------------------------------------------------

def test_export_to_a_folder_that_does_not_exist_says_so(coach: Run, tmp_path: Path) -> None:
    _add(coach, "ana", "trainee")
    target = tmp_path / "nodir" / "ana.json"
    assert coach("users", "export", "ana", "-o", str(target)) == (
        2, "", f"error: The folder {target.parent} does not exist; create it first or write "
               "somewhere else.\n")


def test_deleting_a_supervisor_says_what_was_erased_and_what_was_kept(
        coach: Run, tmp_path: Path) -> None:
    _add(coach, "lead1", "supervisor")
    _add(coach, "ana", "trainee")
    assert coach("teams", "add", "East", "--supervisor", "lead1")[0] == 0
    assert coach("teams", "join", "East", "ana")[0] == 0
    script = tmp_path / "lines.txt"
    script.write_text("How are things, Debs?\n", encoding="utf-8")
    code, out, err = coach("practice", "--user", "ana", "--persona", "debs", "--script",
                           str(script), "--json")
    assert code == 0, err
    session = json.loads(out)["session_id"]
    assert coach("comment", session, "1", "--text", "A good open question", "--as", "lead1")[0] == 0
    assert coach("note", session, "--well", "Warm start", "--as", "lead1")[0] == 0
    assert coach("assign", "East", "--persona", "debs", "--goal", "Practise reflections",
                 "--as", "lead1")[0] == 0

    assert coach("users", "delete", "lead1", "--purge") == (0, (
        "Deleted 'lead1'.\n"
        "Erased: 1 team place.\n"
        'Kept for the people they concern, shown as by "deleted user": 1 comment, '
        "1 supervision note, 1 assignment.\n"), "")
    # ana's session goes with her, with the review of it.
    code, out, _ = coach("users", "delete", "ana", "--purge")
    assert code == 0 and out.startswith(
        "Deleted 'ana'.\nErased: 1 practice session, 1 turn, 1 comment on their sessions, "
        "1 supervision note on their sessions, 1 team place, 1 assignment given to them")


def test_the_deletion_summary_reads_correctly_in_the_plural_and_with_nothing_to_erase() -> None:
    assert deletion_summary("sam", {"users": 1}, Counter()) == (
        "Deleted 'sam'.\nThere was nothing else to erase.")
    counts = {"comments": 3, "practice_sessions": 2, "turns": 9, "users": 1,
              "exercise_moments_redacted": 2, "some_new_table": 1}
    assert deletion_summary("sam", counts, Counter({"comments": 2})) == (
        "Deleted 'sam'.\n"
        "Erased: 2 practice sessions, 9 turns, 1 comment on their sessions, "
        "1 row of some new table.\n"
        'Kept for the people they concern, shown as by "deleted user": 2 comments.\n'
        "Kept with their lines removed: 2 team exercises made from their sessions.")
