"""Rows → mapped values → domain objects → validation: the good objects and every row error.

:func:`run_pipeline` reads the whole file before anything is written, so that an import is all
or nothing: it returns the objects ready to store, each with the row it came from, the errors
(which block the import unless the user asks to skip invalid rows) and the warnings (kept).
Duplicate natural keys within one file are an error naming both rows, unless the mapping says
``duplicates: number`` (identical source rows are distinct events, numbered ``#2``, ``#3``…
in order of appearance) or ``collapse_identical`` (identical rows are one record).

No storage import here: the caller passes what it knows of the store in :class:`StoreContext`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from salus.domain.incidents.model import Incident
from salus.domain.incidents.validation import PointInArea
from salus.ingestion.areas import AreaCollector
from salus.ingestion.binding import (
    Bound,
    bind,
    common_attributes,
    source_attributes,
    unmapped_columns,
    unpivot,
)
from salus.ingestion.errors import RowError
from salus.ingestion.framing import ReadStats
from salus.ingestion.hashing import content_hash
from salus.ingestion.incidents import IncidentFactory
from salus.ingestion.mapping import Mapping
from salus.ingestion.population import PopulationCollector
from salus.ingestion.readers import Table, read_table

Progress = Callable[[str, int, int | None], None]
PROGRESS_EVERY = 2000


@dataclass(frozen=True, slots=True)
class StoreContext:
    """What the pipeline needs to know of the store: area codes → levels, point checks."""

    area_levels: dict[str, int] = field(default_factory=dict)
    point_in_area: PointInArea | None = None
    today: dt.date = field(default_factory=lambda: dt.datetime.now(dt.UTC).date())
    scope: frozenset[str] | None = None
    """Codes of the areas the importing user may write (its subtree); None: every area."""
    scope_area: str | None = None
    """The code of the area the importing user is bound to (named in scope errors)."""

    def out_of_scope(self, number: int, bound: Bound, values: dict[str, Any],
                     row: dict[str, Any]) -> list[RowError]:
        """A row error when the row's (known) area lies outside the user's scope.

        An unknown code is left to the kind's own ``area.unknown`` check.
        """
        code = values.get("area_code")
        if self.scope is None or code is None or code in self.scope or \
                code not in self.area_levels:
            return []
        return [RowError(number, bound.column_of("area_code"),
                         bound.raw_text("area_code", row), "area.out_of_scope",
                         f"area {code} is outside the area you work in ({self.scope_area}): "
                         "you may import records of that area only")]


@dataclass(slots=True)
class PipelineResult:
    """Objects ready to write (``rows[i]`` is the source row of ``objects[i]``) and findings."""

    kind: str
    objects: list[Any]
    rows: list[int]
    errors: list[RowError]
    warnings: list[RowError]
    stats: ReadStats
    records: int
    rejected_rows: int
    victims: int = 0
    digests: list[str] = field(default_factory=list)
    absent_columns: list[str] = field(default_factory=list)
    header_row: int | None = None
    unmapped_columns: list[str] = field(default_factory=list)
    """Source columns no field reads: kept with each record as ``source_attributes``."""


def run_pipeline(path: str | Path, mapping: Mapping, context: StoreContext,
                 progress: Progress | None = None) -> PipelineResult:
    """Read, map, build and validate every row of ``path`` (FileImportError if unreadable)."""
    table = read_table(path, mapping.read)
    if mapping.unpivot is not None:
        table = unpivot(table, mapping.unpivot)
    bound = bind(mapping, table, table.stats.header_row)
    if mapping.kind == "incidents":
        result = _incidents(table, bound, context, progress)
    elif mapping.kind == "areas":
        result = _areas(table, bound, context, progress)
    else:
        result = _population(table, bound, context, progress)
    result.errors = table.stats.errors + result.errors
    result.absent_columns = bound.absent
    result.header_row = table.stats.header_row
    return result


def _report(progress: Progress | None, done: int, table: Table) -> None:
    if progress is not None and done % PROGRESS_EVERY == 0:
        progress("read", done, table.size_hint)


@dataclass(slots=True)
class _Tally:
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    rejected: set[int] = field(default_factory=set)
    records: int = 0

    def note(self, number: int, problems: list[RowError]) -> bool:
        """File the problems of one row; True when the row is rejected."""
        bad = False
        for p in problems:
            if p.is_error:
                self.errors.append(p)
                bad = True
            else:
                self.warnings.append(p)
        if bad:
            self.rejected.add(number)
        return bad


def _incidents(table: Table, bound: Bound, context: StoreContext,
               progress: Progress | None) -> PipelineResult:
    rows = IncidentRows(table, bound, context, progress)
    whole = next(rows.chunks(None))
    return rows.result(whole)


@dataclass(slots=True)
class Chunk:
    """Consecutive good records of a file: ``rows[i]`` is the source row of ``objects[i]``."""

    objects: list[Incident]
    rows: list[int]
    digests: list[str]


class IncidentRows:
    """The incident rows of one bound table, built and checked row by row in file order.

    :meth:`chunks` yields the good records in chunks of ``size`` (``None``: one chunk, the
    whole file) while the findings accumulate, so that an import can stream a file of any
    size (:func:`stream_pipeline`) with the very rules of :func:`run_pipeline`: both run this
    one loop. ``collapse_identical`` merges a later row into an earlier record, which may lie
    in a chunk already handed on: it is read as one chunk only.
    """

    def __init__(self, table: Table, bound: Bound, context: StoreContext,
                 progress: Progress | None) -> None:
        self.table, self.bound, self.context, self.progress = table, bound, context, progress
        self.factory = IncidentFactory.create(bound, table.columns, table.tags,
                                              set(context.area_levels), context.point_in_area,
                                              context.today)
        self.unmapped = unmapped_columns(table.columns,
                                         bound.used | {g.column for g in self.factory.groups})
        self.tally, self.keys = _Tally(), _Keys(bound.mapping.duplicates)
        self.victims = 0

    def chunks(self, size: int | None) -> Iterator[Chunk]:
        """The good records, ``size`` at a time (the last chunk may be shorter or empty)."""
        if size is not None and self.keys.mode == "collapse_identical":
            raise ValueError("collapse_identical files are read as one chunk")
        table, bound, context, factory = self.table, self.bound, self.context, self.factory
        tally, keys, unmapped, progress = self.tally, self.keys, self.unmapped, self.progress
        objects: list[Incident] = []
        rows: list[int] = []
        digests: list[str] = []
        for number, row in table.rows:
            tally.records += 1
            _report(progress, tally.records, table)
            values, problems = bound.extract(number, row)
            if tally.note(number, problems + context.out_of_scope(number, bound, values, row)):
                continue
            record_id = values.get("record_id") or bound.record_hash(row)
            incident, problems = factory.build(number, values, row, record_id)
            if tally.note(number, problems) or incident is None:
                continue
            if unmapped:
                incident.source_attributes = source_attributes(row, unmapped)
            digest = content_hash(incident)
            problem = keys.claim(number, incident, keys.identity(incident, digest), bound)
            if problem is not None:
                tally.note(number, [problem])
                continue
            if keys.collapsed(number):
                keys.merge_into_first(incident, objects, digests)
                continue
            keys.placed(incident, len(objects))
            objects.append(incident)
            rows.append(number)
            digests.append(digest)
            self.victims += len(incident.persons)
            if size is not None and len(objects) >= size:
                yield Chunk(objects, rows, digests)
                objects, rows, digests = [], [], []
        yield Chunk(objects, rows, digests)

    def result(self, whole: Chunk | None = None) -> PipelineResult:
        """The findings so far, with ``whole``'s records (none: a streamed file's summary)."""
        objects, rows, digests = (whole.objects, whole.rows, whole.digests) if whole else \
            ([], [], [])
        return PipelineResult("incidents", objects, rows, self.tally.errors,
                              self.tally.warnings, self.table.stats, self.tally.records,
                              len(self.tally.rejected), self.victims, digests,
                              unmapped_columns=self.unmapped)


@dataclass(slots=True)
class IncidentStream:
    """A file of incidents read as it is written (:func:`stream_pipeline`)."""

    rows: IncidentRows
    absent_columns: list[str]
    header_row: int | None

    def chunks(self, size: int) -> Iterator[Chunk]:
        return self.rows.chunks(size)

    @property
    def errors(self) -> list[RowError]:
        """Every error found so far (the reader's and the rows')."""
        return self.rows.table.stats.errors + self.rows.tally.errors

    def has_errors(self) -> bool:
        return bool(self.rows.tally.errors or self.rows.table.stats.errors)

    def result(self) -> PipelineResult:
        """What :func:`run_pipeline` returns, less the records (call after the last chunk)."""
        result = self.rows.result()
        result.errors = self.errors
        result.absent_columns = self.absent_columns
        result.header_row = self.header_row
        return result


def streamable(mapping: Mapping) -> bool:
    """Whether :func:`stream_pipeline` reads files of ``mapping`` (incidents whose repeated
    rows are not collapsed into an earlier record)."""
    return mapping.kind == "incidents" and mapping.duplicates != "collapse_identical"


def stream_pipeline(path: str | Path, mapping: Mapping, context: StoreContext,
                    progress: Progress | None = None) -> IncidentStream:
    """Open ``path`` for :meth:`IncidentStream.chunks`: the rules of :func:`run_pipeline`, in
    chunks, so that only one chunk of records is held at a time (FileImportError if the file
    cannot be opened; an error met further in the file is reported like any other)."""
    if not streamable(mapping):
        raise ValueError(f"mapping {mapping.name} cannot be streamed")
    table = read_table(path, mapping.read)
    if mapping.unpivot is not None:
        table = unpivot(table, mapping.unpivot)
    bound = bind(mapping, table, table.stats.header_row)
    return IncidentStream(IncidentRows(table, bound, context, progress), bound.absent,
                          table.stats.header_row)


class _Keys:
    """Natural keys seen so far in the file, and what to do with a repeated one.

    Each key is kept as a 128-bit BLAKE2b digest of its three parts (length-prefixed, so no
    two keys share a text) rather than as the strings themselves: a few tens of bytes a row,
    so that a streamed file of millions of rows is checked without holding its ids. Two
    different keys would have to collide on 128 bits (probability about n²/2¹²⁹: 10⁻²⁵ for
    5 million rows) to be taken for one.
    """

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.seen: dict[bytes, Any] = {}
        self.counts: dict[bytes, int] = {}
        self._collapsed: set[int] = set()
        self._position: dict[bytes, int] = {}

    def identity(self, incident: Incident, digest: str) -> str:
        """What ``collapse_identical`` compares: the digest without the source attributes
        (rows alike but for columns no field reads are one record)."""
        if self.mode != "collapse_identical" or not incident.source_attributes:
            return digest
        attributes, incident.source_attributes = incident.source_attributes, {}
        try:
            return content_hash(incident)
        finally:
            incident.source_attributes = attributes

    def placed(self, incident: Incident, index: int) -> None:
        if self.mode == "collapse_identical":
            self._position[_compact(incident.natural_key())] = index

    def merge_into_first(self, incident: Incident, objects: list[Incident],
                         digests: list[str]) -> None:
        """A collapsed row keeps, on the first row's record, the attributes both agree on."""
        index = self._position[_compact(incident.natural_key())]
        kept = objects[index]
        common = common_attributes(kept.source_attributes, incident.source_attributes)
        if common != kept.source_attributes:
            kept.source_attributes = common
            digests[index] = content_hash(kept)

    def claim(self, number: int, incident: Any, digest: str, bound: Bound) -> RowError | None:
        key = incident.natural_key()
        compact = _compact(key)
        first = self.seen.get(compact)
        if first is None:
            self.seen[compact] = (number, digest) if self.mode == "collapse_identical" \
                else number
            return None
        if self.mode == "number":
            n = self.counts[compact] = self.counts.get(compact, 1) + 1
            incident.source.record_id = f"{incident.source.record_id}#{n}"
            return self.claim(number, incident, digest, bound)
        if self.mode == "collapse_identical":
            if first[1] == digest:
                self._collapsed.add(number)
                return None
            first = first[0]
        column = bound.column_of("record_id") if "record_id" in bound.columns else \
            "(record id hash)"
        return RowError(number, column, key[2], "row.duplicate",
                        f"rows {first} and {number} have the same record id "
                        f"({key[0]}, {key[1]}, {key[2]})")

    def collapsed(self, number: int) -> bool:
        return number in self._collapsed


