"""The supervisor's and trainee's new screens render untrusted words as text."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from coach.store import Member, Team
from coach.teams import (
    Agreement,
    AssigneeView,
    AssignmentView,
    CommentInfo,
    OverrideInfo,
    ReviewTurn,
    ReviewView,
)
from coach.ui.render import assignment_goal_markdown, chips_html
from coach.ui.supervisor import (
    agreement_html,
    assignments_html,
    dashboard_chart_html,
    dashboard_csv_html,
    review_html,
    teams_items_html,
)
from coach.views import TurnView

EVIL = "<img src=x onerror=alert(1)> **bold**"


def test_review_escapes_replies_reasons_comments_and_the_note() -> None:
    turn = ReviewTurn(index=1, trainee=EVIL, person=EVIL, code="open_question", stance="outcomes",
                      machine_code="closed_question", machine_stance="neutral", cues=(),
                      receptivity=0.4, mood="guarded", unlocked=(),
                      override=OverrideInfo("nia", EVIL, "open_question", None),
                      comments=(CommentInfo("nia", EVIL, "t"),))
    view = ReviewView("s1", "ann", "Ann", "debs", "Debs", "ended", "2025-01-01 10:00", EVIL,
                      (turn,), None, comments=(CommentInfo("nia", EVIL, "t"),),
                      note={"working_towards": EVIL, "working_well": "", "worried_about": "",
                            "needs_to_happen": "", "by": "nia"})
    shown = review_html(view)
    assert "<img" not in shown and shown.count("&lt;img") == 7  # opening, both speakers, reason, 2 comments, note
    assert "Open question" in shown and "Coder said: Closed question" in shown
    assert "What are we worried about?" in shown


def test_assignments_show_state_for_trainees_and_progress_for_supervisors() -> None:
    view = AssignmentView(1, "debs", "Debs", EVIL, "complex_reflections", date(2030, 1, 2),
                          "North", "nia", False,
                          (AssigneeView("ann", "Ann", "done", "s1", {"open_questions": "50%"}),
                           AssigneeView("bob", "Bob", "not_started")), my_state="overdue")
    trainee = assignments_html([view], trainee_view=True)
    assert "Overdue" in trainee and "&lt;img" in trainee and "<img" not in trainee
    assert "Bob" not in trainee
    supervisor = assignments_html([view], trainee_view=False)
    assert "Ann (ann): Done — open questions 50%" in supervisor and "Bob (bob): Not started" in supervisor


def test_an_assignment_without_a_due_date_is_to_do_not_due() -> None:
    view = AssignmentView(2, "britton", "Mr Britton", "Start from him", None, None, "North",
                          "nia", False, (), my_state="due")
    shown = assignments_html([view], trainee_view=True)
    assert "no due date · <span class=\"state-due\">To do</span>" in shown
    dated = assignments_html([replace(view, due=date(2030, 1, 2))], trainee_view=True)
    assert "due 02 Jan 2030 · <span class=\"state-due\">Due</span>" in dated


def test_a_trainee_sees_the_supervisors_code_and_the_coders() -> None:
    turn = TurnView(index=0, learner="x", reply="y", code="open_question", stance="outcomes",
                    cues=("a cue",), mood="", receptivity=0.5, changes=(), unlocked=(),
                    machine_code="closed_question", machine_stance="neutral")
    shown = chips_html(turn)
    assert "Open question" in shown and "the coder said Closed question · Neutral" in shown


def test_dashboard_links_carry_the_team_name_quoted_and_escaped() -> None:
    team = 'North "&" <b>East</b>/..'
    chart, csv = dashboard_chart_html(team, True), dashboard_csv_html(team)
    quoted = "North%20%22%26%22%20%3Cb%3EEast%3C%2Fb%3E%2F.."
    assert f'src="files/dashboard/{quoted}.png?at=' in chart
    assert f'href="files/dashboard/{quoted}.csv"' in csv
    assert "<b>" not in chart and "&lt;b&gt;East" in chart  # the alt text, escaped
    assert "<img" not in dashboard_chart_html(team, False)


def test_a_team_without_a_supervisor_says_so() -> None:
    made = datetime(2025, 1, 1, tzinfo=UTC)
    ann = Member(2, "ann", EVIL, "trainee")
    shown = teams_items_html([Team(1, "West", (), (ann,), made),
                              Team(2, "North", (Member(3, "nia", "Nia", "supervisor"),), (), made)])
    assert "<b>West</b>: no supervisor yet; members &lt;img" in shown and "<img" not in shown
    assert "<b>North</b>: led by nia; members none" in shown and "led by ;" not in shown


def test_agreement_counts_in_words() -> None:
    one = agreement_html(Agreement(1, 1, 0, None, None, None, ()))
    assert "over 1 reply in 1 reviewed session, 0 overridden" in one
    assert "over 4 replies in 2 reviewed sessions," in agreement_html(
        Agreement(2, 4, 1, 0.5, 0.5, 0.75, ()))


def test_an_assignments_goal_shows_under_the_brief_as_written() -> None:
    shown = assignment_goal_markdown(EVIL, "complex_reflections")
    assert "Your assignment's goal:" in shown and "complex reflections" in shown
    # Text, not HTML or Markdown: the Markdown component shows the characters as typed.
    assert "\\<img" in shown and "\\*\\*bold\\*\\*" in shown
    assert "Skill to focus on" not in assignment_goal_markdown("Ask what matters")
