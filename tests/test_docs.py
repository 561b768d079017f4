"""Docs that fail when stale: the CLI reference and the list of code lists."""

from __future__ import annotations

from pathlib import Path

from salus.cli.docgen import render
from salus.domain import taxonomy

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_the_cli_reference_matches_the_commands() -> None:
    written = (DOCS / "cli.md").read_text(encoding="utf-8")
    assert written == render(), "regenerate with: python -m salus.cli.docgen > docs/cli.md"


def test_every_code_list_is_documented() -> None:
    text = (DOCS / "model.md").read_text(encoding="utf-8")
    missing = [t for t in taxonomy.available() if f"`{t}`" not in text]
    assert not missing, f"code lists missing from docs/model.md: {missing}"
