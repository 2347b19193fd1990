"""``python -m evals statements``: the shipped outcome-statement classifier on the
held-out statements (never trained on): accuracy over the three classes and the
confusion matrix, with every miss listed."""

from __future__ import annotations

import argparse
import json

from coach.statements import LABELS, confusion, get_classifier, load_statements


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals statements")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    rows = load_statements().heldout
    verdicts = get_classifier().classify([r.text for r in rows])
    gold = [r.label for r in rows]
    predicted = [v.label for v in verdicts]
    matrix = confusion(gold, predicted)
    accuracy = float(matrix.trace() / matrix.sum())
    if args.json:
        print(json.dumps({"n": len(rows), "accuracy": round(accuracy, 4), "labels": list(LABELS),
                          "confusion": matrix.tolist()}))
        return 0
    print(f"held-out outcome statements: {len(rows)}; accuracy {accuracy:.3f}")
    print("confusion (rows: true, columns: predicted)")
    print(f"{'':>10}" + "".join(f"{label:>10}" for label in LABELS))
    for label, row in zip(LABELS, matrix, strict=True):
        print(f"{label:>10}" + "".join(f"{int(n):>10}" for n in row))
    for row, p in zip(rows, predicted, strict=True):
        if row.label != p:
            print(f"  miss: {row.label} read as {p}: {row.text}")
    return 0
