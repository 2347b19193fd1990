"""Batch scoring through the service: anyone signed in may score a file, nobody signed
out may, and every scoring failure comes back as a ``ServiceError`` to show as it is."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from coach.batchscoring import ScoringService
from coach.scoring import ReplyScores, TranscriptScores
from coach.service import NotAllowed, ServiceError
from coach.settings import Settings
from coach.store import User
from coach.wiring import Wiring
from tests.scoring.damaged_docx import damaged_docx
from tests.support.scoring import EXAMPLES


def _user(role: str) -> User:
    return User(id=7, username=role, display_name=role.title(), role=role,
                created_at=datetime(2026, 1, 1, tzinfo=UTC))


@pytest.fixture(scope="module")
def scoring(tmp_path_factory: pytest.TempPathFactory) -> ScoringService:
    return ScoringService(Wiring(Settings.test_profile(tmp_path_factory.mktemp("score") / "data")))


@pytest.mark.parametrize("role", ["trainee", "supervisor", "admin"])
def test_every_signed_in_role_may_score(scoring: ScoringService, role: str) -> None:
    scores = scoring.score(_user(role), EXAMPLES / "debs-six-replies.csv")
    assert isinstance(scores, ReplyScores) and len(scores.rows) == 6


def test_nobody_signed_out_may_score(scoring: ScoringService) -> None:
    with pytest.raises(NotAllowed, match="Please sign in"):
        scoring.score(None, EXAMPLES / "debs-six-replies.csv")


def test_an_uploaded_copy_is_typed_by_its_own_name(scoring: ScoringService, tmp_path: Path) -> None:
    # Uploads arrive as temporary files: the name the person gave decides the kind.
    copy = tmp_path / "upload-1234"
    copy.write_bytes((EXAMPLES / "carers-assessment-outcomes.md").read_bytes())
    scores = scoring.score(_user("trainee"), copy, name="visit.md", person="Carer")
    assert isinstance(scores, TranscriptScores) and scores.name == "visit.md"


def test_scoring_errors_are_service_errors(scoring: ScoringService, tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(ServiceError, match="empty.csv is empty"):
        scoring.score(_user("trainee"), empty)


def test_a_damaged_word_document_is_a_service_error_with_a_clear_message(
    scoring: ScoringService, tmp_path: Path
) -> None:
    path = damaged_docx(tmp_path / "visit.docx", "truncated")
    with pytest.raises(ServiceError, match=r"^visit.docx could not be read as a Word document \("):
        scoring.score(_user("trainee"), path)
