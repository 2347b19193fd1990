"""The session report: MITI-style indicators against the rubric's bands, what the person
shared and what stayed hidden, cited strengths and next steps, a turn-by-turn timeline,
and the trainee's trend across sessions; exported as Markdown, JSON and PNG.
"""

from __future__ import annotations

from coach.report._build import build_report
from coach.report._markdown import report_markdown
from coach.report._metrics import utterance_codes, utterance_counts
from coach.report._plot import timeline_figure, timeline_png
from coach.report._spread import SpreadPoint, spread_figure, spread_png
from coach.report._trend import trend_png
from coach.report._types import (
    ConcernResult,
    Ending,
    GoalResult,
    HiddenItemResult,
    Indicator,
    Point,
    ReportMeta,
    SessionReport,
    StanceMix,
    TurnRecord,
    Uncovered,
)

__all__ = [
    "ConcernResult",
    "Ending",
    "GoalResult",
    "HiddenItemResult",
    "ReportMeta",
    "Indicator",
    "Point",
    "SessionReport",
    "SpreadPoint",
    "StanceMix",
    "TurnRecord",
    "Uncovered",
    "build_report",
    "report_markdown",
    "spread_figure",
    "spread_png",
    "timeline_figure",
    "timeline_png",
    "trend_png",
    "utterance_codes",
    "utterance_counts",
]
