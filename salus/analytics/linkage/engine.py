"""Run a linkage job with Splink on DuckDB in process: train per job, then score pairs.

Training follows Splink's recommended sequence for the Fellegi–Sunter model (Fellegi & Sunter
1969; Winkler 1988 for EM): the share of matching pairs from near-certain deterministic rules,
``u`` probabilities from random pairs, then ``m`` probabilities by expectation–maximisation on
the blocked pairs of :data:`~.settings.TRAINING_BLOCKS` (a pass that fails on too few pairs,
where an ``m`` probability underflows to zero, is skipped and the others' estimates kept).
Reviewers' confirmed matches, once there are enough of them, re-estimate ``m`` from labels (a
biased sample of hard cases, so only from :data:`MIN_LABELLED_MATCHES` on).

Everything runs offline: no Splink dataset download, no DuckDB extension.
"""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa
from splink import DuckDBAPI, Linker

from salus.analytics.linkage.records import prepare_records
from salus.analytics.linkage.settings import (
    DETERMINISTIC_RULES,
    TRAINING_BLOCKS,
    violence_settings,
)

logger = logging.getLogger(__name__)

MIN_LABELLED_MATCHES = 50
"""Reviewer-confirmed matches needed before they are used to estimate ``m``."""

PAIR_COLUMNS = ("record_id_l", "record_id_r", "match_weight", "match_probability")


@dataclass(frozen=True)
class TrainingOptions:
    """How a job trains its model and runs DuckDB.

    ``seed`` makes the random sampling of ``u`` repeatable; ``memory_limit`` bounds DuckDB's
    buffers (beyond it DuckDB spills to the system's temporary folder); ``threads`` defaults to
    DuckDB's own choice (all cores).
    """

    seed: int = 1
    deterministic_recall: float = 0.7
    max_pairs_for_u: float = 5e5
    u_chunks: int = 3
    memory_limit: str | None = "1500MB"
    training_blocks: tuple[str, ...] = TRAINING_BLOCKS
    deterministic_rules: tuple[str, ...] = DETERMINISTIC_RULES
    threads: int | None = None


@dataclass(frozen=True)
class LinkageRun:
    """Scored candidate pairs of one job and the trained model that scored them.

    ``pairs`` has ``record_id_l``, ``record_id_r`` (``l < r``), ``match_weight``,
    ``match_probability``, ``source_l``, ``source_r`` and, per comparison ``c``, ``gamma_c``
    (its agreement level): enough to explain every score (:mod:`.explain`).
    """

    pairs: pd.DataFrame
    model: dict[str, Any]
    records: int


def link_records(
    records: pd.DataFrame,
    settings: dict[str, Any] | None = None,
    *,
    labels: pd.DataFrame | None = None,
    min_probability: float = 0.01,
    options: TrainingOptions | None = None,
) -> LinkageRun:
    """Train a model on ``records`` and return every compared pair above ``min_probability``.

    Parameters
    ----------
    records:
        The record frame of :mod:`.records` (all sources together: within-source duplicates
        and cross-source links are found in one pass).
    settings:
        A Splink settings dictionary; :func:`~.settings.violence_settings` by default.
    labels:
        Reviewer decisions: ``record_id_l``, ``record_id_r``, ``is_match`` (bool).
    """
    options = options or TrainingOptions()
    table = _for_duckdb(prepare_records(records))
    con = _connect(options)
    try:
        linker = _linker(con, table, settings or violence_settings("dedupe_only"))
        del table
        _train(linker, options)
        _train_from_labels(linker, con, labels)
        pairs = _predict(linker, con, min_probability)
        model = linker.misc.save_model_to_json()
    finally:
        con.close()
    return LinkageRun(pairs=pairs, model=model, records=len(records))


def _connect(options: TrainingOptions) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB that spills to a temporary folder beyond ``memory_limit``."""
    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = false")
    if options.memory_limit:
        con.execute(f"SET memory_limit = '{options.memory_limit}'")
        con.execute(f"SET temp_directory = '{tempfile.gettempdir()}/salus-linkage'")
    if options.threads:
        con.execute(f"SET threads = {int(options.threads)}")
    return con


def _linker(con: duckdb.DuckDBPyConnection, table: pa.Table,
            settings: dict[str, Any]) -> Linker:
    api = DuckDBAPI(con)
    registered = api.register(table, dataset_display_name="records")
    return Linker(registered, dict(settings), log_level=logging.ERROR)


def _for_duckdb(prepared: pd.DataFrame) -> pa.Table:
    """The compared and blocked columns as an Arrow table (compact strings, no Python objects)."""
    out = prepared.drop(columns=["occurred_on", "occurred_until", "date_of_birth", "age",
                                 "age_max"])
    out["source_dataset"] = "records"
    return pa.Table.from_pandas(out, preserve_index=False)


def _train(linker: Linker, options: TrainingOptions) -> None:
    training = linker.training
    training.estimate_probability_two_random_records_match(
        list(options.deterministic_rules), recall=options.deterministic_recall
    )
    training.estimate_u_using_random_sampling(
        max_pairs=options.max_pairs_for_u, seed=options.seed, num_chunks=options.u_chunks
    )
    for rule in options.training_blocks:
        try:
            training.estimate_parameters_using_expectation_maximisation(rule)
        except ValueError as exc:  # an m probability underflowed to 0 (too few pairs)
            logger.warning("EM pass on %r skipped: %s", rule, exc)


def _train_from_labels(
    linker: Linker, con: duckdb.DuckDBPyConnection, labels: pd.DataFrame | None
) -> None:
    if labels is None or labels.empty:
        return
    matches = labels[labels["is_match"].astype(bool)]
    if len(matches) < MIN_LABELLED_MATCHES:
        return
    table = pd.DataFrame({
        "source_dataset_l": "records",
        "unique_id_l": matches["record_id_l"].astype(str),
        "source_dataset_r": "records",
        "unique_id_r": matches["record_id_r"].astype(str),
    })
    con.register("reviewer_labels_view", table)
    con.execute("CREATE OR REPLACE TABLE reviewer_labels AS SELECT * FROM reviewer_labels_view")
    linker.training.estimate_m_from_pairwise_labels("reviewer_labels")  # type: ignore[no-untyped-call]


def _predict(linker: Linker, con: duckdb.DuckDBPyConnection,
             min_probability: float) -> pd.DataFrame:
    """Scored pairs with ``record_id_l < record_id_r``, only the columns explanations need.

    The columns are selected in DuckDB, so the wide prediction table never becomes a frame.
    """
    result = linker.inference.predict(threshold_match_probability=min_probability)
    columns = [c.unquote().name for c in result.columns]
    keep = [c for c in columns
            if c in PAIR_COLUMNS or c in ("source_l", "source_r")
            or c.startswith("gamma_")]
    ordered = [_ordered_sql(c) for c in keep]
    frame = con.sql(f"SELECT {', '.join(ordered)} FROM {result.physical_name}").df()
    result.drop_table_from_database_and_remove_from_cache()
    return frame


def _ordered_sql(column: str) -> str:
    """SQL for one output column, swapping the sides of pairs whose left id is the larger."""
    swap = "record_id_l > record_id_r"
    for left, right in (("record_id_l", "record_id_r"), ("source_l", "source_r")):
        if column in (left, right):
            other = right if column == left else left
            return f'CASE WHEN {swap} THEN "{other}" ELSE "{column}" END AS "{column}"'
    return f'"{column}"'
