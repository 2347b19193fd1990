"""The turn-by-turn timeline: how receptive the person was after each reply, each reply
marked by its code (colour) and stance (shape), with the moments something hidden came out.

Built on ``matplotlib.figure.Figure`` directly rather than pyplot: no global figure state
and no display backend, so it is safe in a web server's worker threads.
"""

from __future__ import annotations

from pathlib import Path

from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from coach.coding import CODE_LABELS, CODES, STANCE_LABELS, STANCES
from coach.report._types import SessionReport
from coach.roleplay import MOOD_BANDS, MOOD_LABELS

# Colour-blind-safe (Okabe–Ito based): OARS skills in blues, greens, purple and orange;
# the moves that tend to close people down in vermilion and pink; the rest in greys.
CODE_COLOURS: dict[str, str] = {
    "open_question": "#0072B2",
    "closed_question": "#56B4E9",
    "reflection_simple": "#7FCDBB",
    "reflection_complex": "#009E73",
    "summary": "#6A3D9A",
    "affirmation": "#E69F00",
    "information": "#7F7F7F",
    "advice": "#CC79A7",
    "confront": "#D55E00",
    "other": "#BDBDBD",
}
STANCE_MARKERS: dict[str, str] = {"outcomes": "o", "neutral": "s", "paperwork": "v"}
MOOD_SHADES = ("#F6E0DC", "#FBF0DA", "#EAF3E6", "#DCEFE4")  # shut down → open
UNLOCK_COLOUR = "#6A3D9A"
# Figure layout, in inches: the legend and the mood labels take the right-hand margin.
HEIGHT, LEFT_IN, RIGHT_IN, BOTTOM_IN, TOP_IN = 4.8, 0.75, 4.0, 0.6, 0.45
RECEPTIVITY_LINE = "receptivity"  # the gid of the line, so tests and tools can find it


def _shorten(text: str, limit: int = 38) -> str:
    text = " ".join(text.split())
    text = text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
    return text.replace("$", r"\$")  # a pair of $ would otherwise start mathtext


def timeline_figure(report: SessionReport) -> Figure:
    """Receptivity turn by turn, each reply's code and stance, and what came out when."""
    persona_name, turns = report.persona_name, report.turns
    uncovered, start_receptivity = report.uncovered, report.start_receptivity
    n = len(turns)
    width = min(16.0, 10.5 + n * 0.03)
    # A fixed layout in inches (axes, then mood labels, then the legend) rather than
    # constrained layout, which measures every text twice: half the time for 200 turns.
    fig = Figure(figsize=(width, HEIGHT), dpi=100)
    ax = fig.add_axes((
        LEFT_IN / width, BOTTOM_IN / HEIGHT,
        1 - (LEFT_IN + RIGHT_IN) / width, 1 - (BOTTOM_IN + TOP_IN) / HEIGHT,
    ))

    # Mood bands behind everything, labelled at the right-hand edge.
    lower = 0.0
    bands = [*MOOD_BANDS, (1.0, "open")]
    for k, ((upper, mood), shade) in enumerate(zip(bands, MOOD_SHADES, strict=True)):
        # The outer bands run past 0 and 1 so that markers at the limits sit on colour.
        ax.axhspan(lower if k else -0.1, upper if k < len(bands) - 1 else 1.1, color=shade,
                   zorder=0, linewidth=0)
        ax.text(
            1.005, (lower + upper) / 2, MOOD_LABELS.get(mood, mood), transform=ax.get_yaxis_transform(),
            va="center", ha="left", fontsize=8, color="#555555",
        )
        lower = upper

    xs = [0, *(t.index for t in turns)]
    ys = [start_receptivity, *(t.receptivity for t in turns)]
    (line,) = ax.plot(xs, ys, color="#333333", linewidth=1.4, zorder=2, label="Receptivity")
    line.set_gid(RECEPTIVITY_LINE)
    ax.plot([0], [start_receptivity], marker="D", color="#333333", markersize=5, zorder=3)

    # One scatter per (code, stance): a handful of artists even for a 200-turn session.
    for code in CODES:
        for stance in STANCES:
            pts = [t for t in turns if t.coded.code == code and t.coded.stance == stance]
            if pts:
                ax.scatter(
                    [t.index for t in pts], [t.receptivity for t in pts],
                    c=CODE_COLOURS[code], marker=STANCE_MARKERS[stance], s=46 if n <= 60 else 22,
                    edgecolors="#222222", linewidths=0.5, zorder=4,
                )

    # Each unlock: a dotted line at its turn, numbered at the top; the legend says what
    # came out. Numbers rather than titles on the plot keep it readable at any length.
    by_turn = {t.index: t for t in turns}
    unlocks = [u for u in uncovered if u.turn_index in by_turn]
    for k, item in enumerate(unlocks, 1):
        x = item.turn_index
        if x is None:  # filtered above; says so to the type checker
            continue
        ax.axvline(x, color=UNLOCK_COLOUR, linestyle=":", linewidth=0.9, zorder=1)
        ax.scatter([x], [by_turn[x].receptivity], s=160 if n <= 60 else 90, facecolors="none",
                   edgecolors=UNLOCK_COLOUR, linewidths=1.2, zorder=5)
        ax.text(x, 0.975, str(k), ha="center", va="center", fontsize=8, color="white",
                fontweight="bold", zorder=6,
                bbox={"boxstyle": "circle,pad=0.25", "fc": UNLOCK_COLOUR, "ec": "none"})

    ax.set_xlim(-0.5, max(1, xs[-1]) + 0.5)
    ax.set_ylim(-0.03, 1.03)  # room for the markers at 0 and 1
    ax.set_yticks([0, 0.2, 0.4, 0.6, 0.8, 1.0])
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("Trainee reply (turn)")
    ax.set_ylabel("Receptivity (0 closed – 1 open)")
    ax.set_title(f"How {_shorten(persona_name, 60)} responded, reply by reply")
    ax.grid(axis="y", color="white", linewidth=0.8)
    if not turns:
        ax.text(0.5, 0.5, "No replies in this session", transform=ax.transAxes,
                ha="center", va="center", fontsize=12, color="#555555")

    used_codes = [c for c in CODES if any(t.coded.code == c for t in turns)]
    used_stances = [s for s in STANCES if any(t.coded.stance == s for t in turns)]
    handles = [
        Line2D([], [], linestyle="", marker="o", markersize=7, markerfacecolor=CODE_COLOURS[c],
               markeredgecolor="#222222", label=CODE_LABELS[c])
        for c in used_codes
    ] + [
        Line2D([], [], linestyle="", marker=STANCE_MARKERS[s], markersize=7, markerfacecolor="white",
               markeredgecolor="#222222", label=STANCE_LABELS[s])
        for s in used_stances
    ]
    handles += [
        Line2D([], [], linestyle="", marker=f"${k}$", markersize=7, color=UNLOCK_COLOUR,
               label=f"Turn {item.turn_index}: {_shorten(item.title, 36)}")
        for k, item in enumerate(unlocks, 1)
    ]
    if handles:
        fig.legend(
            handles=handles, loc="upper left", fontsize=8, frameon=False,
            bbox_to_anchor=(1 - (RIGHT_IN - 0.75) / width, 1 - TOP_IN / HEIGHT),
            title="Colour: code · Shape: stance\nNumbered: what came out", title_fontsize=8,
        )
    return fig


def timeline_png(report: SessionReport, path: Path | str) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    timeline_figure(report).savefig(path, format="png")
    return path
