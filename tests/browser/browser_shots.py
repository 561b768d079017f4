"""Screenshots of browser tests, saved under ``tests/browser/artifacts/`` (ignored by git)."""

from __future__ import annotations

from pathlib import Path

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


def shot(page: object, name: str) -> Path:
    """Save a full-page screenshot named ``name`` and return its path."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    return path
