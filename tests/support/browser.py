"""Headless Chromium for the browser tests: where it is, how it is launched (offline:
no background networking, updates or sync), and where screenshots are copied."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]
# Screenshots are copied here as well, to look at after a run.
SCREENS_COPY = Path("/tmp/outcomes-screens")


def need_chromium(module_level: bool = False) -> None:
    """Skip when Chromium is not installed here; on CI (which installs it) fail instead."""
    if Path(CHROMIUM).exists():
        return
    if os.environ.get("CI"):
        raise RuntimeError("Chromium is missing on CI: `make test` should have installed it")
    pytest.skip("Chromium is not installed (apt-get install -y chromium)",
                allow_module_level=module_level)
