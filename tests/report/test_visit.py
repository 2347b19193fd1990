"""The report's view of the visit: how it ended, the brief's goal, the safeguarding
balance, clean citations named by title and publisher, and the export's metadata."""

from __future__ import annotations

import json
from pathlib import Path

from coach.coaching import is_clean_sentence, source_label
from coach.coding._vocabulary import CodeResult, SentenceCode
from coach.report import (
    HiddenItemResult,
    ReportMeta,
    SessionReport,
    TurnRecord,
    build_report,
    report_markdown,
)
from coach.retrieval import Citation

STORED = json.loads((Path(__file__).parents[1] / "support" / "stored_by_981587b.json").read_text("utf-8"))
DEBS_CONCERNS = [
    {"id": "megan_whereabouts", "title": "Where Megan went, and whether it could happen again"},
    {"id": "drinking", "title": "The drinking on the night of the row"},
]


def turn(i: int, text: str, code: str, stance: str = "outcomes", r: float = 0.5) -> TurnRecord:
    coded = CodeResult(code=code, stance=stance, sentences=(SentenceCode(text, code),))  # type: ignore[arg-type]
    return TurnRecord(index=i, learner=text, coded=coded, reply="…", receptivity=r, mood="warming")


GOOD = [turn(1, "It sounds like you've been dreading this.", "reflection_complex"),
        turn(2, "What matters most to you for the family?", "open_question"),
        turn(3, "You've kept everything going; that takes strength.", "affirmation", r=0.7)]
HIDDEN = [HiddenItemResult(id="money", title="Money", unlocked=True, turn_index=2, kind="worry"),
          HiddenItemResult(id="holiday", title="The holiday", unlocked=False, kind="outcome")]


def test_a_visit_that_never_reached_safety_says_so_and_makes_it_a_next_step() -> None:
    report = build_report("Debs", GOOD, HIDDEN, None, 0.3, ended_by="trainee",
                          goal={"summary": "agree one first step together", "plan_agreed": True},
                          concerns=[c | {"turns": []} for c in DEBS_CONCERNS])
    assert report.ending and report.ending.by == "trainee"
    assert report.goal and not report.goal.met and "no first step" in report.goal.detail
    assert [c.raised for c in report.safeguarding] == [False, False]
    assert report.next_steps[0].rule == "name_the_safeguarding_worries"
    assert "where Megan went" in report.next_steps[0].text
    assert report.next_steps[1].rule == "work_towards_the_goal"
    md = report_markdown(report)
    assert "## Safeguarding" in md and "never reached the safeguarding concerns" in md
    assert "**Not met** — agree one first step together" in md


def test_how_a_concern_was_raised_is_judged_by_the_reply_that_raised_it() -> None:
    turns = [*GOOD,
             turn(4, "The police report says you were drinking.", "information", "paperwork"),
             turn(5, "Can you help me understand where Megan went that night?", "open_question")]
    report = build_report("Debs", turns, HIDDEN, None, 0.3, ended_by="person",
                          concerns=[DEBS_CONCERNS[0] | {"turns": [5]}, DEBS_CONCERNS[1] | {"turns": [4]}])
    how = {c.id: (c.how, c.turn_index) for c in report.safeguarding}
    assert how == {"megan_whereabouts": ("curious", 5), "drinking": ("paperwork", 4)}
    assert not any(p.rule == "name_the_safeguarding_worries" for p in report.next_steps)
    md = report_markdown(report)
    assert "Debs asked you to leave" in md and "with curiosity" in md and "paperwork-led" in md


def test_concerns_raised_only_by_reading_out_the_report_are_a_next_step() -> None:
    turns = [*GOOD, turn(4, "The police report says you were drinking.", "information", "paperwork"),
             turn(5, "The report says Megan went missing. Where was she?", "closed_question", "paperwork")]
    report = build_report("Debs", turns, HIDDEN, None, 0.3, ended_by="trainee",
                          concerns=[DEBS_CONCERNS[0] | {"turns": [5]}, DEBS_CONCERNS[1] | {"turns": [4]}])
    assert [c.how for c in report.safeguarding] == ["paperwork", "paperwork"]
    step = next(p for p in report.next_steps if p.rule == "raise_worries_with_curiosity")
    assert step.text.startswith("You raised where Megan went, and whether it could happen again; "
                                "and the drinking on the night of the row — led by the form")


def test_the_export_carries_who_what_and_when_and_old_reports_still_load() -> None:
    meta = ReportMeta(session_id="s-1", trainee="sian", persona_id="debs", persona="Debs",
                      started="2026-01-02T10:00:00+00:00", ended="2026-01-02T10:20:00+00:00",
                      rubric_version=1)
    report = build_report("Debs", GOOD, HIDDEN, None, 0.3, meta=meta)
    data = json.loads(report.to_json())
    assert list(data)[:2] == ["schema", "meta"]
    assert data["meta"] == meta.model_dump()
    assert SessionReport.from_json(report.to_json()) == report
    old = SessionReport.from_dict(STORED["report"])
    assert old.meta is None and old.safeguarding == () and "meta" not in old.to_dict()


def test_citations_are_clean_sentences_named_without_file_names() -> None:
    assert not is_clean_sentence("Approach. Service led: Obtaining information required for "
                                 "form filling; Personal outcomes focused: Skilled interaction")
    assert not is_clean_sentence("engage with people and help them explore their hopes and fears")
    assert not is_clean_sentence("what needs to happen?")
    assert is_clean_sentence("Personal outcomes describe what a person wants to achieve.")
    cite = Citation(citation="x", snippet="s", title="Personal outcomes", source="guidance-x.md",
                    section="What are personal outcomes?",
                    publisher="Social Care Wales (inferred; not named in the page text)")
    label = source_label(cite)
    assert label == "Personal outcomes — What are personal outcomes? (Social Care Wales)"
    assert ".md" not in label and "inferred" not in label


BRITTON_GOAL = {"summary": "find out what matters most", "uncover_any": ["cassie_wife"],
                "not_first": {"title": "where he should live, or rehoming Cassie",
                              "phrases": ["rehoming"]}}


def test_a_goal_that_says_wait_is_not_met_when_the_subject_came_first() -> None:
    told = [HiddenItemResult(id="cassie_wife", title="Cassie is his living link to his wife",
                             unlocked=True, turn_index=5, kind="outcome")]
    early = build_report("Mr Britton", GOOD, told, None, 0.3, ended_by="trainee",
                         goal=BRITTON_GOAL | {"not_first_turns": [3]})
    assert early.goal and not early.goal.met
    assert ("you raised where he should live, or rehoming Cassie (reply 3) before the person "
            "had told you what matters to them") in early.goal.detail
    assert any(p.rule == "work_towards_the_goal" for p in early.next_steps)
    # Raised after he had said what matters, it is part of the conversation, not a gap.
    later = build_report("Mr Britton", GOOD, told, None, 0.3, ended_by="trainee",
                         goal=BRITTON_GOAL | {"not_first_turns": [6]})
    assert later.goal and later.goal.met
