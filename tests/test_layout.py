"""The package's shape: no import cycles between modules or between packages (imports
inside functions and under TYPE_CHECKING count too), data flowing one way, and no module
over 400 lines.

Read with ``ast`` from the source, so nothing is imported to check it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE_DIR = Path(__file__).resolve().parent.parent / "coach"
MAX_LINES = 400
# What sits below the service never reaches up to it, to the wiring or to the front ends.
LOWER = ("coach.coding", "coach.roleplay", "coach.coaching", "coach.retrieval", "coach.report",
         "coach.store", "coach.text", "coach.embedding", "coach.llm", "coach.strict",
         "coach.moments", "coach.scoring")
UPPER = ("coach.service", "coach.wiring", "coach.cli", "coach.ui")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES: dict[str, Path] = {_module_name(p): p for p in sorted(PACKAGE_DIR.rglob("*.py"))}


def _resolve(module: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    package = module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]
    for _ in range(node.level - 1):
        package = package.rpartition(".")[0]
    return f"{package}.{node.module}" if node.module else package


def _imports(module: str) -> Iterator[str]:
    """Every coach module ``module`` imports, wherever the import statement is."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(module, node)
            # ``from coach.cli import code`` imports the module coach.cli.code.
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base
                       for a in node.names]
        else:
            continue
        for target in targets:
            while target and target not in MODULES:  # ``import coach.x.y`` of a name in x
                target = target.rpartition(".")[0]
            if target.startswith("coach") and target != module:
                yield target


GRAPH: dict[str, set[str]] = {m: set(_imports(m)) for m in MODULES}


def _package(module: str) -> str:
    """The part of the package a module belongs to: ``coach.coding`` for
    ``coach.coding._coder``, ``coach.service`` for itself."""
    return ".".join(module.split(".")[:2])


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle in ``graph`` as a path that returns to its start, or None."""
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt):], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_import_reader_sees_lazy_and_type_checking_imports() -> None:
    assert "coach.coaching" in GRAPH["coach.wiring"]  # imported inside a method
    assert "coach.roleplay" in GRAPH["coach.cli.roleplay"]  # under TYPE_CHECKING too
    assert "coach.cli.code" in GRAPH["coach.cli"]  # ``from coach.cli import code``
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycle_between_modules() -> None:
    cycle = _cycle(GRAPH)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_no_import_cycle_between_packages() -> None:
    packages: dict[str, set[str]] = {}
    for module, targets in GRAPH.items():
        packages.setdefault(_package(module), set()).update(
            _package(t) for t in targets if _package(t) != _package(module)
        )
    cycle = _cycle(packages)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_data_flows_one_way() -> None:
    wrong = [
        f"{module} imports {target}"
        for module, targets in GRAPH.items()
        for target in targets
        if (_package(module) in LOWER and _package(target) in UPPER)
        or (_package(module) == "coach.coding" and _package(target) == "coach.roleplay")
        or (_package(module) != "coach.ui" and _package(target) == "coach.ui")  # only app.py
    ]
    assert not wrong, wrong


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_is_over_400_lines(module: str) -> None:
    lines = len(MODULES[module].read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{MODULES[module]} has {lines} lines; split it"
