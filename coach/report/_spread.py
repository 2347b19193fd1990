"""The spread of a team's replies to one moment: each reply's stance (the coder's
outcomes score, −1 paperwork-led to +1 outcomes-focused) against how the person's
receptivity changed in reaction, coloured by code, labelled by rank (never by name, so
the picture can go on a shared screen whatever the exercise's anonymity)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from coach.coding import CODE_LABELS
from coach.report._plot import CODE_COLOURS, STANCE_MARKERS


@dataclass(frozen=True)
class SpreadPoint:
    rank: int
    code: str
    stance: str
    outcomes_score: float
    receptivity_change: float
    exemplar: bool = False


def spread_figure(points: Sequence[SpreadPoint], title: str) -> Figure:
    fig = Figure(figsize=(8.5, 4.8), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    ax.axhline(0, color="#888888", linewidth=0.8, zorder=1)
    ax.axvline(0, color="#cccccc", linewidth=0.8, zorder=1)
    for p in points:
        ax.scatter([p.outcomes_score], [p.receptivity_change], s=90,
                   c=CODE_COLOURS.get(p.code, "#BDBDBD"), marker=STANCE_MARKERS.get(p.stance, "o"),
                   edgecolors="#222222", linewidths=1.6 if p.exemplar else 0.6, zorder=3)
        ax.annotate("E" if p.exemplar else str(p.rank), (p.outcomes_score, p.receptivity_change),
                    xytext=(6, 4), textcoords="offset points", fontsize=9)
    changes = [p.receptivity_change for p in points] or [0.0]
    span = max(0.1, max(abs(c) for c in changes) * 1.2)
    ax.set_xlim(-1.1, 1.1)
    ax.set_ylim(-span, span)
    ax.set_xlabel("Stance (−1 paperwork/risk-led … +1 outcomes-focused)")
    ax.set_ylabel("Change in receptivity")
    ax.set_title(title[:80].replace("$", r"\$"))
    ax.grid(color="#eeeeee", linewidth=0.6)
    codes = list(dict.fromkeys(p.code for p in points))
    handles = [Line2D([], [], linestyle="", marker="o", markersize=7,
                      markerfacecolor=CODE_COLOURS.get(c, "#BDBDBD"), markeredgecolor="#222222",
                      label=CODE_LABELS.get(c, c)) for c in codes]
    if any(p.exemplar for p in points):
        handles.append(Line2D([], [], linestyle="", marker="$E$", color="#222222",
                              label="Exemplar reply"))
    if handles:
        ax.legend(handles=handles, loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8,
                  frameon=False, title="Numbers: rank", title_fontsize=8)
    if not points:
        ax.text(0.5, 0.5, "No replies yet", transform=ax.transAxes, ha="center", va="center")
    return fig


def spread_png(points: Sequence[SpreadPoint], title: str, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    spread_figure(points, title).savefig(path, format="png")
    return path
