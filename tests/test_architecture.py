"""No import cycles in salus: neither between modules nor between its direct sub-packages.

Every import counts: inside functions, under ``TYPE_CHECKING``, and ``from pkg import mod``
imports ``pkg`` (its ``__init__``) as well as ``pkg.mod``. The layers themselves are checked by
import-linter (``lint-imports``, contracts in pyproject.toml).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import salus

ROOT = Path(salus.__file__).parent


def modules() -> dict[str, Path]:
    """Dotted name -> file of every module of salus (a package is its ``__init__``)."""
    found = {}
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT.parent).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imported_names(source: str, package: str) -> Iterator[str]:
    """Every dotted name an import in ``source`` may refer to (``package``: the module's own)."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - node.level + 1]
                base = ".".join([*parts, node.module] if node.module else parts)
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def module_graph() -> dict[str, set[str]]:
    found = modules()
    graph = {}
    for name, path in found.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        names = imported_names(path.read_text(encoding="utf-8"), package)
        graph[name] = {n for n in names if n in found and n != name}
    return graph


def subpackage_graph() -> dict[str, set[str]]:
    """Imports between ``salus.x`` and ``salus.y`` (``salus/__init__`` left out)."""
    def top(name: str) -> str:
        return ".".join(name.split(".")[:2])

    graph: dict[str, set[str]] = {}
    for name, targets in module_graph().items():
        for target in targets:
            if "salus" not in (top(name), top(target)) and top(name) != top(target):
                graph.setdefault(top(name), set()).add(top(target))
    return graph


def cycle(graph: dict[str, set[str]]) -> list[str]:
    """One cycle of ``graph``, each name importing the next (empty if there is none)."""
    try:
        TopologicalSorter(graph).prepare()
    except CycleError as error:  # graphlib lists each name before one that imports it
        return list(reversed(error.args[1]))
    return []


def test_an_import_from_a_package_counts_as_an_import_of_its_init() -> None:
    source = "def f():\n    from salus.web import views\n    from . import deps\n"
    assert list(imported_names(source, "salus.api")) == [
        "salus.web", "salus.web.views", "salus.api", "salus.api.deps"]


def test_no_module_of_salus_imports_itself_through_other_modules() -> None:
    graph = module_graph()
    assert len(graph) > 200
    assert cycle(graph) == [], "import cycle: " + " -> ".join(cycle(graph))


def test_no_sub_package_of_salus_imports_itself_through_other_sub_packages() -> None:
    graph = subpackage_graph()
    assert "salus.api" in graph["salus.web"]
    assert cycle(graph) == [], "import cycle: " + " -> ".join(cycle(graph))
