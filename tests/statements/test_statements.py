"""The recording-outcomes drill's parts: the labelled statements, the shipped classifier
(fresh for its data, accurate on the held-out split), the guidance it quotes, the check
of a statement, the sort exercise and the comparison with what a person disclosed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from coach.settings import DEFAULT_KNOWLEDGE_DIR
from coach.statements import (
    GUIDANCE,
    LABELS,
    LAYOUT,
    STATEMENTS_PATH,
    StatementRejected,
    StatementsError,
    check_statements,
    compare,
    confusion,
    deal,
    get_classifier,
    get_statements,
    load_statements,
    mark,
    statements_fingerprint,
)


def test_at_least_150_labelled_statements_with_every_label_in_both_splits() -> None:
    data = get_statements()
    assert len(data.all) >= 150
    for split in (data.train, data.heldout):
        assert {r.label for r in split} == set(LABELS)
    train = {r.text.lower() for r in data.train}
    assert not train & {r.text.lower() for r in data.heldout}


def test_a_statement_in_both_splits_is_refused(tmp_path: Path) -> None:
    text = STATEMENTS_PATH.read_text(encoding="utf-8")
    broken = text.replace('    - "Hearing aid review with audiology."',
                          '    - "Install a stairlift."')
    path = tmp_path / "statements.yaml"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(StatementsError, match="appears twice"):
        load_statements(path)
    path.write_text(text.replace("version: 1", "version: 1\nextra: 2"), encoding="utf-8")
    with pytest.raises(StatementsError, match="extra"):
        load_statements(path)


def test_the_shipped_weights_were_trained_on_the_statements_as_they_are() -> None:
    model = get_classifier()
    assert model.fingerprint == statements_fingerprint(get_statements().train, LAYOUT), (
        "the statements changed since the classifier was trained: "
        "run `python -m evals.train_statements`")
    # The held-out split does not enter the fingerprint: it was not trained on.
    assert model.fingerprint != statements_fingerprint(get_statements().all, LAYOUT)


def test_held_out_accuracy_is_at_least_ninety_percent() -> None:
    rows = get_statements().heldout
    predicted = [v.label for v in get_classifier().classify([r.text for r in rows])]
    matrix = confusion([r.label for r in rows], predicted)
    assert matrix.sum() == len(rows)
    assert matrix.trace() / matrix.sum() >= 0.90, matrix


def _normal(text: str) -> str:
    return " ".join(text.replace("’", "'").split())


@pytest.mark.parametrize("key", sorted(GUIDANCE))
def test_every_quotation_is_the_guidance_s_own_words_under_its_section(key: str) -> None:
    quote = GUIDANCE[key]
    source = (DEFAULT_KNOWLEDGE_DIR / "sources" / quote.source).read_text(encoding="utf-8")
    assert _normal(quote.quote) in _normal(source)
    assert re.search(rf"^#+ {re.escape(quote.section)}\s*$", source, re.MULTILINE)
    section = source.split(quote.section, 1)[1].split("\n## ", 1)[0]
    assert _normal(quote.quote) in _normal(section)


def test_a_service_is_called_an_input_and_the_guidance_quoted() -> None:
    check, = check_statements(["A walk-in shower to be fitted in the bathroom."], get_classifier())
    assert check.label == "service" and not check.is_outcome
    assert not check.points[0].ok
    assert "inputs" in check.points[0].cites
    assert any("not an outcome in themselves" in q.quote for q in check.citations())


def test_an_outcome_in_the_person_s_words_with_their_contribution_passes_every_point() -> None:
    check, = check_statements(
        ["I want to walk Cassie round the block again, with my neighbour's help."],
        get_classifier())
    assert check.label == "outcome"
    assert all(p.ok for p in check.points), check.points
    assert {"voice", "contribution"} <= {k for p in check.points for k in p.cites}


def test_an_outcome_written_about_the_person_is_asked_for_their_voice_and_contribution() -> None:
    check, = check_statements(["To go to the football every Saturday."], get_classifier())
    assert check.label == "outcome"
    assert [p.ok for p in check.points] == [True, False, False]


def test_a_need_is_called_a_deficit() -> None:
    check, = check_statements(["Unable to manage personal care."], get_classifier())
    assert check.label == "need" and "deficits" in check.points[0].cites


@pytest.mark.parametrize("bad, message", [
    ("", "Write a statement first"), ("   ", "Write a statement first"),
    ("x" * 301, "300 characters"), ("?!?", "write it in words"),
])
def test_bad_statements_are_refused_by_number(bad: str, message: str) -> None:
    with pytest.raises(StatementRejected, match=f"Statement 2: .*{re.escape(message)}"):
        check_statements(["I want to see my brother.", bad], get_classifier())


def test_the_sort_deals_half_outcomes_half_services_the_same_way_for_a_seed() -> None:
    data = get_statements()
    cards = deal(data, seed=7)
    assert cards == deal(data, seed=7) and cards != deal(data, seed=8)
    labels = [data.all[c.number].label for c in cards]
    assert sorted(labels) == ["outcome"] * 4 + ["service"] * 4


def test_the_sort_is_marked_against_the_labels() -> None:
    data = get_statements()
    cards = deal(data, seed=3)
    outcomes = [c.number for c in cards if data.all[c.number].label == "outcome"]
    assert mark(data, [c.number for c in cards], outcomes).score == "8 of 8"
    everything = mark(data, [c.number for c in cards], [c.number for c in cards])
    assert everything.score == "4 of 8"
    assert {label for _, label in everything.wrong} == {"service"}
    with pytest.raises(ValueError, match="not from this exercise"):
        mark(data, [c.number for c in cards], [10_000])


DEBS_ITEMS = [
    {"id": "money", "kind": "worry", "title": "Money has been tight since she gave up her job",
     "statement": "I want us to get through the week without it ending in a row about money.",
     "unlocked": True},
    {"id": "manages_money", "kind": "strength",
     "title": "She is the one who keeps the household budget together", "statement": None,
     "unlocked": True},
    {"id": "holiday", "kind": "outcome",
     "title": "She is saving for a family holiday — a few days away together",
     "statement": "I want the four of us to have a few days away together, away from it all.",
     "unlocked": False},
    {"id": "peter_home", "kind": "outcome", "title": "She wants Peter at home with the family",
     "statement": "I want Peter home with us of an evening.", "unlocked": True},
    {"id": "private", "kind": "fact", "title": "A private fact", "statement": None,
     "unlocked": True},
]


def test_statements_are_set_beside_what_the_person_disclosed() -> None:
    from coach.embedding import get_embedder

    result = compare(["I want to get through the week without rowing with Peter about money.",
                      "She keeps the household budget together and has never missed the rent.",
                      "Debs wants a few days away as a family, away from everything.",
                      "Referral to a parenting course."], DEBS_ITEMS, get_embedder())
    verdicts = {i.id: i.verdict for i in result.items}
    assert verdicts == {"money": "recorded", "manages_money": "recorded",
                        "holiday": "not disclosed", "peter_home": "missed"}
    assert result.unmatched == (3,)
    assert (result.recorded, result.disclosed) == (2, 3)


def test_the_eval_prints_accuracy_and_the_confusion_matrix(
        capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from evals.statements_eval import main

    assert main(["--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert figures["n"] == len(get_statements().heldout) and figures["accuracy"] >= 0.90
    assert figures["labels"] == list(LABELS) and len(figures["confusion"]) == 3
    assert main([]) == 0
    assert "confusion (rows: true, columns: predicted)" in capsys.readouterr().out
