"""Hybrid search against a Chroma server (COACH_CHROMA_URL): the BM25 index is built from
what the server holds, so a second app replica with its own data directory gets the same
lexical matches without indexing any files itself."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from coach.retrieval import KnowledgeBase
from coach.settings import ChromaSettings, KnowledgeSettings, Settings

CHROMA = Path(sys.executable).parent / "chroma"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def chroma_url(tmp_path: Path) -> Iterator[str]:
    if not CHROMA.exists():
        pytest.skip("the chroma command is not installed beside this Python")
    port = _free_port()
    log = (tmp_path / "chroma.log").open("w")
    server = subprocess.Popen([str(CHROMA), "run", "--path", str(tmp_path / "server"),
                               "--host", "127.0.0.1", "--port", str(port)],
                              stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=2):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the Chroma server did not start: {(tmp_path / 'chroma.log').read_text()[-2000:]}")
                time.sleep(0.3)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


@pytest.mark.slow
def test_hybrid_search_works_against_a_chroma_server(chroma_url: str, tmp_path: Path,
                                                     knowledge_copy: Path) -> None:
    # Two sources keep the test quick; the heading match is in the first.
    for path in knowledge_copy.joinpath("sources").glob("*.md"):
        if path.name not in ("guidance-embedding-outcomes-approach.md", "transcript-parent-story.md"):
            path.unlink()

    def replica(name: str) -> Settings:
        return Settings.test_profile(
            tmp_path / name, knowledge=KnowledgeSettings.model_construct(dir=knowledge_copy),
            chroma=ChromaSettings.model_construct(url=chroma_url),
        )

    first = KnowledgeBase(replica("replica-1"))
    assert len(first.index().added) == 2
    question = "what gets in the way of working in an outcomes-focused way"
    hits = first.search(question, k=2)
    assert hits[0].section == "What gets in the way of practitioners working in this way?"
    assert "lexical #1" in hits[0].found_by

    second = KnowledgeBase(replica("replica-2"))  # indexes nothing: the server has it all
    again = second.search(question, k=2)
    assert [p.chunk_id for p in again] == [p.chunk_id for p in hits]
    assert list((tmp_path / "replica-2" / "lexical").iterdir())
