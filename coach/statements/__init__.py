"""Recording outcomes: the labelled outcome statements, the classifier that tells an
outcome from a service or input and from a need or deficit, the check of a written
statement against the guidance's criteria, the sort exercise, and the comparison of a
trainee's statements with what the person disclosed in a session.

    classifier = get_classifier()
    checks = check_statements(["I want to walk Cassie again"], classifier)
"""

from __future__ import annotations

from functools import lru_cache

from coach.statements._check import (
    GUIDANCE,
    MAX_STATEMENT_CHARS,
    GuidanceQuote,
    Point,
    StatementCheck,
    StatementRejected,
    check_statements,
    clean_statement,
)
from coach.statements._classifier import (
    LAYOUT,
    MODEL_PATH,
    HyperParams,
    StatementClassifier,
    Verdict,
    confusion,
    train,
)
from coach.statements._compare import MATCH_AT, Comparison, ItemMatch, compare
from coach.statements._data import (
    LABEL_NAMES,
    LABELS,
    STATEMENTS_PATH,
    Labelled,
    StatementsError,
    StatementSet,
    load_statements,
    statements_fingerprint,
)
from coach.statements._sort import SORT_SIZE, SortCard, SortResult, deal, mark


@lru_cache(maxsize=1)
def get_classifier() -> StatementClassifier:
    """The process-wide classifier with the shipped weights (never trained here)."""
    return StatementClassifier.load()


@lru_cache(maxsize=1)
def get_statements() -> StatementSet:
    return load_statements()


__all__ = [
    "Comparison", "GUIDANCE", "GuidanceQuote", "HyperParams", "ItemMatch", "LABELS",
    "LABEL_NAMES", "LAYOUT", "Labelled", "MATCH_AT", "MAX_STATEMENT_CHARS", "MODEL_PATH",
    "Point", "SORT_SIZE", "SortCard", "SortResult", "StatementCheck", "StatementClassifier",
    "StatementRejected", "StatementSet", "StatementsError", "STATEMENTS_PATH", "Verdict",
    "check_statements", "clean_statement", "compare", "confusion", "deal", "get_classifier",
    "get_statements", "load_statements", "mark", "statements_fingerprint", "train",
]
