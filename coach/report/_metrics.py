"""Session indicators (MITI-style, against the rubric's thresholds) and the metrics that
the rubric's strength and next-step rules test.

The counts follow MITI, which counts behaviours, not turns: every question, every
reflection and every affirmation in a reply counts, so "That sounds hard. What helped?
And who was there?" is one reflection and two questions (see ``utterance_codes``). The
reply keeps one primary code for display. Summaries are reflections (as in MITI 4, where
a summary is coded as a reflection) and, since they gather several things the person said
into one meaning, they count as complex reflections. A reply a supervisor has overridden
counts only as its human code: the service builds reports from results that carry it
(``coach.teams.with_human_code`` replaces the coder's sentence codes with the human one).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

from coach.coaching import Condition, CountBand, Rubric, Rule
from coach.coding import CODE_LABELS, STANCE_LABELS, STANCES, CodeResult
from coach.report._types import BandName, HiddenItemResult, Indicator, StanceMix, TurnRecord
from coach.text import counted

# Counts that mean "not measured" rather than "none" when there were no replies.
COUNT_METRICS = (
    "reflections", "simple_reflections", "complex_reflection_count", "questions",
    "open_question_count",
    "closed_questions", "advice", "confronts", "information", "affirmations", "summaries",
    "longest_question_run",
)
EPSILON = 1e-9  # so that 0.1 + 0.2 style float error never drops a value below its band


def band_for(value: float | None, fair: float, good: float) -> BandName:
    if value is None:
        return "n/a"
    if value >= good - EPSILON:
        return "good"
    if value >= fair - EPSILON:
        return "fair"
    return "below fair"


def count_levels(band: CountBand, replies: int) -> tuple[int, int]:
    """Fair and good counts for a conversation of ``replies`` trainee replies."""
    fair = max(band.fair_min, math.ceil(band.fair_per_10 * replies / 10 - EPSILON))
    good = max(band.good_min, math.ceil(band.good_per_10 * replies / 10 - EPSILON), fair)
    return fair, good


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def stance_mix(turns: Sequence[TurnRecord]) -> StanceMix:
    counts = {s: 0 for s in STANCES}
    for t in turns:
        counts[t.coded.stance] = counts.get(t.coded.stance, 0) + 1
    mean = sum(t.coded.outcomes_score for t in turns) / len(turns) if turns else None
    return StanceMix(counts=counts, mean_score=None if mean is None else round(mean, 4))


_REFLECTIVE = frozenset({"reflection_simple", "reflection_complex", "summary"})
_QUESTIONS = frozenset({"open_question", "closed_question"})


def utterance_codes(coded: CodeResult) -> list[str]:
    """The codes one reply adds to the session's counts, one per behaviour in it.

    The rule (MITI 4.2.1 counts behaviours, not turns):
    - each sentence's code counts, so a reflection followed by two questions adds one
      reflection and two questions;
    - a reply coded as a summary counts once, as a summary: its reflective sentences are
      that one summary, while a question or affirmation inside it still counts;
    - a reply a supervisor has overridden counts only as the human code (its result comes
      from ``coach.teams.with_human_code``, which leaves one sentence with that code);
    - a reply whose sentences are not recorded counts as its primary code.
    """
    sentences: list[str] = [s.code for s in coded.sentences]
    if not sentences:
        return [coded.code]
    if coded.code == "summary":
        return ["summary", *(c for c in sentences if c not in _REFLECTIVE)]
    if coded.code not in sentences:
        # The primary code always counts, even when a record's sentences disagree with it.
        sentences.append(coded.code)
    return sentences


def utterance_counts(turns: Sequence[TurnRecord]) -> Counter[str]:
    """Counts of every code over a session's replies (see ``utterance_codes``)."""
    counts: Counter[str] = Counter()
    for t in turns:
        counts.update(utterance_codes(t.coded))
    return counts


