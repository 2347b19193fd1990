"""Batch scoring: a CSV of replies (each coded and, at a persona moment, the person's
reaction to it, ranked) or a whole transcript (every worker turn coded, with the practice
room's session indicators and MITI bands).

    scores = score_file("replies.csv", coder=coder, reactor=reactor, moments=moments)
    render(scores, "table")      # or "json", "jsonl", "csv"

``ScoringError`` means nothing could be scored (the message says why); a bad row or
line is in ``scores.problems`` and the rest are scored.
"""

from __future__ import annotations

from coach.scoring._input import MAX_BYTES, ScoringError, file_kind
from coach.scoring._output import Scores, render, reply_rows, score_file, turn_rows
from coach.scoring._replies import Problem, ReplyScores, ScoredReply, score_replies
from coach.scoring._transcript import TranscriptScores, Turn, parse_transcript, score_transcript

__all__ = [
    "MAX_BYTES",
    "Problem",
    "ReplyScores",
    "Scores",
    "ScoredReply",
    "ScoringError",
    "TranscriptScores",
    "Turn",
    "file_kind",
    "parse_transcript",
    "render",
    "reply_rows",
    "score_file",
    "score_replies",
    "score_transcript",
    "turn_rows",
]
