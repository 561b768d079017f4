"""Use case: compute an indicator on the store, once, for any renderer.

``compute_indicator`` opens an ibis connection on the same database the store uses (a SQLite
file, PostgreSQL, or an ibis backend given directly such as an in-memory DuckDB), loads the
indicator definition from the search path, validates the request and runs the engine. All
counting happens in the database; see ``docs/indicators.md``.

ibis and the engine (pandas) are imported when an indicator is computed, not when a page or
command that may compute one is imported.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

import sqlalchemy as sa

from salus.analytics.disclosure import DEFAULT_THRESHOLD, check_threshold
from salus.analytics.indicators.definitions import IndicatorDefinition, load_definitions
from salus.analytics.indicators.filters import DefinitionError, parse_filters, parse_grouping
from salus.analytics.indicators.request import Request
from salus.analytics.indicators.result import IndicatorResult
from salus.analytics.periods import Period, PeriodError, parse_period
from salus.storage.db import normalise_url
from salus.usecases.errors import NotFound, UseCaseError
from salus.usecases.indicators.protection import protect

if TYPE_CHECKING:
    import ibis

Store: TypeAlias = "sa.Engine | str | ibis.BaseBackend"


class IndicatorRequestError(UseCaseError, ValueError):
    """A period, grouping, filter or definition that cannot be used (the message says why)."""

    status = 422
    title = "Invalid indicator request"


def list_indicators(definitions: Sequence[str | Path] = ()) -> list[IndicatorDefinition]:
    """Every indicator on the search path (shipped, ``SALUS_INDICATORS_DIR``, ``definitions``)."""
    try:
        return sorted(load_definitions(definitions).values(), key=lambda d: d.id)
    except DefinitionError as exc:
        raise IndicatorRequestError(str(exc)) from exc


def compute_indicator(
    engine_or_url: Store,
    indicator_id: str,
    *,
    period: str | Period,
    by: Sequence[str] | str | None = None,
    filters: Mapping[str, Any] | None = None,
    level: int | None = None,
    public: bool = False,
    suppression_threshold: int = DEFAULT_THRESHOLD,
    annualise: bool = False,
    definitions: Sequence[str | Path] = (),
) -> IndicatorResult:
    """Compute one indicator.

    Parameters
    ----------
    engine_or_url : sqlalchemy.Engine, str or ibis backend
        The store (its URL is reopened with ibis) or an ibis connection.
    indicator_id : str
        Id of a definition on the search path (``salus indicators list``).
    period : str or Period
        ``2023``, ``2023-05``, ``2023-Q2``, ``2019..2023``, ``2023-01-01..2023-03-31``.
    by : list of str or comma-separated str, optional
        Grouping (``area, year|quarter|month|week|day, sex, age_band[:scheme], weapon,
        iccs_context, misuse_context``); the definition's default when None.
    filters : mapping, optional
        Extra filters (``area, offence, weapon, sex, age_band, iccs_context, misuse_context,
        attempted, outcome``), applied on top of the definition's.
    level : int, optional
        Admin level of ``area`` rows (default: the finest level).
    public : bool
        Suppress counts from 1 to ``suppression_threshold - 1`` and what derives from them,
        and withhold the complements that stop them being recovered from any other public
        table (:mod:`salus.usecases.indicators.protection`).
    annualise : bool
        Rates per person-year instead of per population (for periods other than a year).
    definitions : list of paths
        Extra folders of YAML definitions.
    """
    from salus.analytics.indicators.engine import run

    try:
        definition = _definition(indicator_id, definitions)
        request = _request(
            definition, period, by, filters, level, public, suppression_threshold, annualise
        )
        with _analytical(engine_or_url) as (con, sources, version):
            request = with_primary_series(con, request, sources)
            key = None if version is None else (version, repr(definition), repr(request))
            cached = _cached_result(key)
            if cached is not None:
                return cached
            result = run(con, definition, request)
            if request.public:
                result = protect(con, definition, request, result, _store_key(engine_or_url))
            _keep_result(key, result)
            return result
    except (DefinitionError, PeriodError) as exc:
        raise IndicatorRequestError(str(exc)) from exc


MAX_RESULTS = 256
_results: OrderedDict[tuple[str, str, str], IndicatorResult] = OrderedDict()
_results_lock = threading.Lock()


def _cached_result(key: tuple[str, str, str] | None) -> IndicatorResult | None:
    """A result computed on the same mirror file (so the same store and data version) for the
    same definition and request; its metadata copied, so a caller's change stays its own."""
    if key is None:
        return None
    with _results_lock:
        hit = _results.get(key)
        if hit is not None:
            _results.move_to_end(key)
    return None if hit is None else replace(hit, metadata=dict(hit.metadata))


