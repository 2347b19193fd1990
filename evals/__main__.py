"""``python -m evals NAME [args]``: run one evaluation and print its figures.

Each evaluation lives in ``evals/<name>_eval.py`` with a ``main(argv) -> int``.
"""

from __future__ import annotations

import importlib
import sys

EVALS = {
    "coder": "evals.coder_eval",
    "persona": "evals.persona_eval",
    "retrieval": "evals.retrieval_eval",
    "statements": "evals.statements_eval",
}


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] not in EVALS:
        print(f"usage: python -m evals {{{','.join(EVALS)}}} [options]", file=sys.stderr)
        return 2
    module = importlib.import_module(EVALS[args[0]])
    return int(module.main(args[1:]) or 0)


if __name__ == "__main__":
    sys.exit(main())
