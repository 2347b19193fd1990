"""Word files that are valid zip archives but damaged inside, as a crashed save or a bad
download leaves them: built from a real python-docx document, one part spoilt."""

from __future__ import annotations

import zipfile
from pathlib import Path

import docx

DAMAGE = {
    # word/document.xml cut off half way, as a save interrupted part way through leaves it
    "truncated": ("word/document.xml", lambda data: data[: len(data) // 2]),
    # [Content_Types].xml present but with none of the types python-docx looks for
    "bare-types": ("[Content_Types].xml", lambda data: b"<Types/>"),
    # well-formed XML that is not a Word body at all
    "not-a-body": ("word/document.xml", lambda data: b"<?xml version='1.0'?><notes/>"),
    # the main document part missing from the archive
    "no-document": ("word/document.xml", None),
    # a byte changed after the archive was written, so its checksum no longer matches
    "bad-checksum": ("word/document.xml", lambda data: data),
}


def damaged_docx(path: Path, how: str) -> Path:
    """A .docx at ``path`` whose transcript would be fine, spoilt as ``DAMAGE[how]``."""
    good = path.with_name("good-" + path.name)
    document = docx.Document()
    document.add_paragraph("Worker: What matters to you?")
    document.add_paragraph("Person: My garden.")
    document.save(str(good))
    part, spoil = DAMAGE[how]
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(path, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename != part:
                target.writestr(item, data)
            elif spoil is not None:
                # Stored, not deflated, so the words can be found and changed below.
                target.writestr(item.filename, spoil(data), zipfile.ZIP_STORED)
    good.unlink()
    if how == "bad-checksum":
        path.write_bytes(path.read_bytes().replace(b"What matters", b"What mattera"))
    return path
