"""Docs that fail when stale: the CLI reference, the code lists and the settings."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic_settings import BaseSettings
from support_db import SuiteSettings

from salus.cli.docgen import render
from salus.domain import taxonomy

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def test_the_cli_reference_matches_the_commands() -> None:
    written = (DOCS / "cli.md").read_text(encoding="utf-8")
    assert written == render(), "regenerate with: python -m salus.cli.docgen > docs/cli.md"


def test_every_code_list_is_documented() -> None:
    text = (DOCS / "model.md").read_text(encoding="utf-8")
    missing = [t for t in taxonomy.available() if f"`{t}`" not in text]
    assert not missing, f"code lists missing from docs/model.md: {missing}"


def _variables(model: type[BaseSettings]) -> list[str]:
    """``SALUS_*`` variables of a settings class, its sections' included."""
    prefix = str(model.model_config.get("env_prefix", ""))
    found = []
    for name, field in model.model_fields.items():
        section = field.default_factory
        if isinstance(section, type) and issubclass(section, BaseSettings):
            found += _variables(section)
        else:
            found.append((prefix + name).upper())
    return found


def test_every_setting_is_documented() -> None:
    text = (DOCS / "settings.md").read_text(encoding="utf-8")
    missing = [v for v in _variables(SuiteSettings) if f"`{v}`" not in text]
    assert not missing, f"settings missing from docs/settings.md: {missing}"


def test_every_variable_named_in_the_code_is_documented() -> None:
    text = (DOCS / "settings.md").read_text(encoding="utf-8")
    named = {m for path in (ROOT / "salus").rglob("*.py")
             for m in re.findall(r"[\"'](SALUS_[A-Z0-9_]+)[\"']", path.read_text("utf-8"))}
    missing = sorted(v for v in named if v not in text)
    assert not missing, f"variables missing from docs/settings.md: {missing}"
