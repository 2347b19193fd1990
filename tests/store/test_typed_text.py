"""What a person types reaches the database as text every backend can hold: control
characters nobody means to type (PostgreSQL refuses NUL outright) are dropped by the
service on the way in, and a reply of nothing but invisible characters is refused."""

from __future__ import annotations

import pytest

from coach.service import CoachService, ServiceError
from coach.settings import DatabaseSettings, Settings
from coach.supervision import SupervisionService


def _service(indexed_settings: Settings, db_url: str) -> CoachService:
    return CoachService(Settings.test_profile(
        indexed_settings.data_dir, database=DatabaseSettings.model_construct(url=db_url)))


def test_control_characters_are_dropped_from_replies_and_comments(
        indexed_settings: Settings, db_url: str) -> None:
    service = _service(indexed_settings, db_url)
    service.store.add_user("tia", "a-good-password", "trainee")
    tia = service.store.get_user_by_name("tia")
    view = service.start_session(tia, "debs")
    view = service.take_turn(tia, view.id, "What\x00 matters\x07 to you\r\ntoday?")
    assert view.turns[-1].learner == "What matters to you\ntoday?"
    review = SupervisionService(service).comment(tia, view.id, 1, "I\x00 was nervous here.")
    assert [c.text for c in review.turns[0].comments] == ["I was nervous here."]
    stored = service.store.get_session(view.id)
    assert stored.turns[0].learner == "What matters to you\ntoday?"


@pytest.mark.parametrize("invisible", ["\u200b", "\u2060\ufeff", "\x00", "\u3164", "\u2800", " \u00a0 "])
def test_a_reply_of_invisible_characters_is_refused_and_nothing_is_stored(
        indexed_settings: Settings, db_url: str, invisible: str) -> None:
    service = _service(indexed_settings, db_url)
    service.store.add_user("ian", "a-good-password", "trainee")
    ian = service.store.get_user_by_name("ian")
    view = service.start_session(ian, "britton")
    with pytest.raises(ServiceError, match="empty"):
        service.take_turn(ian, view.id, invisible)
    assert service.store.get_session(view.id).turn_count == 0
