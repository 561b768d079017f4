"""The suite's own rules: no test module reuses the name of one of conftest's session fixtures.

pytest keys a fixture's cached value by the test's parameter of the same name, so a parametrised
module fixture called like a session fixture (``stores``) made pytest tear the session fixture down
and rebuild it around each of that module's tests — which dropped every database the process had
made, under the other modules still using them (a CI run failed so on PostgreSQL)."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).parent


def _fixtures(tree: ast.Module) -> dict[str, str | None]:
    """Module-level fixture names and their ``scope=`` (None: function)."""
    found: dict[str, str | None] = {}
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef):
            continue
        for deco in node.decorator_list:
            target = deco.func if isinstance(deco, ast.Call) else deco
            if ast.unparse(target) != "pytest.fixture":
                continue
            scope = None
            if isinstance(deco, ast.Call):
                for kw in deco.keywords:
                    if kw.arg == "scope" and isinstance(kw.value, ast.Constant):
                        scope = str(kw.value.value)
            found[node.name] = scope
    return found


def test_no_test_module_defines_a_fixture_named_like_a_session_fixture_of_conftest() -> None:
    conftest = _fixtures(ast.parse((TESTS / "conftest.py").read_text(encoding="utf-8")))
    session = {name for name, scope in conftest.items() if scope == "session"}
    assert "stores" in session  # the rule has something to guard
    clashes = []
    for path in sorted(TESTS.rglob("*.py")):
        if path.name == "conftest.py" and path.parent == TESTS:
            continue
        names = _fixtures(ast.parse(path.read_text(encoding="utf-8")))
        clashes += [f"{path.relative_to(TESTS)}: {name}" for name in names if name in session]
    assert clashes == []