def indicators(
    turns: Sequence[TurnRecord], rubric: Rubric
) -> tuple[list[Indicator], dict[str, Any]]:
    """The six indicators, and every metric the rubric's rules and templates may use.

    Counts are per behaviour (``utterance_codes``), with any supervisor's code already in
    the turns' results.
    """
    th = rubric.thresholds
    tally = utterance_counts(turns)
    n = len(turns)
    simple = tally["reflection_simple"]
    complex_ = tally["reflection_complex"] + tally["summary"]
    reflections = simple + complex_
    open_q = tally["open_question"]
    closed_q = tally["closed_question"]
    questions = open_q + closed_q
    affirmations = tally["affirmation"]
    summaries = tally["summary"]
    mix = stance_mix(turns)
    empty = n == 0

    rq = reflections / questions if questions else None
    if empty:
        rq_display = "n/a (no replies)"
    elif questions == 0:
        rq_display = "no questions asked"
    else:
        rq_display = f"{rq:.1f}:1 ({counted(reflections, 'reflection')}, {counted(questions, 'question')})"
    complex_share = complex_ / reflections if reflections else None
    open_share = open_q / questions if questions else None
    aff_levels = count_levels(th.affirmations, n)
    sum_levels = count_levels(th.summaries, n)

    def share_display(value: float | None, part: int, whole: int, none_text: str) -> str:
        if empty:
            return "n/a (no replies)"
        if value is None:
            return none_text
        return f"{value:.0%} ({part} of {whole})"

    def count_indicator(
        name: str, label: str, count: int, levels: tuple[int, int], explanation: str
    ) -> Indicator:
        fair, good = levels
        return Indicator(
            name=name, label=label, value=None if empty else float(count),
            display="n/a (no replies)" if empty else str(count),
            fair=float(fair), good=float(good),
            band=band_for(None if empty else count, fair, good),
            explanation=f"{explanation} The levels grow with the length of the conversation.",
            kind="count",
        )

    rows = [
        Indicator(
            name="reflection_to_question", label="Reflection-to-question ratio", value=rq,
            display=rq_display, fair=th.reflection_to_question.fair,
            good=th.reflection_to_question.good,
            band=band_for(rq, th.reflection_to_question.fair, th.reflection_to_question.good),
            explanation=(
                "Reflections (simple, complex and summaries) for every question asked. "
                "Every question and every reflection counts, also when one reply holds "
                "several. Reflecting more than you ask lets the person lead."
            ),
            kind="ratio",
        ),
        Indicator(
            name="complex_reflections", label="Complex reflections", value=complex_share,
            display=share_display(complex_share, complex_, reflections, "no reflections"),
            fair=th.complex_reflections.fair, good=th.complex_reflections.good,
            band=band_for(
                complex_share, th.complex_reflections.fair, th.complex_reflections.good
            ),
            explanation=(
                "Share of your reflections that went beyond the person's words to a meaning "
                "or feeling (summaries count as complex)."
            ),
            kind="share",
        ),
        Indicator(
            name="open_questions", label="Open questions", value=open_share,
            display=share_display(open_share, open_q, questions, "no questions asked"),
            fair=th.open_questions.fair, good=th.open_questions.good,
            band=band_for(open_share, th.open_questions.fair, th.open_questions.good),
            explanation="Share of your questions that could not be answered in a word.",
            kind="share",
        ),
        count_indicator(
            "affirmations", "Affirmations", affirmations, aff_levels,
            "Times you named a strength or effort of the person's.",
        ),
        count_indicator(
            "summaries", "Summaries", summaries, sum_levels,
            "Replies that pulled several things together.",
        ),
        Indicator(
            name="outcomes_focus", label="Outcomes focus", value=mix.mean_score,
            display="n/a (no replies)" if empty else (
                f"{mix.mean_score:+.2f} (outcomes-focused {_pct(mix.share('outcomes'))}, "
                f"neutral {_pct(mix.share('neutral'))}, "
                f"paperwork / risk-led {_pct(mix.share('paperwork'))})"
            ),
            fair=th.outcomes_focus.fair, good=th.outcomes_focus.good,
            band=band_for(mix.mean_score, th.outcomes_focus.fair, th.outcomes_focus.good),
            explanation=(
                "Mean outcomes score of your replies, from -1 (led by paperwork or risk) to +1 "
                "(led by what matters to the person)."
            ),
            kind="score",
        ),
    ]
    metrics: dict[str, Any] = {row.name: row.value for row in rows}
    metrics.update({f"{row.name}_display": row.display for row in rows})
    advice = tally["advice"]
    # A share of replies, so a reply with two pieces of advice still counts once here.
    advice_replies = sum("advice" in utterance_codes(t.coded) for t in turns)
    metrics.update(
        turns=n, reflections=reflections, simple_reflections=simple,
        complex_reflection_count=complex_, questions=questions, open_question_count=open_q,
        closed_questions=closed_q, advice=advice, advice_share=advice_replies / n if n else None,
        confronts=tally["confront"], information=tally["information"],
        affirmations_fair=aff_levels[0], affirmations_good=aff_levels[1],
        summaries_fair=sum_levels[0], summaries_good=sum_levels[1],
        longest_question_run=_longest_question_run(turns),
    )
    for stance in STANCES:
        share = mix.share(stance)
        metrics[f"{stance}_share"] = share
        metrics[f"{stance}_share_display"] = _pct(share)
    metrics["affirmations"] = affirmations
    metrics["summaries"] = summaries
    if empty:
        # Nothing was measured: no rule about reflecting or asking may fire on zeros.
        for key in COUNT_METRICS:
            metrics[key] = None
    # Counts in words for the rules' texts: "1 question", "reflected 1 time", never "1 times".
    for key, (count, noun) in {"questions_counted": (questions, "question"),
                               "reflections_times": (reflections, "time"),
                               "summaries_times": (summaries, "time"),
                               "affirmations_counted": (affirmations, "affirmation"),
                               "affirmations_fair_counted": (aff_levels[0], "affirmation")}.items():
        metrics[key] = None if empty else counted(count, noun)
    metrics.update(_best_reply(turns))
    return rows, metrics


