"""``coach ask``: ask the guidance from the terminal, as the web app's tab does, acting as
``--as USER`` (any account may ask).

    coach ask "What's the difference between an outcome and a service?" --as ann
    coach ask "How do I summarise in an empowering way?" --as ann --json
"""

from __future__ import annotations

import argparse

from coach.cli._acting import acting, add_as, emit, guarded, services
from coach.settings import Settings


def _run_ask(args: argparse.Namespace, settings: Settings) -> int:
    from coach.coaching import source_label
    from coach.guidance import GuidanceService

    def run() -> int:
        sup = services(settings)
        answer = GuidanceService(sup.service).ask(acting(sup, args), args.question)
        if args.json:
            emit(answer.to_dict())
            return 0
        if not answer.sentences:
            print("No guidance passage answers that question. Try asking it another way.")
        for sentence, n in answer.sentences:
            print(f"{sentence} [{n}]")
        if answer.sources:
            print("\nSources")
            for n, cited in enumerate(answer.sources, 1):
                print(f"  {n}. “{cited.snippet}” — {source_label(cited)}")
        if answer.note:
            print(f"\n{answer.note}")
        return 0

    return guarded(run)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("ask", help="ask the guidance a question; every sentence of the answer "
                                   "is cited")
    p.add_argument("question", metavar="QUESTION")
    add_as(p)
    p.add_argument("--json", action="store_true", help="print the answer as one JSON document")
    p.set_defaults(handler=_run_ask)