def _compact(key: tuple[str, str, str]) -> bytes:
    """A natural key's 128-bit digest (see :class:`_Keys`)."""
    text = f"{len(key[0])}:{key[0]}{len(key[1])}:{key[1]}{key[2]}"
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def _areas(table: Table, bound: Bound, context: StoreContext,
           progress: Progress | None) -> PipelineResult:
    collector = AreaCollector.create(bound, table.columns, table.tags, context.area_levels)
    unmapped = unmapped_columns(table.columns,
                                bound.used | {key for key, _ in collector.level_columns})
    tally = _Tally()
    for number, row in table.rows:
        tally.records += 1
        _report(progress, tally.records, table)
        values, problems = bound.extract(number, row)
        if tally.note(number, problems):
            continue
        tally.note(number, collector.add(number, values, row,
                                         source_attributes(row, unmapped)))
    areas, rows, parent_errors = collector.finish()
    for error in parent_errors:
        tally.note(error.row or 0, [error])
    return PipelineResult("areas", list(areas), rows, tally.errors, tally.warnings, table.stats,
                          tally.records, len(tally.rejected), unmapped_columns=unmapped)


def _population(table: Table, bound: Bound, context: StoreContext,
                progress: Progress | None) -> PipelineResult:
    collector = PopulationCollector(bound, set(context.area_levels), context.today)
    unmapped = unmapped_columns(table.columns, bound.used)
    tally = _Tally()
    for number, row in table.rows:
        tally.records += 1
        _report(progress, tally.records, table)
        values, problems = bound.extract(number, row)
        if tally.note(number, problems + context.out_of_scope(number, bound, values, row)):
            continue
        tally.note(number, collector.add(number, values, row,
                                         source_attributes(row, unmapped)))
    cells, rows = collector.finish()
    return PipelineResult("population", list(cells), rows, tally.errors, tally.warnings,
                          table.stats, tally.records, len(tally.rejected),
                          unmapped_columns=unmapped)