def _longest_question_run(turns: Sequence[TurnRecord]) -> int:
    """The most replies in a row whose primary code (the human code where overridden) is a
    question."""
    longest = run = 0
    for t in turns:
        run = run + 1 if t.coded.code in _QUESTIONS else 0
        longest = max(longest, run)
    return longest


def _best_reply(turns: Sequence[TurnRecord]) -> dict[str, Any]:
    # A paperwork- or risk-led reply is never held up as the one to build on, even when
    # it is the least bad of the session (a blaming "Why did you refuse?").
    candidates = [t for t in turns if t.coded.stance != "paperwork"]
    if not candidates:
        return {"best_turn": None, "best_line": "", "best_code": "", "best_stance": ""}
    # The earliest of the highest-scoring replies: a stable choice for the same session.
    best = max(candidates, key=lambda t: (t.coded.outcomes_score, -t.index))
    line = " ".join(best.learner.split())
    if len(line) > 160:
        line = line[:157].rsplit(" ", 1)[0] + "…"
    return {
        "best_turn": best.index, "best_line": line,
        "best_code": CODE_LABELS.get(best.coded.code, best.coded.code).lower(),
        "best_stance": STANCE_LABELS.get(best.coded.stance, best.coded.stance).lower(),
    }


def hidden_metrics(
    hidden: Sequence[HiddenItemResult], start: float, turns: Sequence[TurnRecord]
) -> dict[str, Any]:
    outcomes = [h for h in hidden if h.kind == "outcome"]
    end = turns[-1].receptivity if turns else start
    if not turns:
        # Nothing can have been missed in a conversation that never started.
        return {
            "hidden_total": len(hidden), "uncovered": None, "missed": None,
            "outcomes_total": len(outcomes), "outcomes_uncovered": None, "outcomes_missed": None,
            "start_receptivity": start, "end_receptivity": end, "receptivity_change": None,
        }
    return {
        "hidden_total": len(hidden),
        "uncovered": sum(h.unlocked for h in hidden),
        "missed": sum(not h.unlocked for h in hidden),
        "outcomes_total": len(outcomes),
        "outcomes_uncovered": sum(h.unlocked for h in outcomes),
        "outcomes_missed": sum(not h.unlocked for h in outcomes),
        "start_receptivity": start,
        "end_receptivity": end,
        "receptivity_change": end - start if turns else None,
    }


def holds(condition: Condition, metrics: dict[str, Any], rows: dict[str, Indicator]) -> bool:
    value = metrics.get(condition.metric)
    if value is None:
        return False  # not applicable (no questions, no replies …) never triggers a rule

    def level(which: float | str) -> float:
        if isinstance(which, str):  # "fair" / "good": this session's threshold
            return getattr(rows[condition.metric], which)
        return which

    if condition.at_least is not None and value < level(condition.at_least) - EPSILON:
        return False
    return not (condition.below is not None and value >= level(condition.below) - EPSILON)


def choose_rules(
    rules: Sequence[Rule], metrics: dict[str, Any], rows: Sequence[Indicator], how_many: int = 2
) -> list[Rule]:
    """The first ``how_many`` rules that hold, at most one per group."""
    by_key = {r.name: r for r in rows}
    chosen: list[Rule] = []
    groups: set[str] = set()
    for rule in rules:
        if rule.group in groups:
            continue
        if all(holds(c, metrics, by_key) for c in rule.when):
            chosen.append(rule)
            groups.add(rule.group)
            if len(chosen) == how_many:
                break
    return chosen


def render(rule: Rule, metrics: dict[str, Any]) -> str:
    """Fill a rule's template. A value the session lacks shows as n/a, never as 'None'."""
    values = {k: ("n/a" if v is None else v) for k, v in metrics.items()}
    try:
        return rule.text.format(**values)
    except (ValueError, TypeError):
        # A format spec such as :.2f on "n/a": fall back to plain substitution.
        plain = {k: str(v) for k, v in values.items()}
        return re.sub(r"\{(\w+)(?::[^}]*)?\}", lambda m: plain.get(m.group(1), "n/a"), rule.text)
