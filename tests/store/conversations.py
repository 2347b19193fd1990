"""Persona states shaped as the role-play engine writes them, for storage tests."""

from __future__ import annotations

from typing import Any

from coach.roleplay import PersonaState


def opening_state(opening: str, seed: int = 0) -> PersonaState:
    """The person's state once the opening line is said: what a session starts with."""
    return PersonaState(
        persona="debs", receptivity=0.2, start_receptivity=0.2, stage="precontemplation",
        seed=seed, opening_key="opening_2", used_lines=["opening_2"], history=[["person", opening]],
    )


def conversation(turns: int, opening: str, seed: int = 0) -> list[tuple[str, str, dict[str, Any]]]:
    """(learner, reply, the person's whole state after it) for each turn: the history and
    the lines used grow every turn, a few items unlock, the rest moves about."""
    state = opening_state(opening, seed)
    out = []
    for i in range(turns):
        learner = f"Turn {i}: what would make this week feel better for you?"
        reply = f"Well… the cat, mostly ({i}). Bore da ☕"
        state.turn += 1
        state.receptivity = round(min(1.0, state.receptivity + 0.04), 4)
        state.used_lines.append(f"answer_{i % 9}_{i}")
        state.history += [["worker", learner], ["person", reply]]
        state.negative_run = i % 3
        if i in (3, 7):
            state.unlocked[f"item_{i}"] = i + 1
            state.stage = "contemplation"
        out.append((learner, reply, state.to_dict()))
    return out
