"""Batch scoring as a service operation, for the web app's upload and the ``coach score``
command alike: anyone signed in may score a file (nothing is stored, so there is nothing
of anyone else's to see); nobody signed out may.

    scoring = ScoringService(service.parts)
    scores = scoring.score(user, "/tmp/upload/replies.csv", persona="debs")

Scoring errors come back as ``ServiceError`` with the message to show; a bad row or line
is reported in ``scores.problems`` and the rest are scored.
"""

from __future__ import annotations

from pathlib import Path

from coach.retrieval import Passage, SearchError
from coach.scoring import Scores, ScoringError, score_file
from coach.service import NotAllowed, ServiceError
from coach.store import User
from coach.wiring import Wiring


class ScoringService:
    def __init__(self, parts: Wiring) -> None:
        self.parts = parts

    def _guidance(self, query: str) -> list[Passage]:
        try:
            return self.parts.knowledge.search(query, k=6, kind="guidance")
        except SearchError:
            return []

    def score(
        self,
        user: User | None,
        path: str | Path,
        *,
        name: str | None = None,
        persona: str | None = None,
        worker: str = "Worker",
        person: str = "Person",
        cite: bool = False,
    ) -> Scores:
        """Score a reply CSV or a transcript at ``path`` (``name``: the file's own name
        when ``path`` is a temporary copy). ``cite`` grounds a transcript report's
        strengths and next steps in the guidance (it needs the knowledge index)."""
        if user is None:
            raise NotAllowed("Please sign in to score a file.")
        from coach.coaching import load_rubric

        try:
            return score_file(
                path, name=name, coder=self.parts.coder, reactor=self.parts.reactor,
                moments=self.parts.moments,
                rubric=load_rubric(self.parts.settings.knowledge.rubric_path),
                search=self._guidance if cite else None,
                persona=persona or None, worker=worker or "Worker", person=person or "Person",
            )
        except ScoringError as exc:
            raise ServiceError(str(exc)) from exc
