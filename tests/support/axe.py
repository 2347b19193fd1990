"""axe-core accessibility checks for the browser tests, one rule set for every screen.

``make axe`` (part of ``make test``) fetches axe-core from the npm registry once; without
it the checks are skipped (and on CI that is an error). Only serious and critical findings
count, less a short list inside Gradio's own widgets that the app cannot change.
"""

from __future__ import annotations

import os
from typing import Any

from tests.support.apprunner import PROJECT_ROOT

AXE = PROJECT_ROOT / ".cache" / "axe-core" / "axe.min.js"

# (rule id, a fragment of the offending node's HTML or CSS target, why it is accepted).
GRADIO_OWN: tuple[tuple[str, str, str], ...] = (
    ("button-name", ".image-container", "Gradio's image viewer wraps the picture in a button "
                                        "with no name of its own (the image's label names it)"),
    ("aria-prohibited-attr", ".empty", "Gradio's empty Image placeholder puts aria-label on a "
                                       "plain div (seen before a picture has loaded)"),
    ("target-size", "icon-button", "Gradio's image toolbar icons (full screen, download, share)"),
    ("target-size", "download-link", "the download link in the same Gradio toolbar"),
)

# Every rule axe runs by default, and WCAG 2.2's target size, which it leaves off.
_RUN = """async () => (await axe.run(document, {resultTypes: ['violations'],
                                           rules: {'target-size': {enabled: true}}})).violations
  .filter(v => v.impact === 'serious' || v.impact === 'critical')
  .flatMap(v => v.nodes.map(n => ({id: v.id, impact: v.impact,
                                   where: n.target.join(' ') + ' ' + n.html.slice(0, 300)})))"""


def available() -> bool:
    """Whether axe-core has been fetched; on CI its absence is a failure, not a skip."""
    if AXE.is_file():
        return True
    if os.environ.get("CI"):
        raise RuntimeError("axe-core is missing on CI: `make axe` should have fetched it")
    return False


def serious_violations(page: Any, screen: str) -> list[str]:
    """Serious and critical axe-core findings on the page, less the listed Gradio ones;
    nothing when axe-core has not been fetched."""
    if not available():
        return []
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(_RUN)
    return [
        f"{screen}: {v['id']} ({v['impact']}) at {v['where']}"
        for v in found
        if not any(rule == v["id"] and fragment in v["where"] for rule, fragment, _ in GRADIO_OWN)
    ]
