"""Ingestion: read source files, map their columns to Salus fields, report row errors.

``readers`` (CSV, HXL, XLSX, XLS, JSON, GeoJSON) → ``framing`` (header, footers) →
``mapping`` (declarative YAML) → ``binding`` / ``convert`` (cell → typed value) →
``incidents`` / ``areas`` / ``population`` (domain objects, validation) → ``pipeline``.
Nothing here touches the database: :mod:`salus.usecases.imports.files` writes what the pipeline
built.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from salus.ingestion.errors import FileImportError, MappingError, RowError, write_errors_csv
    from salus.ingestion.mapping import Mapping, load_mapping, parse_mapping
    from salus.ingestion.pipeline import PipelineResult, StoreContext, run_pipeline
    from salus.ingestion.readers import ReadOptions, Table, read_table
    from salus.ingestion.shipped import shipped_mappings

_HOMES = {
    "FileImportError": "errors", "MappingError": "errors", "RowError": "errors",
    "write_errors_csv": "errors", "Mapping": "mapping", "load_mapping": "mapping",
    "parse_mapping": "mapping", "PipelineResult": "pipeline", "StoreContext": "pipeline",
    "run_pipeline": "pipeline", "ReadOptions": "readers", "Table": "readers",
    "read_table": "readers", "shipped_mappings": "shipped",
}


def __getattr__(name: str) -> object:
    """Load a name of ``__all__`` from its module on first use (PEP 562).

    Importing one module of the package (``salus.ingestion.shipped`` for ``salus --help``)
    then no longer loads the readers, YAML and the pipeline.
    """
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{home}"), name)


__all__ = [
    "FileImportError",
    "Mapping",
    "MappingError",
    "PipelineResult",
    "ReadOptions",
    "RowError",
    "StoreContext",
    "Table",
    "load_mapping",
    "parse_mapping",
    "read_table",
    "run_pipeline",
    "shipped_mappings",
    "write_errors_csv",
]
