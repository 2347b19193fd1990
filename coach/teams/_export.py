"""Supervisors' overrides as labelled data, in the exemplar format of
``knowledge/exemplars/*.yaml``: one moment per overridden reply (what the person had just
said, the conversation before it, the reply with the supervisor's code and stance), so
the lines of ``coach overrides export`` can be pasted into an exemplar file or read with
``coach.coding.Moment`` for the coder's training."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

HISTORY_TURNS = 3  # exchanges before the person's last line, as the exemplar files keep


class _Turn(Protocol):
    @property
    def learner(self) -> str: ...

    @property
    def reply(self) -> str: ...

    @property
    def coded(self) -> dict[str, Any]: ...


class _Override(Protocol):
    @property
    def turn_index(self) -> int: ...

    @property
    def code(self) -> str | None: ...

    @property
    def stance(self) -> str | None: ...

    @property
    def reason(self) -> str: ...


def override_moment(session_id: str, persona_id: str, opening: str, turns: Sequence[_Turn],
                    override: _Override) -> dict[str, Any]:
    """The exemplar moment for one override (``turn_index`` 0-based)."""
    i = override.turn_index
    turn = turns[i]
    said: list[dict[str, str]] = [{"speaker": "person", "text": opening}]
    for earlier in turns[:i]:
        said += [{"speaker": "worker", "text": earlier.learner},
                 {"speaker": "person", "text": earlier.reply}]
    context = said[-1]["text"]
    history = said[:-1][-2 * HISTORY_TURNS:]
    machine_code, machine_stance = turn.coded["code"], turn.coded["stance"]
    return {
        "id": f"override-{session_id[:8]}-{i + 1}",
        "persona": persona_id,
        "topic": "a supervisor's override of the coder",
        "context": context,
        "history": history,
        "split": "train",
        "replies": [{
            "text": turn.learner.strip(),
            "code": override.code or machine_code,
            "stance": override.stance or machine_stance,
            "note": f"supervisor: {override.reason} (the coder said {machine_code}, "
                    f"{machine_stance})",
            "tags": ["supervisor_override", f"coder_{machine_code}", f"coder_{machine_stance}"],
        }],
    }
