"""Pieces of the linkage model: the weapon taxonomy level, exact points, SQL dialects."""

from __future__ import annotations

import pandas as pd
import pytest

from salus.analytics.reconcile.linkage import prepare_records, violence_settings
from salus.analytics.reconcile.linkage.records import weapon_family


def test_a_pistol_and_a_firearm_share_a_branch_of_the_weapon_taxonomy() -> None:
    assert weapon_family("revolver_pistol") == "firearm"
    assert weapon_family("firearm_other_unknown") == "firearm"
    assert weapon_family("firearm") == "firearm"
    assert weapon_family("mortar") == "light_weapon"
    assert weapon_family("machete") == "machete", "a code the taxonomy lacks is its own branch"
    assert weapon_family(None) is None


def test_only_exactly_located_points_count_as_exact() -> None:
    frame = pd.DataFrame({
        "record_id": ["a", "b", "c"], "source": "police",
        "occurred_on": ["2024-01-01"] * 3, "longitude": [1.0, 1.0, None],
        "latitude": [2.0, 2.0, None], "location_precision": ["exact", "settlement", None],
        "weapon": ["revolver_pistol", "unknown", None],
    })
    prepared = prepare_records(frame).set_index("record_id")
    assert prepared["point_exact"].tolist() == [True, False, True]
    assert prepared.loc["a", "weapon_family"] == "firearm"
    assert prepared.loc[["b", "c"], "weapon_family"].isna().all(), "unknown weapons are null"
    assert "location_precision" not in prepared.columns


def _sql(settings: dict[str, object]) -> str:
    return repr(settings)


def test_the_spark_settings_use_spark_sql_functions() -> None:
    duck, spark = (_sql(violence_settings("dedupe_only", dialect=d)) for d in ("duckdb", "spark"))
    for duckdb_only in ("list_has_all", "list_contains", "jaro_winkler_similarity"):
        assert duckdb_only in duck and duckdb_only not in spark
    for spark_only in ("array_except", "array_contains", "jaro_winkler("):
        assert spark_only in spark
    with pytest.raises(ValueError, match="unknown SQL dialect"):
        violence_settings(dialect="oracle")
