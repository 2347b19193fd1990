"""The exercise and recording screens' renderers: everything a trainee or a persona
wrote is escaped, and a member who has not answered sees no one else's reply."""

from __future__ import annotations

from functools import partial

from coach.exercises import ExerciseView, ReplyView
from coach.recording import SessionRecording
from coach.statements import Comparison, ItemMatch, Point, StatementCheck, Verdict
from coach.ui.exercise import ExerciseScreen, moment_html, my_replies_html, results_html
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


def _numbered(number: int) -> ExerciseView:
    from dataclasses import replace

    return replace(_view(), id=number, title=f"Moment {number}", team="North")


class _Screen:
    """Just what ExerciseScreen's handlers use: who asks, and the exercises they may see."""

    def __init__(self, *views: ExerciseView) -> None:
        from types import SimpleNamespace

        self.views = list(views)
        self.current_user = lambda request: SimpleNamespace(id=7, role="trainee")
        self.ex = SimpleNamespace(
            exercises=lambda user: self.views, view=lambda user, number: _numbered(number),
            moment_choices=lambda: [], store=SimpleNamespace(teams_of=lambda user_id: []))
        self._shown = partial(ExerciseScreen._shown, self)


def test_opening_another_exercise_keeps_the_others_to_choose_from() -> None:
    screen = _Screen(_numbered(2), _numbered(1))
    choice, moment, _, _ = ExerciseScreen._shown(screen, None, _numbered(2))  # type: ignore[arg-type]
    assert [number for _, number in choice["choices"]] == [2, 1] and choice["value"] == 2
    assert "#2 Moment 2" in moment


def test_the_tab_shows_the_exercise_it_chooses() -> None:
    screen = _Screen(_numbered(3), _numbered(1))
    *_, choice, _closing, moment, results, _spread = ExerciseScreen.overview(screen, None)  # type: ignore[arg-type]
    assert choice["value"] == 3 and [n for _, n in choice["choices"]] == [3, 1]
    assert "#3 Moment 3" in moment and "Replies, best received first" in results
    *_, choice, _closing, empty, results, _spread = ExerciseScreen.overview(_Screen(), None)  # type: ignore[arg-type]
    assert choice["value"] is None and "No team exercises yet" in empty
