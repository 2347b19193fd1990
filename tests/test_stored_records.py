"""Records already in people's databases still load, and are written back unchanged.

``tests/support/stored_by_981587b.json`` was written by the code at commit 981587b (before
the records became pydantic models): a real four-turn session with Debs through
``CoachService``, ended, with the coded replies, the persona state and the report exactly
as the store kept them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from coach.coding import CodeResult
from coach.report import SessionReport
from coach.roleplay import PersonaState, RoleplayEngine, load_personas
from coach.settings import DEFAULT_KNOWLEDGE_DIR
from tests.support.roleplay_fakes import RuleCoder

STORED = json.loads((Path(__file__).parent / "support" / "stored_by_981587b.json").read_text("utf-8"))


def _same_json(a: object, b: object) -> bool:
    """Equal as JSON text: the same keys in the same order and the same values."""
    return json.dumps(a, ensure_ascii=False) == json.dumps(b, ensure_ascii=False)


@pytest.mark.parametrize("stored", STORED["coded"])
def test_a_stored_coded_reply_loads_and_writes_back_unchanged(stored: dict) -> None:
    result = CodeResult.from_dict(stored)
    assert result.code == stored["code"] and result.sentences[0].text == stored["sentences"][0]["text"]
    assert _same_json(result.to_dict(), stored)
    assert CodeResult.from_dict(result.to_dict()) == result


def test_a_stored_persona_state_loads_and_carries_on() -> None:
    stored = STORED["state"]
    state = PersonaState.from_dict(stored)
    assert state.ended and state.unlocked == stored["unlocked"]
    assert state.history[0] == stored["history"][0]
    assert _same_json(state.to_dict(), stored)

    # An unfinished copy of it plays on in the engine.
    engine = RoleplayEngine(load_personas(DEFAULT_KNOWLEDGE_DIR / "personas")["debs"], RuleCoder())
    live = PersonaState.from_dict(stored | {"ended": False, "end_reason": None})
    outcome = engine.respond(live, "What would make things better at home?")
    assert outcome.turn == stored["turn"] + 1 and live.history[-2] == ["worker", outcome.learner]


def test_a_stored_report_loads_and_exports_the_same_json() -> None:
    stored = STORED["report"]
    report = SessionReport.from_dict(stored)
    assert report.persona_name == "Debs" and len(report.turns) == 4
    assert report.end_receptivity == stored["end_receptivity"]
    assert any(p.citation is not None for p in report.next_steps)
    assert _same_json(report.to_dict(), stored)
    assert SessionReport.from_dict(report.to_dict()) == report
    assert SessionReport.from_json(report.to_json()) == report


def test_records_with_unknown_or_missing_fields_are_refused_by_name() -> None:
    with pytest.raises(ValueError, match="unsupported report schema"):
        SessionReport.from_dict(STORED["report"] | {"schema": 2})
    with pytest.raises(ValueError, match="turns"):
        SessionReport.from_dict({k: v for k, v in STORED["report"].items() if k != "turns"})
    with pytest.raises(ValueError, match="surprise"):
        CodeResult.from_dict(STORED["coded"][0] | {"surprise": 1})
    with pytest.raises(ValueError, match="stance"):
        CodeResult.from_dict(STORED["coded"][0] | {"stance": "cheerful"})
    with pytest.raises(ValueError, match="unknown PersonaState fields"):
        PersonaState.from_dict(STORED["state"] | {"secret": 1})
