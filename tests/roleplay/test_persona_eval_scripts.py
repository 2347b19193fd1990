"""The persona evaluation's scripts are read exactly as ``coach roleplay --script`` reads a
script, so every one of them must pass that check (a script the eval cannot read would stop
``python -m evals persona`` before it measured anything)."""

from __future__ import annotations

import pytest

from evals.persona_eval import SCRIPTS, read_lines

SCRIPT_FILES = sorted(SCRIPTS.glob("*.txt"))


def test_there_is_an_outcomes_and_a_paperwork_script_for_someone() -> None:
    names = {p.stem for p in SCRIPT_FILES}
    assert any(n.endswith("-outcomes") for n in names)
    assert any(n.endswith("-paperwork") for n in names)


@pytest.mark.parametrize("path", SCRIPT_FILES, ids=lambda p: p.stem)
def test_every_persona_script_reads_as_the_cli_reads_one(path) -> None:
    lines = read_lines(path)
    assert lines and all(line.strip() and not line.startswith("#") for line in lines)
