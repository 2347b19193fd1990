"""The "Try again" tab's list of sessions to go back into."""

from __future__ import annotations

from coach.ui.rewind import session_choices
from coach.views import HistoryRow


def test_the_sessions_count_their_replies_in_words() -> None:
    rows = [HistoryRow("s1", "Debs", "2025-01-02 10:00", "ended", 1),
            HistoryRow("s2", "Iris", "2025-01-03 11:00", "active", 3)]
    assert session_choices(rows) == [("2025-01-02 10:00 · Debs · 1 reply", "s1"),
                                     ("2025-01-03 11:00 · Iris · 3 replies · unfinished", "s2")]
