"""Golden files for indicator tables: the rendered CSV and JSON must not change unnoticed.

Both backends must produce the very same files. After an intended change, regenerate with::

    SALUS_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_indicators_golden.py -k sqlite

and review the diff of ``tests/golden/indicators/`` before committing it.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from support_db import BACKENDS
from test_indicators_support import observatory_store

from salus.analytics.indicators.render import to_csv, to_json
from salus.analytics.indicators.result import IndicatorResult
from salus.usecases.indicators.compute import compute_indicator

GOLDEN = Path(__file__).parent / "golden" / "indicators"
UPDATE = os.environ.get("SALUS_UPDATE_GOLDEN") == "1"

SDG = {"indicator_id": "sdg-16-1-1", "period": "2023", "by": "area,sex"}
CASES: dict[str, tuple[dict[str, Any], Callable[[IndicatorResult], str]]] = {
    "sdg-16-1-1_area-sex_2023.csv": (SDG, to_csv),
    "sdg-16-1-1_area-sex_2023_public.csv": ({**SDG, "public": True}, to_csv),
    "sdg-16-1-1_area-sex_2023.json": (SDG, lambda r: to_json(_any_backend(r))),
    "firearm-deaths-by-context_2023.csv": (
        {"indicator_id": "firearm-deaths-by-context", "period": "2023"},
        to_csv,
    ),
}


@pytest.fixture(scope="module", params=BACKENDS)
def observatory(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[sa.Engine]:
    yield from observatory_store(request, tmp_path_factory)


def _any_backend(result: IndicatorResult) -> IndicatorResult:
    return dataclasses.replace(result, metadata={**result.metadata, "backend": "any"})


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_rendered_table_matches_its_golden_file(observatory: sa.Engine, name: str) -> None:
    request, render = CASES[name]
    text = render(compute_indicator(observatory, **request))
    path = GOLDEN / name
    if UPDATE:
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"missing golden file {path}; regenerate it (see module docstring)"
    assert text == path.read_text(encoding="utf-8")
