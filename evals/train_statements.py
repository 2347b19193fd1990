"""Train the outcome-statement classifier on the statements' train split and ship its
weights: ``python -m evals.train_statements``. The held-out split is never read here."""

from __future__ import annotations

import sys
import time

from coach.embedding import get_embedder
from coach.statements import MODEL_PATH, load_statements, train


def main(argv: list[str] | None = None) -> int:
    started = time.perf_counter()
    statements = load_statements()
    model = train(statements.train, get_embedder())
    model.save(MODEL_PATH)
    print(f"trained on {len(statements.train)} statements in "
          f"{time.perf_counter() - started:.1f}s; wrote {MODEL_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
