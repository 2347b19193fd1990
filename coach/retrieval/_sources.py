"""The knowledge corpus on disk: Markdown sources with validated front matter, cut into
token-bounded chunks that keep their section, speakers and style for citation.

Guidance is chunked within ``##`` sections, by paragraph; transcripts are chunked on
turn boundaries (``**Speaker:** …`` paragraphs) so a passage never starts mid-turn.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from coach.text import split_sentences

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*\r?\n", re.DOTALL)
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_TURN = re.compile(r"^\*\*(?P<speaker>[^*]{1,80}?):\*\*\s*")


class SourceMeta(BaseModel):
    """Front matter every source file must carry."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = Field(min_length=1)
    publisher: str = Field(min_length=1)
    origin: str = Field(min_length=1)
    kind: Literal["guidance", "transcript"]
    seed: str | None = None
    speakers: tuple[str, ...] = ()
    style: Literal["paperwork", "outcomes"] | None = None
    published: str | None = None
    note: str | None = None  # provenance caveats, e.g. a publisher inferred from the text

    @model_validator(mode="after")
    def _transcripts_name_speakers(self) -> SourceMeta:
        if self.kind == "transcript" and not self.speakers:
            raise ValueError("a transcript must list its speakers")
        if self.kind == "guidance" and self.style:
            raise ValueError("style applies only to transcripts")
        return self


class SourceError(ValueError):
    """A source file that cannot be used; ``str()`` names the file and the problem."""

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(f"{path.name}: {problem}")
        self.path = path
        self.problem = problem


@dataclass(frozen=True)
class Source:
    path: Path
    meta: SourceMeta
    body: str
    content_hash: str

    @property
    def name(self) -> str:
        return self.path.name


@dataclass(frozen=True)
class Chunk:
    source: str
    index: int
    text: str
    section: str
    speakers: tuple[str, ...] = ()
    tokens: int = 0
    meta: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def id(self) -> str:
        return f"{self.source}#{self.index}"


def read_source(path: Path) -> Source:
    """Read and validate one source file, or raise SourceError saying what is wrong."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SourceError(path, f"cannot read: {exc.strerror or exc}") from exc
    if not raw.strip():
        raise SourceError(path, "the file is empty")
    if b"\x00" in raw[:8192]:
        raise SourceError(path, "looks like a binary file, not Markdown text")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SourceError(path, f"not UTF-8 text (bad byte at position {exc.start})") from exc
    match = _FRONT_MATTER.match(text.lstrip("\ufeff"))
    if not match:
        raise SourceError(path, "no front matter: the file must start with a '---' YAML block")
    try:
        data = yaml.safe_load(match.group(1))
    except yaml.YAMLError as exc:
        raise SourceError(path, f"front matter is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise SourceError(path, "front matter must be a mapping of keys to values")
    try:
        meta = SourceMeta.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'front matter'}: {e['msg']}" for e in exc.errors()
        )
        raise SourceError(path, f"front matter: {problems}") from exc
    body = text.lstrip("\ufeff")[match.end():].strip()
    if not body:
        raise SourceError(path, "front matter but no text")
    return Source(path=path, meta=meta, body=body, content_hash=hashlib.sha256(raw).hexdigest())


def list_source_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.glob("*.md") if p.is_file())


@lru_cache(maxsize=1)
def _encoding() -> Any:
    import tiktoken

    # coach.offline has seeded tiktoken's cache, so this does not download.
    return tiktoken.get_encoding("cl100k_base")


def count_tokens(text: str) -> int:
    return len(_encoding().encode(text, disallowed_special=()))


def _blocks(body: str) -> list[tuple[str, str]]:
    """(section heading, paragraph) pairs in document order."""
    section = ""
    out: list[tuple[str, str]] = []
    for para in re.split(r"\n\s*\n", body):
        para = para.strip()
        if not para:
            continue
        heading = _HEADING.match(para.splitlines()[0])
        if heading:
            section = re.sub(r"[*_`]", "", heading.group(2)).strip()
            rest = "\n".join(para.splitlines()[1:]).strip()
            if not rest:
                continue
            para = rest
        out.append((section, para))
    return out


def _split_long(text: str, limit: int) -> list[str]:
    """Split one over-long paragraph on sentence boundaries (words as a last resort)."""
    pieces: list[str] = []
    current = ""
    for sentence in split_sentences(text, verbatim=True):
        candidate = f"{current} {sentence}".strip()
        if count_tokens(candidate) <= limit:
            current = candidate
            continue
        if current:
            pieces.append(current)
        if count_tokens(sentence) <= limit:
            current = sentence
            continue
        words, current = sentence.split(), ""
        for word in words:
            candidate = f"{current} {word}".strip()
            if count_tokens(candidate) > limit and current:
                pieces.append(current)
                current = word
            else:
                current = candidate
    if current:
        pieces.append(current)
    return pieces


def chunk_source(source: Source, max_tokens: int, overlap_tokens: int) -> list[Chunk]:
    """Pack paragraphs (guidance) or turns (transcripts) into chunks of ≤ max_tokens.

    A chunk never crosses a section heading. For guidance, the last paragraph of a chunk
    is repeated at the start of the next when it fits in ``overlap_tokens``, so a passage
    cut at a boundary is still found whole; turns are never repeated.
    """
    is_transcript = source.meta.kind == "transcript"
    units: list[tuple[str, str, str | None]] = []  # section, text, speaker
    last_speaker: str | None = None
    for section, para in _blocks(source.body):
        turn = _TURN.match(para)
        speaker = turn.group("speaker").strip() if turn else None
        if speaker:
            last_speaker = speaker
        for piece in _split_long(para, max_tokens) if count_tokens(para) > max_tokens else [para]:
            # A turn split into pieces keeps its speaker label on every piece.
            if is_transcript and speaker and not _TURN.match(piece):
                piece = f"**{speaker}:** {piece}"
            units.append((section, piece, speaker or (last_speaker if is_transcript else None)))

    chunks: list[Chunk] = []
    buf: list[tuple[str, str | None]] = []
    buf_tokens = 0
    carried = False  # buf holds only the overlap repeated from the previous chunk
    buf_section = units[0][0] if units else ""

    def flush() -> None:
        nonlocal buf, buf_tokens, carried
        if buf and not carried:
            speakers = tuple(dict.fromkeys(s for _, s in buf if s))
            text = "\n\n".join(t for t, _ in buf)
            chunks.append(Chunk(source=source.name, index=len(chunks), text=text,
                                section=buf_section, speakers=speakers, tokens=count_tokens(text)))
        tail = buf[-1] if buf else None
        buf, buf_tokens, carried = [], 0, False
        if tail and not is_transcript and count_tokens(tail[0]) <= overlap_tokens:
            buf, buf_tokens, carried = [tail], count_tokens(tail[0]), True

    for section, text, speaker in units:
        tokens = count_tokens(text)
        if section != buf_section:
            flush()
            buf, buf_tokens, carried = [], 0, False
            buf_section = section
        elif buf_tokens + tokens > max_tokens:
            if carried:
                buf, buf_tokens, carried = [], 0, False
            else:
                flush()
                if buf_tokens + tokens > max_tokens:
                    buf, buf_tokens, carried = [], 0, False
        buf.append((text, speaker))
        buf_tokens += tokens
        carried = False
    flush()
    return chunks
