"""Small helpers shared by evaluations: where external data lives, and percentiles."""

from __future__ import annotations

from pathlib import Path

import numpy as np

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHARED_EVAL_DIR = PROJECT_ROOT.parent / "shared" / "eval"


def percentile_ms(samples_s: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(samples_s) * 1000.0, q))