def _keep_result(key: tuple[str, str, str] | None, result: IndicatorResult) -> None:
    """Keep ``result`` under ``key`` (the least recently used of :data:`MAX_RESULTS` goes).
    A write moves the store's data version, so the next request looks for another mirror
    file and another key: a kept result never outlives its data."""
    if key is None:
        return
    with _results_lock:
        _results[key] = replace(result, metadata=dict(result.metadata))
        while len(_results) > MAX_RESULTS:
            _results.popitem(last=False)


@contextmanager
def _analytical(store: Store) -> Iterator[tuple[ibis.BaseBackend, list[str] | None, str | None]]:
    """Where to count: the store's DuckDB mirror when it holds the store's current data
    version (:mod:`salus.usecases.indicators.mirror`), else the store itself; with the
    primary sources read from the store when counting on the mirror (None: read them from
    the connection) and the mirror's file name (None on the store: nothing is kept)."""
    import ibis

    from salus.usecases.indicators import mirror

    if not isinstance(store, ibis.BaseBackend):
        with mirror.open_current(store) as fast:
            if fast is not None:
                yield fast
                return
    with connect(store) as con:
        yield con, None, None


def _store_key(store: Store) -> str | None:
    """What the cube cache knows a store by (None: an ibis connection, not cached)."""
    if isinstance(store, sa.Engine):
        return store.url.render_as_string(hide_password=True)
    return store if isinstance(store, str) else None


def _definition(indicator_id: str, folders: Sequence[str | Path]) -> IndicatorDefinition:
    known = load_definitions(folders)
    by_sdg = {str(d.metadata.get("sdg_indicator")): d for d in known.values()
              if d.metadata.get("sdg_indicator")}
    if indicator_id not in known and indicator_id in by_sdg:
        return by_sdg[indicator_id]  # the SDG number names its indicator (16.1.2)
    if indicator_id not in known:
        raise NotFound(f"unknown indicator {indicator_id!r} (known: {', '.join(sorted(known))})")
    return known[indicator_id]


def _request(
    definition: IndicatorDefinition,
    period: str | Period,
    by: Sequence[str] | str | None,
    filters: Mapping[str, Any] | None,
    level: int | None,
    public: bool,
    threshold: int,
    annualise: bool,
) -> Request:
    items = definition.by if by is None else (by.split(",") if isinstance(by, str) else by)
    try:
        check_threshold(threshold)
    except ValueError as exc:
        raise DefinitionError(str(exc)) from None
    return Request(
        period=parse_period(period) if isinstance(period, str) else period,
        grouping=parse_grouping(items, definition.age_scheme, "--by", level),
        filters=parse_filters(filters, "request"),
        public=public,
        threshold=threshold,
        annualise=annualise,
    )


def with_primary_series(con: ibis.BaseBackend, request: Request,
                        sources: Sequence[str] | None = None) -> Request:
    """Count only the observatory's primary series unless the request names its sources.

    A store holding several institutions' records of the same deaths (police, forensic, media)
    keeps the source types of its official series in the ``primary_sources`` setting; without
    this, one death recorded by three institutions would be counted three times.
    ``sources``: the setting as read elsewhere (from the store, when ``con`` is its mirror).
    """
    if "source" in request.filters.codes:
        return request
    if sources is None:
        sources = primary_sources(con)
    if not sources:
        return request
    extra = parse_filters({"source": sources}, "observatory setting primary_sources")
    return replace(request, filters=request.filters.merge(extra))


def primary_sources(con: ibis.BaseBackend) -> list[str]:
    """Source types of the primary series stored in the observatory settings (may be empty)."""
    if "observatory_setting" not in con.list_tables():
        return []
    table = con.table("observatory_setting")
    values = table.filter(table.key == "primary_sources").select("value").execute()["value"]
    if values.empty:
        return []
    value = values.iloc[0]
    value = json.loads(value) if isinstance(value, str) else value
    return [str(v) for v in value]


@contextmanager
def connect(store: Store) -> Iterator[ibis.BaseBackend]:
    """An ibis connection on ``store`` (closed afterwards unless it was given open)."""
    import ibis

    if isinstance(store, ibis.BaseBackend):
        yield store
        return
    con = _open(
        store.url.render_as_string(hide_password=False) if isinstance(store, sa.Engine) else store
    )
    try:
        yield con
    finally:
        con.disconnect()


def _open(url: str) -> ibis.BaseBackend:
    import ibis

    parsed = sa.make_url(normalise_url(url))
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if not parsed.database or parsed.database == ":memory:":
            raise IndicatorRequestError(
                "an in-memory SQLite store cannot be reopened; "
                "pass a file URL or an ibis connection"
            )
        return ibis.sqlite.connect(parsed.database)
    if backend == "postgresql":
        return ibis.postgres.connect(
            host=parsed.host or "localhost",
            port=parsed.port or 5432,
            user=parsed.username,
            password=parsed.password,
            database=parsed.database,
        )
    if backend == "duckdb":
        return ibis.duckdb.connect(parsed.database or ":memory:")
    raise IndicatorRequestError(f"indicators cannot run on {backend!r} databases")
