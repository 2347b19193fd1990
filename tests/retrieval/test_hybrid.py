"""Hybrid ranking: BM25 over the chunks (section headings included) fused with the vector
ranking, kept in step with the incremental Chroma index."""

from __future__ import annotations

import pytest

from coach import cli
from coach.retrieval import KnowledgeBase, SearchError
from coach.settings import Settings

FEW = ("guidance-embedding-outcomes-approach.md", "transcript-britton-own-story.md",
       "transcript-parent-story.md")


def few_sources(settings: Settings) -> Settings:
    """Keep three sources in a test's private copy: indexing tests stay quick."""
    for path in settings.knowledge.sources_dir.glob("*.md"):
        if path.name not in FEW:
            path.unlink()
    return settings


def test_what_parents_value_brings_back_that_section_first(indexed_settings: Settings) -> None:
    passages = KnowledgeBase(indexed_settings).search(
        "what do parents value from child protection social workers", k=3)
    assert passages[0].section == "What parents and carers value in child protection services"


def test_what_gets_in_the_way_brings_back_that_section_first(indexed_settings: Settings) -> None:
    passages = KnowledgeBase(indexed_settings).search(
        "what gets in the way of working in an outcomes-focused way", k=3)
    assert passages[0].section == "What gets in the way of practitioners working in this way?"
    # Vector search alone does not: the words of the heading are what find it.
    vector = KnowledgeBase(indexed_settings).search(
        "what gets in the way of working in an outcomes-focused way", k=3, ranker="vector")
    assert passages[0].chunk_id not in [p.chunk_id for p in vector]
    assert "lexical #1" in passages[0].found_by


def test_each_passage_says_which_ranking_found_it(indexed_settings: Settings) -> None:
    kb = KnowledgeBase(indexed_settings)
    for passage in kb.search("open ended questions", k=4):
        assert passage.found_by
        assert all(f.split(" #")[0] in ("vector", "lexical") for f in passage.found_by)
    assert all(p.found_by == (f"vector #{n}",)
               for n, p in enumerate(kb.search("open ended questions", k=3, ranker="vector"), 1))


def test_filters_apply_to_both_rankings(indexed_settings: Settings) -> None:
    kb = KnowledgeBase(indexed_settings)
    for ranker in ("hybrid", "lexical"):
        transcripts = kb.search("contract of expectations", k=5, kind="transcript", ranker=ranker)
        assert transcripts and all(p.kind == "transcript" for p in transcripts)
        paperwork = kb.search("police report", k=5, style="paperwork", ranker=ranker)
        assert paperwork and all(p.style == "paperwork" for p in paperwork)


def test_an_unknown_ranker_is_a_clear_error(indexed_settings: Settings) -> None:
    with pytest.raises(SearchError, match="unknown ranker 'bm42'"):
        KnowledgeBase(indexed_settings).search("risk", ranker="bm42")  # type: ignore[arg-type]


def test_cli_explain_shows_the_rankings(indexed_settings: Settings, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("COACH_DATA_DIR", str(indexed_settings.data_dir))
    monkeypatch.delenv("COACH_KNOWLEDGE_DIR", raising=False)
    monkeypatch.delenv("COACH_CHROMA_URL", raising=False)
    assert cli.main(["search", "what gets in the way of working in an outcomes-focused way",
                     "-k", "2", "--explain"]) == 0
    out = capsys.readouterr().out
    assert "What gets in the way of practitioners working in this way?" in out
    assert "found by: " in out and "lexical #1" in out


def test_the_stored_lexical_index_is_reused_by_a_new_process(copy_settings: Settings,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    KnowledgeBase(few_sources(copy_settings)).index()
    fresh = KnowledgeBase(copy_settings)

    def no_rebuild() -> None:
        raise AssertionError("the stored index matches the collection; nothing to rebuild")

    monkeypatch.setattr(fresh, "rebuild_lexical", no_rebuild)
    assert fresh.search("Cassie", k=1, ranker="lexical")[0].source.startswith("transcript-britton")


def test_changed_and_removed_sources_leave_no_stale_lexical_entries(copy_settings: Settings) -> None:
    sources = few_sources(copy_settings).knowledge.sources_dir
    running = KnowledgeBase(copy_settings)  # e.g. the app, searching while someone re-indexes
    running.index()
    assert running.search("mortified", k=1, ranker="lexical")[0].source == "transcript-parent-story.md"

    britton = sources / "transcript-britton-own-story.md"
    britton.write_text(britton.read_text(encoding="utf-8")
                       + "\n\n**Mr David Britton:** Cassie sends her regards to the marmalade sandwiches.\n",
                       encoding="utf-8")
    (sources / "transcript-parent-story.md").unlink()
    other = KnowledgeBase(copy_settings)  # another process runs `coach index`
    report = other.index()
    assert report.removed == ["transcript-parent-story.md"]

    for kb in (other, KnowledgeBase(copy_settings), running):
        gone = kb.search("mortified kids", k=5, ranker="lexical")
        assert all(p.source != "transcript-parent-story.md" for p in gone)
        hits = kb.search("marmalade sandwiches", k=1)
        assert hits[0].source == "transcript-britton-own-story.md"
        assert "marmalade" in hits[0].text


def test_chunks_from_an_older_recipe_are_embedded_again(copy_settings: Settings) -> None:
    kb = KnowledgeBase(few_sources(copy_settings))
    first = kb.index()
    stored = kb.collection.get(include=["metadatas"])
    kb.collection.update(ids=stored["ids"],
                         metadatas=[{**m, "recipe": "plain-0"} for m in stored["metadatas"]])
    again = KnowledgeBase(copy_settings).index()
    assert sorted(again.updated) == sorted(first.added)
    recipes = {m["recipe"] for m in kb.collection.get(include=["metadatas"])["metadatas"]}
    assert recipes == {kb.recipe}


def test_an_index_embedded_with_another_encoder_is_embedded_again(copy_settings: Settings) -> None:
    from coach.coding._encoder import ENCODER_DIR, encoder_available
    from coach.embedding import FineTunedEncoder

    if not encoder_available():
        pytest.skip("no second encoder shipped to compare with")
    other = FineTunedEncoder(ENCODER_DIR, "another-encoder")
    first = KnowledgeBase(few_sources(copy_settings), encoder=other).index()
    again = KnowledgeBase(copy_settings).index()  # the bundled MiniLM
    assert first.added and sorted(again.updated) == sorted(first.added)
    assert sorted(KnowledgeBase(copy_settings).index().unchanged) == sorted(first.added)
