from pathlib import Path

import pytest

from coach.retrieval._sources import (
    SourceError,
    chunk_source,
    count_tokens,
    list_source_files,
    read_source,
)
from coach.settings import DEFAULT_KNOWLEDGE_DIR

SOURCES = DEFAULT_KNOWLEDGE_DIR / "sources"
GOOD = """---
title: "A page"
publisher: "Someone"
origin: "Somewhere"
kind: guidance
---

## First

Para one.
"""


def test_every_shipped_source_validates_with_provenance() -> None:
    files = list_source_files(SOURCES)
    assert len(files) >= 10
    kinds = {}
    for path in files:
        source = read_source(path)
        assert source.meta.title and source.meta.publisher and source.meta.origin
        assert source.meta.seed, f"{path.name} does not name its seed document"
        kinds[path.name] = (source.meta.kind, source.meta.style)
    assert kinds["transcript-debs-visit-1-paperwork.md"] == ("transcript", "paperwork")
    assert kinds["transcript-debs-visit-2-outcomes.md"] == ("transcript", "outcomes")
    assert sum(k == "guidance" for k, _ in kinds.values()) >= 5


def test_shipped_sources_carry_no_web_chrome_or_timestamps() -> None:
    for path in list_source_files(SOURCES):
        body = read_source(path).body
        for chrome in ("Download audio file", "Share Button", "View transcript", "Skip to main content"):
            assert chrome not in body, f"{path.name} still has {chrome!r}"
        assert not any(line.strip()[:5].count(":") == 1 and line.strip()[:2].isdigit()
                       and len(line.strip()) == 5 for line in body.splitlines()), path.name


def test_every_transcript_turn_names_its_speaker() -> None:
    for path in list_source_files(SOURCES):
        source = read_source(path)
        if source.meta.kind != "transcript":
            continue
        paragraphs = [p.strip() for p in source.body.split("\n\n") if p.strip()]
        turns = [p for p in paragraphs if not (p.startswith("*") and not p.startswith("**"))]
        assert turns and all(p.startswith("**") and ":**" in p for p in turns), path.name


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "empty"),
        (b"---\ntitle: [unclosed\n---\nbody", "not valid YAML"),
        (b"no front matter here", "no front matter"),
        (b'---\ntitle: "x"\npublisher: "y"\nkind: guidance\n---\nbody', "origin"),
        (b'---\ntitle: "x"\npublisher: "y"\norigin: "z"\nkind: transcript\n---\nbody', "speakers"),
        (b'---\ntitle: "x"\npublisher: "y"\norigin: "z"\nkind: guidance\ncolour: red\n---\nbody', "colour"),
        ("---\ntitle: caf\xe9\n---\n".encode("latin-1"), "not UTF-8"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
    ],
)
def test_bad_sources_are_named_with_their_problem(tmp_path: Path, content: bytes, problem: str) -> None:
    path = tmp_path / "bad.md"
    path.write_bytes(content)
    with pytest.raises(SourceError) as info:
        read_source(path)
    assert "bad.md" in str(info.value)
    assert problem in str(info.value)


def test_transcript_chunks_start_on_a_turn_and_stay_within_budget() -> None:
    source = read_source(SOURCES / "transcript-debs-visit-1-paperwork.md")
    chunks = chunk_source(source, max_tokens=120, overlap_tokens=20)
    assert len(chunks) > 5
    for chunk in chunks:
        assert chunk.text.startswith("**") or chunk.text.startswith("*From"), chunk.text[:60]
        assert count_tokens(chunk.text) <= 120 + 10  # joining newlines may add a token or two
        assert set(chunk.speakers) <= {"Dawn (worker)", "Debs"}
    # Every turn of the transcript is in exactly one chunk: turns are never repeated.
    turns = [p for p in source.body.split("\n\n") if p.startswith("**")]
    joined = "\n\n".join(c.text for c in chunks)
    assert sum(joined.count(t) for t in turns[:20]) == 20


def test_guidance_chunks_keep_their_section(tmp_path: Path) -> None:
    path = tmp_path / "g.md"
    path.write_text(GOOD + "\n## Second\n\n" + "A sentence about outcomes. " * 200, encoding="utf-8")
    chunks = chunk_source(read_source(path), max_tokens=100, overlap_tokens=20)
    assert chunks[0].section == "First" and chunks[0].text == "Para one."
    assert {c.section for c in chunks[1:]} == {"Second"}
    assert all(c.tokens <= 100 for c in chunks)
