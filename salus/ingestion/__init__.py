"""Ingestion: read source files, map their columns to Salus fields, report row errors.

``readers`` (CSV, HXL, XLSX, XLS, JSON, GeoJSON) → ``framing`` (header, footers) →
``mapping`` (declarative YAML) → ``binding`` / ``convert`` (cell → typed value) →
``incidents`` / ``areas`` / ``population`` (domain objects, validation) → ``pipeline``.
Nothing here touches the database: :mod:`salus.usecases.imports.files` writes what the pipeline
built.
"""

from salus.ingestion.errors import FileImportError, MappingError, RowError, write_errors_csv
from salus.ingestion.mapping import Mapping, load_mapping, parse_mapping, shipped_mappings
from salus.ingestion.pipeline import PipelineResult, StoreContext, run_pipeline
from salus.ingestion.readers import ReadOptions, Table, read_table

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
