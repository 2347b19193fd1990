import os
import shutil
import subprocess
import sys

import pytest

from coach.retrieval import KnowledgeBase, SearchError
from coach.settings import Settings
from tests.support.netguard import loopback_only


def test_oars_passage_is_found(indexed_settings: Settings) -> None:
    passages = KnowledgeBase(indexed_settings).search("open ended questions", k=2)
    assert any("OARS" in p.text for p in passages)
    assert all(p.source.endswith(".md") and p.title and p.publisher for p in passages)


def test_contract_of_expectations_finds_the_paperwork_visit(indexed_settings: Settings) -> None:
    passages = KnowledgeBase(indexed_settings).search("contract of expectations", k=3, kind="transcript")
    assert passages[0].source == "transcript-debs-visit-1-paperwork.md"
    assert passages[0].style == "paperwork"
    assert "Dawn (worker)" in passages[0].speakers
    assert "transcript-debs-visit-1-paperwork.md" in passages[0].citation()


def test_filters_restrict_kind_and_style(indexed_settings: Settings) -> None:
    kb = KnowledgeBase(indexed_settings)
    outcomes = kb.search("how are the children getting on at school", k=4, style="outcomes")
    assert outcomes and all(p.style == "outcomes" and p.kind == "transcript" for p in outcomes)
    guidance = kb.search("what matters", k=4, kind="guidance")
    assert guidance and all(p.kind == "guidance" for p in guidance)


def test_empty_query_is_a_clear_error(indexed_settings: Settings) -> None:
    with pytest.raises(SearchError, match="empty"):
        KnowledgeBase(indexed_settings).search("   ")


def test_reindex_is_incremental(copy_settings: Settings) -> None:
    kb = KnowledgeBase(copy_settings)
    first = kb.index()
    assert len(first.added) >= 10 and not first.problems
    total = kb.count()

    again = KnowledgeBase(copy_settings).index()
    assert again.chunks_embedded == 0 and len(again.unchanged) == len(first.added)

    sources = copy_settings.knowledge.sources_dir
    britton = sources / "transcript-britton-own-story.md"
    britton.write_text(britton.read_text(encoding="utf-8") + "\n\n**Mr David Britton:** Cassie sends her regards.\n",
                       encoding="utf-8")
    (sources / "transcript-parent-story.md").unlink()
    third = KnowledgeBase(copy_settings).index()
    assert third.updated == ["transcript-britton-own-story.md"]
    assert third.removed == ["transcript-parent-story.md"]
    kb3 = KnowledgeBase(copy_settings)
    assert not kb3.collection.get(where={"source": "transcript-parent-story.md"})["ids"]
    assert kb3.count() < total
    hits = kb3.search("Cassie sends her regards", k=1)
    assert hits[0].source == "transcript-britton-own-story.md"


def test_broken_files_are_reported_and_nothing_indexed_is_lost(copy_settings: Settings) -> None:
    sources = copy_settings.knowledge.sources_dir
    KnowledgeBase(copy_settings).index()
    # Break a file that is already indexed, and add three bad new ones.
    debs = sources / "transcript-debs-visit-1-paperwork.md"
    debs.write_text("---\ntitle: [broken\n---\n", encoding="utf-8")
    (sources / "empty.md").write_bytes(b"")
    (sources / "latin.md").write_bytes("---\ntitle: caf\xe9\n---\n".encode("latin-1"))
    (sources / "image.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00binary")
    report = KnowledgeBase(copy_settings).index()
    named = " ".join(report.problems)
    for name in ("transcript-debs-visit-1-paperwork.md", "empty.md", "latin.md", "image.md"):
        assert name in named
    hits = KnowledgeBase(copy_settings).search("contract of expectations", k=1, kind="transcript")
    assert hits[0].source == "transcript-debs-visit-1-paperwork.md"


def test_cli_index_exits_non_zero_and_names_bad_files(copy_settings: Settings) -> None:
    sources = copy_settings.knowledge.sources_dir
    (sources / "empty.md").write_bytes(b"")
    env = {**os.environ, "COACH_DATA_DIR": str(copy_settings.data_dir),
           "COACH_KNOWLEDGE_DIR": str(copy_settings.knowledge.dir)}
    run = subprocess.run([sys.executable, "-m", "coach.cli", "index"], env=env,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 1
    assert "empty.md: the file is empty" in run.stderr
    assert "added" in run.stdout
    search = subprocess.run([sys.executable, "-m", "coach.cli", "search", "open ended questions", "-k", "2"],
                            env=env, capture_output=True, text=True, timeout=300)
    assert search.returncode == 0 and "OARS" in search.stdout and "(score" in search.stdout


def test_index_and_search_open_no_connection_beyond_loopback(copy_settings: Settings) -> None:
    with loopback_only() as attempts:
        kb = KnowledgeBase(copy_settings)
        kb.index()
        assert kb.search("what matters to you", k=3)
    assert attempts == []


@pytest.mark.skipif(shutil.which("unshare") is None, reason="unshare is not installed")
def test_search_works_with_the_network_cut(copy_settings: Settings) -> None:
    probe = subprocess.run(["unshare", "-n", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("cannot create a network namespace here")
    env = {**os.environ, "COACH_DATA_DIR": str(copy_settings.data_dir),
           "COACH_KNOWLEDGE_DIR": str(copy_settings.knowledge.dir)}
    run = subprocess.run(
        ["unshare", "-n", sys.executable, "-m", "coach.cli", "search", "contract of expectations",
         "--kind", "transcript", "-k", "1"],
        env=env, capture_output=True, text=True, timeout=300,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert "transcript-debs-visit-1-paperwork.md" in run.stdout
