"""``python -m evals.bench NAME [args]``: run one benchmark and print its figures.

Each benchmark lives in ``evals/bench_<name>.py`` with a ``main(argv) -> int``.
"""

from __future__ import annotations

import importlib
import sys

BENCHES = {
    "retrieval": "evals.bench_retrieval",
    "coder": "evals.bench_coder",
    "app": "evals.bench_app",
    "load": "evals.bench_load",
    "throttle": "evals.bench_throttle",
}


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] not in BENCHES:
        print(f"usage: python -m evals.bench {{{','.join(BENCHES)}}} [options]", file=sys.stderr)
        return 2
    module = importlib.import_module(BENCHES[args[0]])
    return int(module.main(args[1:]) or 0)


if __name__ == "__main__":
    sys.exit(main())
