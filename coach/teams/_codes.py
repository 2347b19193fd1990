"""The human verdict in place of the machine's."""

from __future__ import annotations

from coach.coding import CodeResult, outcomes_score


def with_human_code(coded: CodeResult,
                    human: tuple[str | None, str | None] | None) -> CodeResult:
    """The coder's result with a supervisor's code and/or stance in its place; the
    outcomes score follows the human verdict whenever the stance was overridden."""
    if human is None:
        return coded
    code, stance = human[0] or coded.code, human[1] or coded.stance
    score = round(outcomes_score(code, {stance: 1.0}), 3) if human[1] else coded.outcomes_score
    return coded.model_copy(update={"code": code, "stance": stance, "outcomes_score": score})
