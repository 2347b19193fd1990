"""The human verdict in place of the machine's."""

from __future__ import annotations

from coach.coding import CodeResult, SentenceCode, outcomes_score


def with_human_code(coded: CodeResult,
                    human: tuple[str | None, str | None] | None) -> CodeResult:
    """The coder's result with a supervisor's code and/or stance in its place; the
    outcomes score follows the human verdict whenever the stance was overridden.

    A supervisor codes the reply as one act, so an overridden code also replaces the
    coder's sentence codes: the reply then counts only as its human code in the report
    (which counts every sentence's code, see ``coach.report.utterance_codes``). An
    overridden stance alone leaves the codes as the coder found them."""
    if human is None:
        return coded
    code, stance = human[0] or coded.code, human[1] or coded.stance
    score = round(outcomes_score(code, {stance: 1.0}), 3) if human[1] else coded.outcomes_score
    update: dict[str, object] = {"code": code, "stance": stance, "outcomes_score": score}
    if human[0]:
        text = " ".join(s.text for s in coded.sentences)
        update["sentences"] = (SentenceCode(text, code),) if text else ()  # type: ignore[arg-type]
    return coded.model_copy(update=update)
