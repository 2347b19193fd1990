"""The team dashboard: each ended session's practice indicators, per trainee and for the
team over time, against the rubric's MITI fair and good bands; as a table, CSV, JSON and a
plot. These are practice indicators, not performance ratings: the words say so wherever
they are shown."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from statistics import mean
from typing import Any

from coach.text import spreadsheet_text

NOT_RATINGS = ("These are practice indicators, not performance ratings: they describe how "
               "practice conversations went, to guide supervision and learning, and are not a "
               "measure of anyone's work with real people.")

# (field, label, rubric threshold it is banded by or None); counts are per 10 replies so
# that sessions of different lengths compare, as the rubric's own count levels do.
INDICATORS: tuple[tuple[str, str, str | None], ...] = (
    ("reflection_to_question", "Reflections per question", "reflection_to_question"),
    ("complex_reflections_pct", "Complex reflections (%)", "complex_reflections"),
    ("open_questions_pct", "Open questions (%)", "open_questions"),
    ("affirmations_per_10", "Affirmations per 10 replies", "affirmations"),
    ("summaries_per_10", "Summaries per 10 replies", "summaries"),
    ("outcomes_focus", "Outcomes focus (−1 to +1)", "outcomes_focus"),
    ("hidden_uncovered_pct", "What matters uncovered (%)", None),
)


@dataclass(frozen=True)
class DashboardRow:
    """One ended session of one trainee."""

    team: str
    trainee: str
    display_name: str
    session_id: str
    ended: str  # ISO date
    persona: str
    replies: int
    reflection_to_question: float | None
    complex_reflections_pct: float | None
    open_questions_pct: float | None
    affirmations: int | None
    affirmations_per_10: float | None
    summaries: int | None
    summaries_per_10: float | None
    outcomes_focus: float | None
    hidden_uncovered: int
    hidden_total: int
    hidden_uncovered_pct: float | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def dashboard_row(team: str, trainee: str, display_name: str, session_id: str,
                  ended: datetime, report: dict[str, Any]) -> DashboardRow:
    """The dashboard's numbers from a stored report (which carries the human codes
    wherever a supervisor overrode the coder)."""
    values = {i["name"]: i.get("value") for i in report.get("indicators", [])}
    replies = len(report.get("turns", []))

    def pct(name: str) -> float | None:
        value = values.get(name)
        return None if value is None else round(100 * value, 1)

    def count(name: str) -> tuple[int | None, float | None]:
        value = values.get(name)
        if value is None or not replies:
            return None, None
        return int(value), round(10 * value / replies, 2)

    affirmations, aff_10 = count("affirmations")
    summaries, sum_10 = count("summaries")
    uncovered, hidden = len(report.get("uncovered", [])), len(report.get("hidden", []))
    rq = values.get("reflection_to_question")
    focus = values.get("outcomes_focus")
    return DashboardRow(
        team=team, trainee=trainee, display_name=display_name, session_id=session_id,
        ended=ended.date().isoformat(), persona=str(report.get("persona_name", "")),
        replies=replies, reflection_to_question=None if rq is None else round(rq, 2),
        complex_reflections_pct=pct("complex_reflections"),
        open_questions_pct=pct("open_questions"),
        affirmations=affirmations, affirmations_per_10=aff_10,
        summaries=summaries, summaries_per_10=sum_10,
        outcomes_focus=None if focus is None else round(focus, 2),
        hidden_uncovered=uncovered, hidden_total=hidden,
        hidden_uncovered_pct=round(100 * uncovered / hidden, 1) if hidden else None,
    )


def summary(rows: Sequence[DashboardRow], members: Sequence[str] = ()) -> list[dict[str, Any]]:
    """Per trainee and for the whole team: sessions and the mean of each indicator. Every
    one of ``members`` has a line, 0 sessions included, so who has not practised shows."""
    groups: dict[str, list[DashboardRow]] = {name: [] for name in members}
    for row in rows:
        groups.setdefault(row.trainee, []).append(row)
    out = [_mean_of(name, group) for name, group in sorted(groups.items())]
    if rows:
        out.append(_mean_of("(team)", list(rows)))
    return out


def _mean_of(who: str, rows: Sequence[DashboardRow]) -> dict[str, Any]:
    entry: dict[str, Any] = {"trainee": who, "sessions": len(rows)}
    for field, _, _ in INDICATORS:
        values = [getattr(r, field) for r in rows if getattr(r, field) is not None]
        entry[field] = round(mean(values), 2) if values else None
    return entry


def _csv_cell(value: Any) -> Any:
    # Names, teams and personas are typed by people and may begin like a formula; a
    # number the dashboard computed cannot, and stays a number ("-0.25", not text).
    if value is None:
        return ""
    if not isinstance(value, str):
        return value
    return spreadsheet_text(value)


def to_csv(rows: Iterable[DashboardRow]) -> str:
    """One line per session. Any text cell that begins like a formula (=, +, -, @, tab
    or carriage return) is prefixed with ' so that a spreadsheet shows it as text."""
    fields = list(DashboardRow.__dataclass_fields__)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _csv_cell(v) for k, v in row.to_dict().items()})
    return buffer.getvalue()


