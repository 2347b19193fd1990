"""The one strict pydantic base for validated data.

Data files (persona cards, the rubric, exemplar moments) and the records that are stored
as JSON or exported (coded replies, persona state, session reports) all derive from
``Strict``: an unknown field is an error rather than silently dropped, and a value, once
validated, does not change (a record that must change in place says so in its own
``model_config``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

M = TypeVar("M", bound=BaseModel)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def field_errors(path: Path, exc: ValidationError) -> str:
    """A validation error as one line per field, each naming the file."""
    lines = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"] if not str(p).startswith("function-"))
        lines.append(f"{path}: field {loc or '(top level)'}: {err['msg']}")
    return "\n".join(lines)


def load_named_file(path: Path, model: type[M], what: str, error: type[Exception]) -> M:
    """Read one YAML data file whose ``id`` is its file name and validate it as ``model``;
    ``error`` (with ``what`` the kind of file, e.g. "persona card") names the file and
    the field."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise error(f"{path}: cannot read {what}: {exc}") from exc
    if not isinstance(raw, dict):
        raise error(f"{path}: a {what} must be a mapping, got {type(raw).__name__}")
    try:
        found = model.model_validate(raw)
    except ValidationError as exc:
        raise error(field_errors(path, exc)) from exc
    named = getattr(found, "id", path.stem)
    if named != path.stem:
        raise error(f"{path}: field id: {named!r} does not match the file name {path.stem!r}")
    return found
