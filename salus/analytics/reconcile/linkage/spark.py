"""Splink's Spark backend in local mode: one small Spark session per process.

The session runs in this process's JVM (``local[N]``), never contacts a cluster and downloads
nothing: Splink's similarity functions (``jaro_winkler`` …) come from the jar shipped inside
the Splink wheel (``splink/internals/files/spark_jars``), registered through ``spark.jars``.
Memory and parallelism are kept small (``spark.driver.memory``,
``spark.sql.shuffle.partitions``): linkage jobs of an observatory are small for Spark; the point
of this backend is to run the same job where the records already live in a Spark cluster.

PySpark and a Java runtime are needed only when this module's functions are called.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from functools import cache
from typing import Any

import pandas as pd


class SparkUnavailable(RuntimeError):  # noqa: N818 - reads as the condition it reports
    """No Java runtime (or no PySpark) to start Spark with."""


@dataclass(frozen=True)
class SparkConfig:
    """Local-mode settings: driver memory, shuffle partitions, cores (``None``: all)."""

    memory: str = "1g"
    partitions: int = 4
    cores: int | None = None


def java_available() -> bool:
    """Whether a Java runtime is on the PATH (or ``JAVA_HOME`` is set)."""
    return bool(shutil.which("java") or os.environ.get("JAVA_HOME"))


def local_builder(app_name: str, config: SparkConfig = SparkConfig()) -> tuple[Any, str]:
    """A local-mode session builder and its scratch folder: bound to the loopback interface, no
    web UI, a temporary warehouse, and Splink's similarity jar on the classpath.

    Every Spark session of Salus (record linkage, indicators over Parquet) is built here: Spark
    keeps the first session of a process (``getOrCreate``) and ``spark.jars`` cannot be added
    to a running one, so whichever comes first must serve both.
    """
    if not java_available():
        raise SparkUnavailable("the Spark engine needs a Java runtime (no `java` on the PATH)")
    try:
        from pyspark.sql import SparkSession
        from splink.backends.spark import similarity_jar_location
    except ImportError as exc:  # pragma: no cover - pyspark is a locked dependency
        raise SparkUnavailable(f"the Spark engine needs PySpark: {exc}") from exc
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    scratch = tempfile.mkdtemp(prefix="salus-spark-")
    cores = config.cores or "*"
    builder = (
        SparkSession.builder.master(f"local[{cores}]")
        .appName(app_name)
        .config("spark.driver.memory", config.memory)
        .config("spark.sql.shuffle.partitions", str(config.partitions))
        .config("spark.default.parallelism", str(config.partitions))
        .config("spark.jars", similarity_jar_location())
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.warehouse.dir", os.path.join(scratch, "warehouse"))
        .config("spark.local.dir", os.path.join(scratch, "local"))
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
    )
    return builder, scratch


@cache
def local_session(config: SparkConfig = SparkConfig()) -> Any:
    """A local Spark session with Splink's similarity jar, created once per process."""
    builder, scratch = local_builder("salus-linkage", config)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    session.sparkContext.setCheckpointDir(os.path.join(scratch, "checkpoints"))
    return session


NUMERIC = frozenset({"longitude", "latitude", "age_low", "age_high"})
"""Columns that are numbers even when every value is missing."""


def to_spark(session: Any, frame: pd.DataFrame, folder: str) -> Any:
    """A Spark DataFrame of a pandas frame, through Arrow with an explicit schema.

    The table is written to a Parquet file in ``folder`` (the caller removes it) and read back:
    a frame handed over in memory becomes a local relation inside every query plan that uses
    it, which exhausted a 2 GB driver at 100,000 records.

    A column with no value at all (no source gave a point, say) has no type to infer: it
    becomes a number (:data:`NUMERIC`), a list of strings (a list column) or a string.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=False)
    schema = pa.schema([pa.field(f.name, _typed(f.name, f.type)) for f in table.schema])
    path = os.path.join(folder, "records.parquet")
    pq.write_table(table.cast(schema), path)
    return session.read.parquet(path)


def _typed(name: str, kind: Any) -> Any:
    import pyarrow as pa

    if pa.types.is_large_string(kind):
        return pa.string()
    if pa.types.is_large_list(kind):
        return pa.list_(pa.string())
    if not pa.types.is_null(kind):
        return kind
    if name in NUMERIC:
        return pa.float64()
    if name in ("name_tokens", "name_keys", "neighbours"):
        return pa.list_(pa.string())
    return pa.string()
