"""A trainee's trend across ended sessions: the report indicators, session by session."""

from __future__ import annotations

from pathlib import Path
from typing import Any

# (indicator key, label, scale to a percentage?)
SERIES = (
    ("reflection_to_question", "Reflections per question", False),
    ("complex_reflections", "Complex reflections (%)", True),
    ("open_questions", "Open questions (%)", True),
    ("outcomes_focus", "Outcomes focus (−1 to +1)", False),
)


def trend_png(reports: list[tuple[str, dict[str, Any]]], path: Path) -> Path | None:
    """Plot ``(label, report dict)`` pairs, oldest first; None when nothing has ended yet."""
    if not reports:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 2, figsize=(10, 6), sharex=True)
    x = list(range(1, len(reports) + 1))
    for ax, (key, label, percent) in zip(axes.flat, SERIES, strict=True):
        values = []
        for _, report in reports:
            item = next((i for i in report.get("indicators", []) if i.get("name") == key), None)
            value = item.get("value") if item else None
            values.append(None if value is None else value * (100 if percent else 1))
        points = [(xi, v) for xi, v in zip(x, values, strict=True) if v is not None]
        if points:
            ax.plot([p[0] for p in points], [p[1] for p in points], marker="o", color="#1d3f91")
        item = next((i for i in reports[-1][1].get("indicators", []) if i.get("name") == key), None)
        if item and item.get("fair") is not None:
            scale = 100 if percent else 1
            ax.axhline(item["fair"] * scale, color="#f0ad4e", linestyle="--", linewidth=1, label="fair")
            ax.axhline(item["good"] * scale, color="#5cb85c", linestyle="--", linewidth=1, label="good")
            ax.legend(loc="best", fontsize=8)
        if percent:  # a share reads against its whole range
            ax.set_ylim(-3, 103)
        if not points:
            ax.text(0.5, 0.5, "nothing to count yet", ha="center", va="center",
                    transform=ax.transAxes, color="#555555", fontsize=9,
                    bbox={"facecolor": "white", "edgecolor": "none"})
        ax.set_title(label, fontsize=10)
        ax.grid(alpha=0.3)
    for ax in axes[1]:
        ax.set_xlabel("Session")
        ax.set_xticks(x)
    fig.suptitle("Your practice across sessions")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
