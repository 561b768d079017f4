"""A deterministic generator of a realistic fictional country: the Republic of Verdania.

``build_demo(engine)`` writes into an empty store a country with three administrative levels
(6 regions, 40 districts, 250 municipalities with polygons that tile it), population by year,
sex and age band, about 50,000 true violent events over five years — seasonality, spatial
structure, firearm contexts, sex and age patterns, emerging hotspots, a police reporting gap —
and the overlapping police, forensic and media records of the same deaths, with realistic
errors. The answer key (who each record really is, what was planted) is the summary's
``manifest``. See ``docs/demo.md``.
"""

from __future__ import annotations

from salus.demo.build import (
    DemoData,
    DemoSummary,
    build_demo,
    clear_demo,
    generate,
    holds_only_demo,
    planted,
    store_is_empty,
    stored_params,
)
from salus.demo.config import DemoConfig, SourceRates
from salus.demo.errors import StoreNotEmptyError
from salus.demo.manifest import Manifest

__all__ = [
    "DemoConfig",
    "DemoData",
    "DemoSummary",
    "Manifest",
    "SourceRates",
    "StoreNotEmptyError",
    "build_demo",
    "clear_demo",
    "generate",
    "holds_only_demo",
    "planted",
    "store_is_empty",
    "stored_params",
]
