"""The real parts batch scoring runs on (local coder, persona cards, moments, rubric),
built once per test process: tests of scoring results use them, never a fake coder."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from coach.settings import DEFAULT_KNOWLEDGE_DIR

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@cache
def parts() -> dict[str, Any]:
    from coach.coaching import load_rubric
    from coach.coding import get_coder
    from coach.moments import Reactor, load_moments
    from coach.roleplay import load_personas

    personas = load_personas(DEFAULT_KNOWLEDGE_DIR / "personas")
    coder = get_coder()
    return {
        "coder": coder,
        "reactor": Reactor(personas, coder),
        "moments": load_moments(DEFAULT_KNOWLEDGE_DIR / "moments", personas),
        "rubric": load_rubric(DEFAULT_KNOWLEDGE_DIR / "rubric.yaml"),
    }


def big_file(path: Path, size: int) -> Path:
    """A text file of exactly ``size`` bytes, written sparsely-quickly in one go."""
    line = b"r,Tell me more about that.\n"
    with path.open("wb") as f:
        f.write(b"id,reply\n")
        remaining = size - len(b"id,reply\n")
        f.write(line * (remaining // len(line)))
        f.write(b"x" * (remaining % len(line)))
    return path
