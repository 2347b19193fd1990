"""The exercise and recording screens' renderers: everything a trainee or a persona
wrote is escaped, and a member who has not answered sees no one else's reply."""

from __future__ import annotations

from coach.exercises import ExerciseView, ReplyView
from coach.recording import SessionRecording
from coach.statements import Comparison, ItemMatch, Point, StatementCheck, Verdict
from coach.ui.exercise import moment_html, my_replies_html, results_html
from coach.ui.recording import checks_html, recording_html

EVIL = "<script>alert('x')</script>"
REACTION = {"receptivity_change": -0.05, "mood": "guarded", "reply": EVIL, "unlocks": [EVIL],
            "ended": False}


def _reply(rank: int, name: str | None, mine: bool = False) -> ReplyView:
    return ReplyView(rank, name, mine, f"{EVIL} reply", "confront", "paperwork", (EVIL,), -0.6,
                     REACTION)


def _view(shows: bool = True, anonymous: bool = False) -> ExerciseView:
    replies = (_reply(1, None if anonymous else EVIL), _reply(2, None, mine=True))
    return ExerciseView(1, EVIL, EVIL, "Debs", (("worker", EVIL), ("person", EVIL)), EVIL,
                        "open", anonymous, 3, 2, False, EVIL, shows, replies if shows else (),
                        (_reply(0, "Exemplar: outcomes-focused"),) if shows else ())


def test_everything_written_is_escaped() -> None:
    for html in (moment_html(_view()), results_html(_view()),
                 my_replies_html([(_view(), _reply(0, None, mine=True))])):
        assert "<script>" not in html and "&lt;script&gt;" in html
    page = results_html(_view(anonymous=True))
    assert "Anonymous" in page and "<b>You</b>" in page and "-0.05" in page


def test_a_member_who_has_not_answered_sees_no_reply() -> None:
    page = results_html(_view(shows=False))
    assert "Answer first" in page and "script" not in page


def test_statement_feedback_is_escaped() -> None:
    check = StatementCheck(EVIL, Verdict("outcome", 0.9, {}), (Point(False, "Try again", ("voice",)),))
    assert "<script>" not in checks_html([check]) and "&lt;script&gt;" in checks_html([check])
    recording = SessionRecording("s", EVIL, (check,), Comparison(
        (ItemMatch("a", "outcome", EVIL, EVIL, True, (), 0.1),), (0,)))
    page = recording_html(recording)
    assert "<script>" not in page and "missing" not in page and "not in your statements" in page


def test_the_recording_says_how_many_things_were_recorded_and_when_there_were_none() -> None:
    check = StatementCheck("I want to walk Cassie again", Verdict("outcome", 0.9, {}), ())

    def shown(*disclosed: bool) -> str:
        items = tuple(ItemMatch(f"i{n}", "outcome", f"Item {n}", "", told, (0,) if n == 0 else (),
                                0.8) for n, told in enumerate(disclosed))
        return recording_html(SessionRecording("s", "Iris", (check,), Comparison(items, ())))

    assert "You recorded 1 of 1 thing the person told you" in shown(True)
    assert "You recorded 1 of 2 things the person told you" in shown(True, True)
    nothing = shown(False, False)
    assert "0 of" not in nothing and "did not tell you about what matters to them" in nothing


def test_the_cards_model_statement_is_offered_as_a_wording_not_as_a_quotation() -> None:
    check = StatementCheck("I want to walk Cassie again", Verdict("outcome", 0.9, {}), ())
    item = ItemMatch("cassie", "outcome", "Keeping Cassie", "I want Cassie to stay with me.",
                     True, (0,), 0.8)
    page = recording_html(SessionRecording("s", "Mr Britton", (check,), Comparison((item,), ())))
    assert "it might read: “I want Cassie to stay with me.”" in page
    assert "Keeping Cassie</b> — “" not in page
