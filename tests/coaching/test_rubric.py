"""The rubric (rubric.yaml in the knowledge folder) is validated strictly: a mistake fails on load, naming the field."""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from coach.coaching._rubric import RubricError, load_rubric, template_fields
from coach.settings import KnowledgeSettings

SHIPPED_RUBRIC = KnowledgeSettings.model_construct().rubric_path
RAW: dict[str, Any] = yaml.safe_load(SHIPPED_RUBRIC.read_text(encoding="utf-8"))


def write(tmp_path: Path, raw: object) -> Path:
    path = tmp_path / "rubric.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def broken(change) -> dict[str, Any]:
    raw = copy.deepcopy(RAW)
    change(raw)
    return raw


def test_the_shipped_rubric_loads_with_miti_thresholds() -> None:
    rubric = load_rubric()
    th = rubric.thresholds
    assert (th.reflection_to_question.fair, th.reflection_to_question.good) == (1.0, 2.0)
    assert (th.complex_reflections.fair, th.complex_reflections.good) == (0.4, 0.5)
    assert (th.open_questions.fair, th.open_questions.good) == (0.5, 0.7)
    assert load_rubric() is rubric  # cached while the file is unchanged


def _set(path: list[Any], value: Any):
    def change(raw: dict[str, Any]) -> None:
        target = raw
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (_set(["thresholds", "open_questions", "good"], "lots"),
         "thresholds.open_questions.good"),
        (_set(["thresholds", "reflection_to_question", "colour"], "red"),
         "thresholds.reflection_to_question.colour: Extra inputs are not permitted"),
        (_set(["thresholds", "complex_reflections"], {"fair": 0.6, "good": 0.5}),
         "good must not be lower than fair"),
        (_set(["thresholds", "open_questions"], {"fair": 50, "good": 70}),
         "shares are between 0 and 1"),
        (_set(["strengths", 0, "text"], "Great {reflection_ratio}!"),
         "strengths.0.text: Value error, text names unknown values: reflection_ratio"),
        (_set(["strengths", 0, "when"], [{"metric": "reflection_ratio", "at_least": 1}]),
         "unknown metric 'reflection_ratio'"),
        (_set(["next_steps", 1, "when"], [{"metric": "confronts", "at_least": "good"}]),
         "'fair' and 'good' only exist for indicators"),
        (_set(["next_steps", 1, "when"], [{"metric": "confronts"}]),
         "give at_least, below or both"),
        (lambda raw: raw["strengths"].__setitem__(
            slice(None), [r for r in raw["strengths"] if r["when"]][:3] + raw["strengths"][-1:]),
         "strengths: Value error, strengths: needs at least two rules without conditions"),
        (lambda raw: raw["hints"]["rules"].pop(),
         "the last hint rule must have no conditions"),
        (_set(["hints", "rules", 0, "skill"], "reflection"),
         "hints.rules.0.skill"),
        (lambda raw: raw["turn_feedback"]["codes"].pop("summary"),
         "feedback is missing for: summary"),
        (lambda raw: raw.pop("thresholds"), "thresholds: Field required"),
    ],
)
def test_a_malformed_rubric_names_the_field(tmp_path: Path, change, expected: str) -> None:
    path = write(tmp_path, broken(change))
    with pytest.raises(RubricError) as caught:
        load_rubric(path)
    message = str(caught.value)
    assert str(path) in message
    assert expected in message


def test_unreadable_yaml_is_a_rubric_error(tmp_path: Path) -> None:
    path = tmp_path / "rubric.yaml"
    path.write_text("thresholds: [unclosed", encoding="utf-8")
    with pytest.raises(RubricError, match="cannot read"):
        load_rubric(path)
    with pytest.raises(RubricError, match="cannot read"):
        load_rubric(tmp_path / "missing.yaml")


def test_an_edited_rubric_is_reloaded(tmp_path: Path) -> None:
    path = write(tmp_path, RAW)
    assert load_rubric(path).thresholds.outcomes_focus.good == RAW["thresholds"]["outcomes_focus"]["good"]
    path.write_text(
        yaml.safe_dump(broken(_set(["thresholds", "outcomes_focus", "good"], 0.9)), allow_unicode=True),
        encoding="utf-8",
    )
    stat = path.stat()  # the same size; make sure the time moves too, on any filesystem
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert load_rubric(path).thresholds.outcomes_focus.good == 0.9


def test_template_fields_are_plain_names() -> None:
    assert template_fields("{a:.0%} and {b}") == {"a", "b"}
    with pytest.raises(ValueError, match="plain name"):
        template_fields("{a.b}")


def test_parsed_rubrics_are_kept_for_a_bounded_number_of_files(tmp_path: Path) -> None:
    from coach.coaching import _rubric

    paths = []
    for n in range(_rubric._cache.maxsize + 3):
        (tmp_path / str(n)).mkdir()
        paths.append(write(tmp_path / str(n), RAW))
    first = [load_rubric(path) for path in paths]
    assert len(_rubric._cache) <= _rubric._cache.maxsize
    assert load_rubric(paths[-1]) is first[-1]  # the most recent are still cached
