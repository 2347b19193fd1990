"""The one strict pydantic base for validated data.

Data files (persona cards, the rubric, exemplar moments) and the records that are stored
as JSON or exported (coded replies, persona state, session reports) all derive from
``Strict``: an unknown field is an error rather than silently dropped, and a value, once
validated, does not change (a record that must change in place says so in its own
``model_config``).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
