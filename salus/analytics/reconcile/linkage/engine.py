"""Run a linkage job with Splink on DuckDB in process (or Spark): train per job, score pairs.

Training follows Splink's recommended sequence for the Fellegi–Sunter model (Fellegi & Sunter
1969; Winkler 1988 for EM): the share of matching pairs from near-certain deterministic rules,
``u`` probabilities from random pairs, then ``m`` probabilities by expectation–maximisation on
the blocked pairs of :data:`~.settings.TRAINING_BLOCKS` (a pass that fails on too few pairs,
where an ``m`` probability underflows to zero, is skipped and the others' estimates kept).
Reviewers' confirmed matches, once there are enough of them, re-estimate ``m`` from labels (a
biased sample of hard cases, so only from :data:`MIN_LABELLED_MATCHES` on).

Everything runs offline: no Splink dataset download, no DuckDB extension. The same job runs on
Splink's Spark backend in local mode (``TrainingOptions(engine="spark")``, see :mod:`.spark`):
the settings are the same model written in Spark SQL, and the scored pairs come back in the
same frame.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from salus.analytics.reconcile.linkage.records import prepare_records
from salus.analytics.reconcile.linkage.settings import (
    DETERMINISTIC_RULES,
    TRAINING_BLOCKS,
    violence_settings,
)

if TYPE_CHECKING:
    from splink import Linker
    from splink.internals.database_api import DatabaseAPISubClass

logger = logging.getLogger(__name__)

MIN_LABELLED_MATCHES = 50
"""Reviewer-confirmed matches needed before they are used to estimate ``m``."""

PAIR_COLUMNS = ("record_id_l", "record_id_r", "match_weight", "match_probability")
ENGINES = ("duckdb", "spark")
"""Where Splink runs: DuckDB in process, or Spark in local mode."""


@dataclass(frozen=True)
class TrainingOptions:
    """How a job trains its model and runs DuckDB.

    ``seed`` makes the random sampling of ``u`` repeatable; ``memory_limit`` bounds DuckDB's
    buffers (beyond it DuckDB spills to the system's temporary folder); ``threads`` defaults to
    DuckDB's own choice (all cores). ``max_iterations`` bounds each EM pass. ``engine`` is
    ``duckdb`` or ``spark``; the Spark session uses ``spark_memory`` of driver memory and
    ``spark_partitions`` shuffle partitions.
    """

    seed: int = 1
    deterministic_recall: float = 0.7
    max_pairs_for_u: float = 5e5
    u_chunks: int = 3
    memory_limit: str | None = "1500MB"
    training_blocks: tuple[str, ...] = TRAINING_BLOCKS
    deterministic_rules: tuple[str, ...] = DETERMINISTIC_RULES
    threads: int | None = None
    max_iterations: int = 25
    engine: str = "duckdb"
    spark_memory: str = "1g"
    spark_partitions: int = 4


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
    from splink import Linker  # Splink, DuckDB and pyarrow load when a job runs

    options = options or TrainingOptions()
    backend = _backend(options)
    try:
        table = backend.table(_compared(prepare_records(records)))
        dedupe = violence_settings("dedupe_only", dialect=backend.dialect)
        dedupe["max_iterations"] = options.max_iterations
        linker = Linker(backend.api.register(table, dataset_display_name="records"),
                        dict(settings or dedupe), log_level=logging.ERROR)
        del table
        _train(linker, options)
        _train_from_labels(linker, backend, labels)
        pairs = _predict(linker, backend, min_probability)
        model = linker.misc.save_model_to_json()
    finally:
        backend.close()
    return LinkageRun(pairs=pairs, model=model, records=len(records))


class _DuckDB:
    """DuckDB in memory, spilling to a temporary folder beyond ``memory_limit``."""

    dialect = "duckdb"
    quote = '"'

    def __init__(self, options: TrainingOptions) -> None:
        import duckdb
        from splink import DuckDBAPI

        self.con = duckdb.connect()
        self.con.execute("SET preserve_insertion_order = false")
        if options.memory_limit:
            self.con.execute(f"SET memory_limit = '{options.memory_limit}'")
            self.con.execute(f"SET temp_directory = '{tempfile.gettempdir()}/salus-linkage'")
        if options.threads:
            self.con.execute(f"SET threads = {int(options.threads)}")
        self.api: DatabaseAPISubClass = DuckDBAPI(self.con)

    def table(self, frame: pd.DataFrame) -> Any:
        import pyarrow as pa

        return pa.Table.from_pandas(frame, preserve_index=False)

    def frame(self, sql: str) -> pd.DataFrame:
        return self.con.sql(sql).df()

    def create(self, name: str, frame: pd.DataFrame) -> None:
        self.con.register(f"{name}_view", frame)
        self.con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM {name}_view")

    def close(self) -> None:
        self.con.close()


class _Spark:
    """Splink's Spark backend on the process's local Spark session (:mod:`.spark`)."""

    dialect = "spark"
    quote = "`"

    def __init__(self, options: TrainingOptions) -> None:
        from splink import SparkAPI

        from salus.analytics.reconcile.linkage.spark import SparkConfig, local_session

        self.spark = local_session(SparkConfig(options.spark_memory, options.spark_partitions,
                                               options.threads))
        self.folder = tempfile.mkdtemp(prefix="salus-spark-records-")
        self.api = SparkAPI(  # type: ignore[no-untyped-call]
            spark_session=self.spark, break_lineage_method="persist",
            num_partitions_on_repartition=max(1, options.spark_partitions))

    def table(self, frame: pd.DataFrame) -> Any:
        from salus.analytics.reconcile.linkage.spark import to_spark

        return to_spark(self.spark, frame, self.folder)

    def frame(self, sql: str) -> pd.DataFrame:
        return self.spark.sql(sql).toPandas()

    def create(self, name: str, frame: pd.DataFrame) -> None:
        self.spark.createDataFrame(frame).createOrReplaceTempView(name)

    def close(self) -> None:
        self.spark.catalog.clearCache()
        shutil.rmtree(self.folder, ignore_errors=True)


_Backend = _DuckDB | _Spark


def _backend(options: TrainingOptions) -> _Backend:
    if options.engine == "duckdb":
        return _DuckDB(options)
    if options.engine == "spark":
        return _Spark(options)
    raise ValueError(f"unknown linkage engine {options.engine!r}: use one of "
                     f"{', '.join(ENGINES)}")


def _compared(prepared: pd.DataFrame) -> pd.DataFrame:
    """The compared and blocked columns (the backend makes its own table of them)."""
    out = prepared.drop(columns=["occurred_on", "occurred_until", "date_of_birth", "age",
                                 "age_max"])
    out["source_dataset"] = "records"
    return out


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


def _train_from_labels(linker: Linker, backend: _Backend, labels: pd.DataFrame | None) -> None:
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
    backend.create("reviewer_labels", table)
    linker.training.estimate_m_from_pairwise_labels("reviewer_labels")  # type: ignore[no-untyped-call]


def _predict(linker: Linker, backend: _Backend, min_probability: float) -> pd.DataFrame:
    """Scored pairs with ``record_id_l < record_id_r``, only the columns explanations need.

    The columns are selected in the backend, so the wide prediction table never becomes a frame.
    """
    result = linker.inference.predict(threshold_match_probability=min_probability)
    columns = [c.unquote().name for c in result.columns]
    keep = [c for c in columns
            if c in PAIR_COLUMNS or c in ("source_l", "source_r")
            or c.startswith("gamma_")]
    ordered = [_ordered_sql(c, backend.quote) for c in keep]
    frame = backend.frame(f"SELECT {', '.join(ordered)} FROM {result.physical_name}")
    result.drop_table_from_database_and_remove_from_cache()
    return frame


def _ordered_sql(column: str, quote: str = '"') -> str:
    """SQL for one output column, swapping the sides of pairs whose left id is the larger."""
    swap = "record_id_l > record_id_r"
    q = quote
    for left, right in (("record_id_l", "record_id_r"), ("source_l", "source_r")):
        if column in (left, right):
            other = right if column == left else left
            return f"CASE WHEN {swap} THEN {q}{other}{q} ELSE {q}{column}{q} END AS {q}{column}{q}"
    return f"{q}{column}{q}"