def bands(thresholds: Any) -> dict[str, tuple[float, float]]:
    """The fair and good levels of each banded indicator, in the dashboard's units."""
    out: dict[str, tuple[float, float]] = {}
    for field, _, key in INDICATORS:
        if key is None:
            continue
        band = getattr(thresholds, key)
        if hasattr(band, "fair_per_10"):
            out[field] = (band.fair_per_10, band.good_per_10)
        elif field.endswith("_pct"):
            out[field] = (100 * band.fair, 100 * band.good)
        else:
            out[field] = (band.fair, band.good)
    return out


def dashboard_png(rows: Sequence[DashboardRow], levels: dict[str, tuple[float, float]],
                  path: Path, title: str) -> Path | None:
    """Each indicator over time: a line per trainee, the team's weekly mean dashed, the
    fair band shaded amber and the good band green. None when nothing has ended yet."""
    if not rows:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 4, figsize=(14, 6.5))
    by_trainee: dict[str, list[DashboardRow]] = defaultdict(list)
    for row in sorted(rows, key=lambda r: (r.ended, r.session_id)):
        by_trainee[row.trainee].append(row)
    for ax, (field, label, _) in zip(axes.flat, INDICATORS, strict=False):
        if field in levels:
            fair, good = levels[field]
            top = max([good * 1.5, *(getattr(r, field) or 0 for r in rows)])
            ax.axhspan(fair, good, color="#f0ad4e", alpha=0.18, label="fair")
            ax.axhspan(good, top, color="#5cb85c", alpha=0.15, label="good")
        for trainee, own in by_trainee.items():
            points = [(datetime.fromisoformat(r.ended), getattr(r, field)) for r in own
                      if getattr(r, field) is not None]
            if points:
                ax.plot(*zip(*points, strict=True), marker="o", label=trainee)
        weekly = _weekly_mean(rows, field)
        if weekly:
            ax.plot(*zip(*weekly, strict=True), color="black", linestyle="--", linewidth=1.2,
                    marker="s", markersize=4, label="team (weekly mean)")
        if "(%)" in label:  # a share reads against its whole range, not a zoom on 0
            ax.set_ylim(-3, 103)
        ax.set_title(label, fontsize=10)
        ax.grid(alpha=0.3)
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))
        ax.tick_params(axis="x", labelsize=8, rotation=30)
    legend_ax = axes.flat[-1]
    handles, labels = axes.flat[0].get_legend_handles_labels()
    legend_ax.axis("off")
    legend_ax.legend(handles, labels, loc="center", fontsize=9)
    legend_ax.text(0.5, 0.02, "Practice indicators,\nnot performance ratings", ha="center",
                   va="bottom", fontsize=9, transform=legend_ax.transAxes)
    fig.suptitle(title)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def _weekly_mean(rows: Sequence[DashboardRow], field: str) -> list[tuple[datetime, float]]:
    weeks: dict[datetime, list[float]] = defaultdict(list)
    for row in rows:
        value = getattr(row, field)
        if value is not None:
            day = datetime.fromisoformat(row.ended)
            weeks[day - timedelta(days=day.weekday())].append(value)
    return [(week, mean(values)) for week, values in sorted(weeks.items())]
