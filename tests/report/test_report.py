"""The session report: indicator maths and bands, what came out and what stayed hidden,
strengths and next steps cited from the real corpus, exports, the timeline, edge cases."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from coach.coaching._rubric import METRICS, load_rubric
from coach.coding._vocabulary import CodeResult, SentenceCode
from coach.report import (
    HiddenItemResult,
    SessionReport,
    TurnRecord,
    build_report,
    report_markdown,
    timeline_figure,
    timeline_png,
)
from coach.report._metrics import band_for, count_levels, hidden_metrics, indicators, render
from coach.report._plot import RECEPTIVITY_LINE
from coach.retrieval import KnowledgeBase, Passage, guidance_search
from coach.settings import DEFAULT_KNOWLEDGE_DIR, Settings

SCORES = {"outcomes": 0.8, "neutral": 0.0, "paperwork": -0.7}


def coded(code: str, stance: str = "outcomes", score: float | None = None) -> CodeResult:
    return CodeResult(
        code=code, stance=stance, sentences=(SentenceCode("…", code),),
        outcomes_score=SCORES[stance] if score is None else score,
    )


def session(codes: Sequence[str | tuple[str, str]], start: float = 0.3) -> list[TurnRecord]:
    """Turns numbered from 1, receptivity stepping up, each with its own learner line."""
    turns = []
    for n, spec in enumerate(codes, 1):
        code, stance = (spec, "outcomes") if isinstance(spec, str) else spec
        turns.append(TurnRecord(
            index=n, learner=f"reply {n} ({code})", coded=coded(code, stance),
            reply=f"person {n}", receptivity=min(1.0, start + 0.02 * n), mood="guarded",
        ))
    return turns


def turn(index: int, learner: str, coded: CodeResult, reply: str, receptivity: float, mood: str,
         unlocked: Sequence[str]) -> TurnRecord:
    return TurnRecord(index=index, learner=learner, coded=coded, reply=reply,
                      receptivity=receptivity, mood=mood, unlocked=tuple(unlocked))


def hidden_item(id: str, title: str, unlocked: bool, turn_index: int | None, kind: str) -> HiddenItemResult:
    return HiddenItemResult(id=id, title=title, unlocked=unlocked, turn_index=turn_index, kind=kind)


def by_name(turns: list[TurnRecord]) -> dict:
    rows, _ = indicators(turns, load_rubric())
    return {r.name: r for r in rows}


@pytest.fixture(scope="module")
def search(indexed_settings: Settings):
    return guidance_search(KnowledgeBase(indexed_settings))


# --- indicator maths and bands -----------------------------------------------------------


def test_four_reflections_two_questions_is_a_good_ratio() -> None:
    rows = by_name(session([
        "reflection_simple", "reflection_complex", "summary", "reflection_simple",
        "open_question", "closed_question", "affirmation",
    ]))
    rq = rows["reflection_to_question"]
    assert rq.value == pytest.approx(2.0) and rq.band == "good"
    assert rq.display.startswith("2.0:1")
    # Summaries count as complex: 2 of 4 reflections.
    assert rows["complex_reflections"].value == pytest.approx(0.5)
    assert rows["complex_reflections"].band == "good"
    assert rows["open_questions"].value == pytest.approx(0.5)
    assert rows["open_questions"].band == "fair"
    assert rows["affirmations"].value == 1 and rows["summaries"].value == 1


@pytest.mark.parametrize(
    ("value", "band"),
    [(0.999, "below fair"), (1.0, "fair"), (1.999, "fair"), (2.0, "good"), (None, "n/a")],
)
def test_bands_at_the_thresholds(value: float | None, band: str) -> None:
    assert band_for(value, 1.0, 2.0) == band


def test_bands_at_the_rubric_thresholds_from_real_turns() -> None:
    # R:Q exactly 1:1; complex 2 of 5 = 40%; open 7 of 10 = 70%.
    turns = session(
        ["reflection_complex"] * 2 + ["reflection_simple"] * 3 + ["open_question"] * 3
        + ["closed_question"] * 2
    )
    rows = by_name(turns)
    assert rows["reflection_to_question"].band == "fair"
    assert rows["complex_reflections"].band == "fair"
    assert rows["open_questions"].value == pytest.approx(0.6)
    assert rows["open_questions"].band == "fair"
    seven_of_ten = by_name(session(["open_question"] * 7 + ["closed_question"] * 3))
    assert seven_of_ten["open_questions"].band == "good"
    six_of_ten = by_name(session(["open_question"] * 6 + ["closed_question"] * 4))
    assert six_of_ten["open_questions"].band == "fair"
    four_of_ten = by_name(session(["open_question"] * 4 + ["closed_question"] * 6))
    assert four_of_ten["open_questions"].band == "below fair"


def test_affirmation_and_summary_levels_grow_with_the_conversation() -> None:
    rubric = load_rubric()
    assert count_levels(rubric.thresholds.affirmations, 8) == (1, 2)
    assert count_levels(rubric.thresholds.affirmations, 30) == (3, 6)
    assert count_levels(rubric.thresholds.summaries, 30) == (2, 3)
    rows = by_name(session(["affirmation"] * 3 + ["open_question"] * 27))
    assert rows["affirmations"].band == "fair" and rows["affirmations"].fair == 3


def test_no_questions_is_said_in_words_not_as_a_ratio() -> None:
    rows = by_name(session(["reflection_simple", "affirmation"]))
    assert rows["reflection_to_question"].display == "no questions asked"
    assert rows["reflection_to_question"].band == "n/a"
    assert rows["open_questions"].band == "n/a"


def test_outcomes_focus_is_the_mean_score_with_the_stance_mix() -> None:
    turns = session([("open_question", "outcomes"), ("closed_question", "paperwork"),
                     ("reflection_simple", "outcomes"), ("other", "neutral")])
    rows = by_name(turns)
    assert rows["outcomes_focus"].value == pytest.approx((0.8 - 0.7 + 0.8 + 0.0) / 4)
    assert "outcomes-focused 50%" in rows["outcomes_focus"].display
    assert "paperwork / risk-led 25%" in rows["outcomes_focus"].display


def test_every_metric_a_rule_may_name_is_filled() -> None:
    _, metrics = indicators(session(["open_question"]), load_rubric())
    report_only = {"hidden_total", "uncovered", "missed", "outcomes_total", "outcomes_uncovered",
                   "outcomes_missed", "start_receptivity", "end_receptivity",
                   "receptivity_change", "persona"}
    assert METRICS - report_only <= set(metrics)


def test_every_rule_reads_right_with_counts_of_one() -> None:
    rubric = load_rubric()
    turns = session(["closed_question", "affirmation", "summary", "reflection_simple"])
    _, metrics = indicators(turns, rubric)
    metrics |= hidden_metrics([], 0.3, turns) | {"persona": "Debs"}
    for rule in (*rubric.strengths, *rubric.next_steps):
        text = render(rule, metrics)
        assert not re.search(r"\b1 (times|questions|reflections|affirmations|summaries)\b", text), text
        assert not re.search(r"\([^)]*\(", text), text  # no brackets inside brackets
    texts = {r.id: render(r, metrics) for r in (*rubric.strengths, *rubric.next_steps)}
    assert "you asked 1 question and reflected 2 times (2.0:1)" in texts["reflect_before_asking"]
    assert "out loud (1 affirmation)" in texts["noticed_strengths"]
    assert "You summarised 1 time," in texts["pulled_it_together"]


# --- what came out, what stayed hidden ------------------------------------------------------


HIDDEN = [
    hidden_item("money", "Money has been tight", True, 2, "worry"),
    hidden_item("holiday", "Saving for a family holiday", True, None, "outcome"),
    hidden_item("llyr", "Things with Llyr", False, None, "worry"),
    hidden_item("peter", "Wants Peter home", False, None, "outcome"),
]


def test_uncovered_items_carry_the_line_that_reached_them() -> None:
    turns = session(["open_question", "reflection_complex", "affirmation", "summary"])
    # The holiday has no turn from the engine; the turn that lists it is used.
    turns[3] = turn(4, "So a few days away together.", coded("summary"), "Yes, that's it.",
                    0.6, "warming", ["holiday"])
    report = build_report("Debs", turns, HIDDEN, None, 0.3)
    first, second = report.uncovered
    assert (first.id, first.turn_index, first.learner) == ("money", 2, "reply 2 (reflection_complex)")
    assert first.code == "reflection_complex" and first.reply == "person 2"
    assert (second.id, second.turn_index, second.learner) == (
        "holiday", 4, "So a few days away together.")
    assert [m.id for m in report.missed] == ["llyr", "peter"]


# --- strengths and next steps, cited from the real corpus ---------------------------------


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z]+", text.lower())


def _assert_quoted_from_corpus(report: SessionReport) -> None:
    sources = DEFAULT_KNOWLEDGE_DIR / "sources"
    chunk_ids = []
    for point in (*report.strengths, *report.next_steps):
        cited = point.citation
        assert cited is not None, point
        assert cited.source.startswith("guidance-") and (sources / cited.source).is_file()
        assert cited.title in cited.citation and cited.source in cited.citation
        words = _words(cited.snippet)
        assert 3 <= len(words) <= 36, cited.snippet
        corpus = set(_words((sources / cited.source).read_text(encoding="utf-8")))
        assert all(w in corpus for w in words), cited.snippet  # the guidance's own words
        chunk_ids.append(cited.chunk_id)
    assert len(set(chunk_ids)) == len(chunk_ids), "a passage was cited twice"


def test_a_paperwork_led_session_gets_the_stance_and_reflection_next_steps(search) -> None:
    turns = session([
        ("closed_question", "paperwork"), ("closed_question", "paperwork"),
        ("open_question", "paperwork"), ("information", "paperwork"),
        ("reflection_simple", "neutral"), ("closed_question", "neutral"),
    ])
    report = build_report("Debs", turns, HIDDEN, search, 0.3)
    assert len(report.strengths) == 2 and len(report.next_steps) == 2
    assert [p.rule for p in report.next_steps] == ["ask_what_matters_first", "reflect_before_asking"]
    assert "67%" in report.next_steps[0].text  # 4 of 6 replies led by paperwork
    assert "you asked 4 questions and reflected 1 time (0.2:1)." in report.next_steps[1].text
    _assert_quoted_from_corpus(report)


def test_a_listening_session_gets_listening_strengths(search) -> None:
    turns = session([
        "open_question", "reflection_complex", "reflection_complex", "open_question",
        "affirmation", "reflection_simple", "summary", "reflection_complex",
    ])
    report = build_report("Debs", turns, HIDDEN, search, 0.3)
    assert [p.rule for p in report.strengths] == ["reflected_more_than_asked", "uncovered_what_matters"]
    assert "You reflected more than you asked: 2.5:1 (5 reflections, 2 questions)." in report.strengths[0].text
    assert report.next_steps[0].rule == "follow_up_what_matters"  # Peter's outcome was missed
    _assert_quoted_from_corpus(report)


def test_a_weak_session_still_gets_two_strengths(search) -> None:
    turns = session([("confront", "paperwork"), ("closed_question", "paperwork"),
                     ("open_question", "neutral")])
    report = build_report("Iris", turns, [], search, 0.3)
    assert [p.rule for p in report.strengths] == ["best_reply", "practised"]
    assert "turn 3" in report.strengths[0].text and "reply 3 (open_question)" in report.strengths[0].text
    assert report.next_steps[0].rule == "ask_what_matters_first"
    assert len(report.next_steps) == 2
    _assert_quoted_from_corpus(report)


def test_a_paperwork_led_reply_is_never_held_up_as_the_one_to_build_on(search) -> None:
    turns = session([("open_question", "paperwork"), ("confront", "paperwork"),
                     ("closed_question", "paperwork")])
    report = build_report("Mr Britton", turns, [], search, 0.3)
    assert [p.rule for p in report.strengths] == ["practised", "saw_the_reactions"]
    assert "Mr Britton reacted" in report.strengths[1].text
    assert not any("reply 1" in p.text for p in report.strengths)
    # One neutral reply among them is the one named.
    turns = session([("open_question", "paperwork"), ("reflection_simple", "neutral")])
    report = build_report("Mr Britton", turns, [], search, 0.3)
    assert report.strengths[0].rule == "best_reply" and "turn 2" in report.strengths[0].text


@pytest.mark.parametrize("how", ["none", "empty", "failing"])
def test_without_guidance_the_points_stand_uncited_with_a_note(how: str) -> None:
    def failing(_q: str) -> list[Passage]:
        raise RuntimeError("the index is gone")

    search = {"none": None, "empty": lambda _q: [], "failing": failing}[how]
    report = build_report("Debs", session(["open_question", "reflection_complex"]), HIDDEN, search, 0.3)
    assert len(report.strengths) == 2 and len(report.next_steps) == 2
    assert all(p.citation is None for p in (*report.strengths, *report.next_steps))
    note = " ".join(report.notes)
    assert "citations are left out" in note
    if how == "failing":
        assert "the index is gone" in note
    assert "citations are left out" in report_markdown(report)


# --- exports -----------------------------------------------------------------------------------


def test_markdown_has_every_section_and_escapes_typed_text() -> None:
    turns = session(["open_question", "reflection_complex", "summary"])
    turns[0] = turn(1, "Is it A | B? <script>alert(1)</script> **bold**", coded("closed_question"),
                    "Dunno.", 0.32, "guarded", [])
    md = report_markdown(build_report("Debs", turns, HIDDEN, None, 0.3))
    for heading in ("# Session report: Debs", "## Indicators", "## Outcomes focus",
                    "## What the person shared", "## What stayed hidden", "## Strengths",
                    "## Next steps", "## Turn by turn"):
        assert heading in md
    assert "Reflection-to-question ratio" in md and "Wants Peter home" in md
    assert "<script>" not in md and r"\<script\>" in md
    rows = [line for line in md.splitlines() if line.startswith("| 1 |")]
    assert len(rows) == 1
    assert len(re.findall(r"(?<!\\)\|", rows[0])) == 8  # the typed pipe did not add a column


def test_json_round_trips_exactly(search) -> None:
    turns = session(["open_question", "reflection_complex", "affirmation"])
    report = build_report("Debs", turns, HIDDEN, search, 0.3)
    data = json.loads(report.to_json())
    assert data["indicators"][0]["name"] == "reflection_to_question"
    assert SessionReport.from_dict(data) == report
    assert SessionReport.from_json(report.to_json()).to_dict() == report.to_dict()


def test_timeline_png_is_written_with_one_point_per_turn(tmp_path: Path) -> None:
    turns = session(["open_question", "reflection_complex", "affirmation", "summary", "advice"])
    turns[1] = turn(2, "Money's tight.", coded("reflection_complex"), "It is.", 0.5, "warming",
                    ["money"])
    report = build_report("Debs", turns, HIDDEN, None, 0.3)
    fig = timeline_figure(report)
    ax = fig.axes[0]
    (line,) = [ln for ln in ax.get_lines() if ln.get_gid() == RECEPTIVITY_LINE]
    assert list(line.get_xdata()) == [0, 1, 2, 3, 4, 5]
    assert line.get_ydata()[0] == pytest.approx(0.3)
    assert ax.get_xlabel() and ax.get_ylabel() and "Debs" in ax.get_title()
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "Complex reflection" in legend and "Turn 2: Money has been tight" in legend
    path = timeline_png(report, tmp_path / "out" / "timeline.png")
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000


# --- edge cases -------------------------------------------------------------------------------


def test_an_empty_session_reports_without_crashing(tmp_path: Path) -> None:
    locked = [hidden_item(h.id, h.title, False, None, h.kind) for h in HIDDEN]
    report = build_report("Mr Britton", [], locked, None, 0.25)
    assert all(i.band == "n/a" and "n/a" in i.display for i in report.indicators)
    assert report.strengths == ()
    assert [p.rule for p in report.next_steps][0] == "make_a_start" and len(report.next_steps) == 2
    assert report.uncovered == () and len(report.missed) == 4
    md = report_markdown(report)
    assert "No replies were recorded" in md and "## Turn by turn" not in md
    assert SessionReport.from_json(report.to_json()) == report
    assert timeline_png(report, tmp_path / "empty.png").stat().st_size > 5_000


def test_a_200_turn_session_is_quick(search, tmp_path: Path) -> None:
    cycle = ["open_question", "reflection_complex", ("closed_question", "paperwork"),
             "reflection_simple", "affirmation", "summary", ("advice", "neutral")]
    turns = session([cycle[n % len(cycle)] for n in range(200)], start=0.0)
    hidden = [hidden_item(f"item{k}", f"Hidden item number {k}", k % 2 == 0, 20 * k + 5, "outcome")
              for k in range(8)]
    timeline_png(build_report("Debs", session(["open_question"]), [], search, 0.3), tmp_path / "w.png")
    started = time.perf_counter()
    report = build_report("Debs", turns, hidden, search, 0.3)
    report_markdown(report)
    report.to_json()
    timeline_png(report, tmp_path / "long.png")
    elapsed = time.perf_counter() - started
    assert elapsed < 2.0, f"{elapsed:.2f} s"
    assert len(report.turns) == 200 and report.indicator("reflection_to_question").value is not None
    assert len(report.uncovered) == 4
