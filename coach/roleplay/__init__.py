"""The role-played person: persona cards, the state that moves with every reply, the rules
that open them up or close them down, their line banks, the leak guard, and the realisers
that phrase what the engine decided (scripted by default, a chat model when configured).
"""

from __future__ import annotations

from coach.roleplay._cards import (
    MOOD_LABELS,
    MOODS,
    STAGES,
    Mood,
    PersonaCard,
    PersonaError,
    Stage,
    load_personas,
    phrase_pattern,
)
from coach.roleplay._engine import RoleplayEngine
from coach.roleplay._guard import out_of_character
from coach.roleplay._realisers import LLMRealiser, ScriptedRealiser
from coach.roleplay._rules import MOOD_BANDS
from coach.roleplay._state import ConversationEnded, PersonaState, TurnOutcome

__all__ = [
    "ConversationEnded",
    "LLMRealiser",
    "MOOD_BANDS",
    "MOODS",
    "MOOD_LABELS",
    "Mood",
    "PersonaCard",
    "PersonaError",
    "PersonaState",
    "RoleplayEngine",
    "STAGES",
    "ScriptedRealiser",
    "Stage",
    "TurnOutcome",
    "load_personas",
    "out_of_character",
    "phrase_pattern",
]
