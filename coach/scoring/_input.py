"""Reading a file to score: its kind from the extension, refused when it is too big, not
text, or not what its extension says.

Every refusal is a ``ScoringError`` with a message for the person who gave the file:
what is wrong and what would work.
"""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path
from typing import Literal

MAX_BYTES = 10 * 1024 * 1024  # "files over 10 MB are refused"
Kind = Literal["replies", "transcript", "docx"]
KINDS: dict[str, Kind] = {".csv": "replies", ".txt": "transcript", ".md": "transcript",
                          ".docx": "docx"}


class ScoringError(ValueError):
    """Nothing in the file could be scored; the message says why, in plain words."""


def file_kind(name: str | Path) -> Kind:
    suffix = Path(name).suffix.lower()
    if suffix not in KINDS:
        shown = f"'{suffix}'" if suffix else "no extension"
        raise ScoringError(
            f"{Path(name).name}: cannot score a file with {shown}; use a .csv of replies, "
            "a .txt or .md transcript, or a .docx transcript"
        )
    return KINDS[suffix]


def check_size(path: Path) -> int:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ScoringError(f"{path.name}: cannot read the file ({exc.strerror})") from exc
    if size > MAX_BYTES:
        raise ScoringError(
            f"{path.name} is {size:,} bytes; files over 10 MB ({MAX_BYTES:,} bytes) are "
            "refused. Split it into smaller files."
        )
    if size == 0:
        raise ScoringError(f"{path.name} is empty: there is nothing to score")
    return size


def read_text(path: Path) -> str:
    """The file as UTF-8 text (a byte-order mark is allowed); binary data is refused."""
    check_size(path)
    data = path.read_bytes()
    if b"\x00" in data:
        raise ScoringError(
            f"{path.name} holds binary data, not text; save it as UTF-8 text "
            "(a .csv or .txt) or give the .docx itself"
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ScoringError(
            f"{path.name} is not UTF-8 text (byte {exc.start + 1} cannot be read); "
            "save it as UTF-8 and try again"
        ) from None
    if not text.strip():
        raise ScoringError(f"{path.name} is empty: there is nothing to score")
    return text


def _sentence_case(message: str) -> str:
    """A library's message to follow our words: "Bad CRC-32 …" reads "bad CRC-32 …", but
    a name such as "AttValue" keeps its capitals."""
    first = message.split(" ", 1)[0]
    return message[:1].lower() + message[1:] if first[1:].islower() else message


def _damage(exc: Exception) -> str:
    """What is wrong with a .docx that could not be opened, in words a person can use."""
    if isinstance(exc, SyntaxError):  # lxml's XMLSyntaxError, for a part cut short
        return f"the text inside it is damaged: {_sentence_case(str(exc.msg))}"
    if isinstance(exc, zipfile.BadZipFile | zlib.error | EOFError | NotImplementedError):
        return f"the archive is damaged: {_sentence_case(str(exc))}"
    if isinstance(exc, KeyError) and exc.args:
        # KeyError's own str() wraps the message in quotes.
        return _sentence_case(str(exc.args[0]))
    if isinstance(exc, AttributeError | TypeError | IndexError):
        # python-docx found XML, but not the parts Word writes; its own message names
        # library internals that mean nothing to the person who gave the file.
        return "its parts are not laid out as Word writes them"
    return _sentence_case(str(exc)) or type(exc).__name__


def read_docx_lines(path: Path) -> list[str]:
    """The paragraphs of a Word document, one per line (tables' cells too, row by row)."""
    check_size(path)
    if not zipfile.is_zipfile(path):
        raise ScoringError(
            f"{path.name} is not a Word document (.docx files are zip archives); "
            "save it from Word as .docx, or as plain text (.txt)"
        )
    import docx  # python-docx; imported here so the rest of the app starts without it

    try:
        document = docx.Document(str(path))
        # python-docx parses lazily, so a damaged part may only fail when it is read.
        paragraphs = [p.text for p in document.paragraphs]
        rows = [[c.text.strip() for c in row.cells]
                for table in document.tables for row in table.rows]
    except Exception as exc:
        # python-docx promises no particular exception for a damaged package: a valid
        # zip can fail in the zip reader, zlib, lxml or python-docx itself (the types
        # seen include KeyError, AttributeError, XMLSyntaxError, zlib.error and
        # NotImplementedError), and every one of them means the same to the person.
        raise ScoringError(
            f"{path.name} could not be read as a Word document ({_damage(exc)}); open it "
            "in Word and save it again as .docx, or save it as plain text (.txt)"
        ) from None
    lines = paragraphs
    for cells in rows:
        # A two-column table of speaker and words reads as "Speaker: words".
        if len(cells) == 2 and cells[0] and not cells[0].endswith(":"):
            lines.append(f"{cells[0]}: {cells[1]}")
        else:
            lines.append(" ".join(cells))
    return lines
