"""Reading a file to score: its kind from the extension, refused when it is too big, not
text, or not what its extension says.

Every refusal is a ``ScoringError`` with a message for the person who gave the file:
what is wrong and what would work.
"""

from __future__ import annotations

import zipfile
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


def read_docx_lines(path: Path) -> list[str]:
    """The paragraphs of a Word document, one per line (tables' cells too, row by row)."""
    check_size(path)
    if not zipfile.is_zipfile(path):
        raise ScoringError(
            f"{path.name} is not a Word document (.docx files are zip archives); "
            "save it from Word as .docx, or as plain text (.txt)"
        )
    import docx  # python-docx; imported here so the rest of the app starts without it
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise ScoringError(f"{path.name} could not be read as a Word document ({exc})") from None
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            cells = [c.text.strip() for c in row.cells]
            # A two-column table of speaker and words reads as "Speaker: words".
            if len(cells) == 2 and cells[0] and not cells[0].endswith(":"):
                lines.append(f"{cells[0]}: {cells[1]}")
            else:
                lines.append(" ".join(cells))
    return lines
