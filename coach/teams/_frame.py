"""The outcomes-focused supervision frame (Social Care Wales, "Embedding the outcomes
approach": guidance-embedding-outcomes-approach.md), the four questions a supervisor's
note on a session is written under."""

from __future__ import annotations

# (field, question, what it is about): the order the guidance asks them in.
SUPERVISION_FRAME: tuple[tuple[str, str, str], ...] = (
    ("working_towards", "What are we working towards?", "the outcome"),
    ("working_well", "What is working well?", "strengths"),
    ("worried_about", "What are we worried about?", "priority risks"),
    ("needs_to_happen", "What needs to happen?", "the options we are exploring"),
)
FRAME_SOURCE = "guidance-embedding-outcomes-approach.md"
