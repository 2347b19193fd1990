"""The session report as Markdown, for download and for the report screen.

Anything the trainee or the role-played person typed is escaped, so a reply containing
"|", "*" or "<script>" shows as typed and can neither break a table nor inject markup.
"""

from __future__ import annotations

from coach.coaching import source_label
from coach.coding import CODE_LABELS, STANCE_LABELS, STANCES
from coach.report._types import Indicator, Point, SessionReport
from coach.text import escape_markdown


def _levels(row: Indicator) -> tuple[str, str]:
    return row.level(row.fair), row.level(row.good)


def _point(n: int, point: Point) -> list[str]:
    lines = [f"{n}. {escape_markdown(point.text)}"]
    if point.citation:
        lines.append(f"   > “{escape_markdown(point.citation.snippet)}”  ")
        lines.append(f"   > — {escape_markdown(source_label(point.citation))}")
    return lines


_HOW = {
    "curious": "honestly and openly, with curiosity — as the guidance describes",
    "direct": "directly, with a closed question",
    "paperwork": "led by the form, the report or the risk (paperwork-led)",
}


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _visit(report: SessionReport) -> list[str]:
    """How it ended, the brief's goal and the safeguarding balance."""
    out: list[str] = []
    if report.ending:
        out += ["", "## How the visit ended", "", escape_markdown(report.ending.text)]
    if report.goal:
        g = report.goal
        out += ["", "## The brief's goal", "",
                f"**{'Met' if g.met else 'Not met'}** — {escape_markdown(g.summary)}. "
                f"{escape_markdown(_sentence(g.detail.split(': ', 1)[-1]))}"]
    if report.safeguarding:
        out += ["", "## Safeguarding", ""]
        reached = [c for c in report.safeguarding if c.raised]
        if not reached:
            out.append("**The conversation never reached the safeguarding concerns**, however the "
                       "other indicators look. See the next steps.")
            out.append("")
        for c in report.safeguarding:
            if c.raised:
                said = f" You said: “{escape_markdown(c.learner or '', 200)}”" if c.learner else ""
                out.append(f"- **{escape_markdown(c.title)}** — raised at turn {c.turn_index}, "
                           f"{_HOW[c.how or 'direct']}.{said}")
            else:
                out.append(f"- **{escape_markdown(c.title)}** — not raised.")
    return out


def report_markdown(report: SessionReport, *, hidden_parts: bool = True) -> str:
    """``hidden_parts=False`` leaves out what only a role-play has: the person's
    receptivity and mood, what they shared and what stayed hidden (a scored transcript)."""
    name = escape_markdown(report.persona_name)
    n = len(report.turns)
    out = [f"# Session report: {name}", ""]
    if n and not hidden_parts:
        out.append(f"{n} {'reply' if n == 1 else 'replies'} coded")
    elif n:
        end_mood = report.turns[-1].mood
        out.append(
            f"{n} {'reply' if n == 1 else 'replies'} · receptivity {report.start_receptivity:.2f} → "
            f"{report.end_receptivity:.2f} ({escape_markdown(end_mood)}) · "
            f"{len(report.uncovered)} of {len(report.hidden)} hidden items uncovered"
        )
    else:
        out.append("No replies were recorded in this session.")
    if report.meta:
        m = report.meta
        when = m.started.replace("T", " ")[:16]
        out += ["", f"Trainee: {escape_markdown(m.trainee)} · started {when} · "
                    f"session {escape_markdown(m.session_id)} · rubric version {m.rubric_version}"]
    out += _visit(report)
    out += ["", "## Indicators", ""]
    out += ["| Indicator | This session | Fair | Good | Band |", "|---|---|---|---|---|"]
    for row in report.indicators:
        fair, good = _levels(row)
        out.append(f"| {row.label} | {row.display} | {fair} | {good} | {row.band} |")
    out += [""]
    out += [f"- **{row.label}**: {row.explanation}" for row in report.indicators]
    out += [
        "",
        "Counts follow MITI: every question, reflection and affirmation in a reply counts, "
        "not only the reply's main code (a reply a supervisor has overridden counts once, as "
        "the supervisor's code). Thresholds follow the MITI (Motivational Interviewing "
        "Treatment Integrity) fair and good levels where MITI sets them.",
        "",
        "## Outcomes focus",
        "",
    ]
    mix = report.stance_mix
    if mix.mean_score is None:
        out.append("No replies to weigh.")
    else:
        parts = [
            f"{STANCE_LABELS[s].lower()} {mix.share(s):.0%} ({mix.counts.get(s, 0)})" for s in STANCES
        ]
        out.append(
            f"Mean outcomes score **{mix.mean_score:+.2f}** (−1 led by paperwork or risk … "
            f"+1 led by what matters). Replies by stance: {', '.join(parts)}."
        )

    if hidden_parts:
        out += _hidden_sections(report, name)
    out += ["", "## Strengths", ""]
    if not report.strengths:
        out.append("None to report without any replies.")
    for k, point in enumerate(report.strengths, 1):
        out += _point(k, point)
    out += ["", "## Next steps", ""]
    for k, point in enumerate(report.next_steps, 1):
        out += _point(k, point)

    if report.turns:
        out += ["", "## Turn by turn", ""]
        if hidden_parts:
            out += ["| Turn | Your reply | Code | Stance | Receptivity | Mood | Came out |",
                    "|---|---|---|---|---|---|---|"]
        else:
            out += ["| Turn | Reply | Code | Stance |", "|---|---|---|---|"]
        titles = {h.id: h.title for h in report.hidden}
        for t in report.turns:
            line = (f"| {t.index} | {escape_markdown(t.learner, 200)} | {CODE_LABELS.get(t.coded.code, t.coded.code)} | "
                    f"{STANCE_LABELS.get(t.coded.stance, t.coded.stance)} |")
            if hidden_parts:
                came_out = "; ".join(escape_markdown(titles.get(u, u)) for u in t.unlocked)
                line += f" {t.receptivity:.2f} | {escape_markdown(t.mood)} | {came_out} |"
            out.append(line)
    if report.notes:
        out += ["", "## Notes", ""]
        out += [f"- {note}" for note in report.notes]
    return "\n".join(out) + "\n"


def _hidden_sections(report: SessionReport, name: str) -> list[str]:
    """What the person shared (and on which line) and what stayed hidden."""
    out = ["", "## What the person shared", ""]
    if not report.uncovered:
        out.append("Nothing hidden came out in this session.")
    for item in report.uncovered:
        where = f"turn {item.turn_index}" if item.turn_index is not None else "turn not recorded"
        out.append(f"- **{escape_markdown(item.title)}** ({item.kind}) — {where}")
        if item.learner is not None:
            code = f" ({CODE_LABELS.get(item.code or '', item.code).lower()})" if item.code else ""
            out.append(f"  - You said{code}: “{escape_markdown(item.learner, 300)}”")
        if item.reply:
            out.append(f"  - {name} said: “{escape_markdown(item.reply, 300)}”")

    out += ["", "## What stayed hidden", ""]
    if not report.missed:
        out.append("Nothing: everything the person had to share came out." if report.hidden
                   else "This scenario has no hidden items.")
    out += [f"- **{escape_markdown(m.title)}** ({m.kind})" for m in report.missed]
    return out
