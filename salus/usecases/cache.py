"""Figures reused until the data change: one in-process cache keyed by data versions (issue 11).

A figure computed from the store (a dashboard panel, a public cube, a community page's figures,
hot spots, clusters, the tension index) is kept under the key

    (figure, store, data versions of the counters it reads, viewer scope, parameters)

where the data versions are the counters the database bumps in the same transaction as every
write to their tables (:mod:`salus.storage.versions`, revision 0019). A write moves a counter,
so the next request builds a new key and recomputes; nothing is ever cleared by hand and there
is no time-to-live, so a figure is never stale and never recomputed while its data stand still.
A hit costs one small query (reading the counters).

Order of reads: the counters are read *before* the figure is computed. A write committed in
between makes the figure newer than its key says, never older, and the next reader sees the
new counter and recomputes; so a key never serves data older than the counters it names.

The viewer's scope is part of every key (:func:`viewer_scope`: role, public or not, the area
the viewer is bound to and its permissions), so a regional viewer never receives a figure
computed for another scope and a public request never receives a non-public one, even where
two scopes would happen to compute the same figure.

Each :class:`FigureCache` is

* bounded: least recently used entries are evicted beyond ``max_entries``, and beyond
  ``max_bytes`` when a ``sizeof`` function is given;
* thread-safe and single-flight: concurrent callers missing the same key wait for one
  computation (50 dashboard clients on a cold key compute it once); a computation that fails
  is not stored, and a waiting caller then computes it itself;
* copy-on-read where values are mutable (``copy=True``: each caller gets a deep copy, so no
  caller can alter what another reads); immutable values are returned as stored.

Counters :attr:`FigureCache.hits` and :attr:`FigureCache.misses` say how a figure was served
(tests read them rather than timing requests).
"""

from __future__ import annotations

import copy as copying
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

import sqlalchemy as sa

from salus.domain.accounts.roles import Viewer
from salus.storage import schema as t
from salus.storage import versions

T = TypeVar("T")

_CACHES: dict[str, FigureCache] = {}
_REGISTRY_LOCK = threading.Lock()


@dataclass(frozen=True, slots=True)
class Stats:
    """What a cache has served so far."""

    hits: int
    misses: int
    entries: int
    size: int


class FigureCache:
    """A bounded, thread-safe, single-flight LRU map from keys to computed figures."""

    def __init__(self, name: str, max_entries: int = 256, *, copy: bool = False,
                 max_bytes: int | None = None, sizeof: Callable[[Any], int] | None = None
                 ) -> None:
        if max_entries < 1:
            raise ValueError(f"cache {name!r}: max_entries must be at least 1, not {max_entries}")
        self.name = name
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.copy = copy
        self._sizeof = sizeof
        self._data: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self._inflight: dict[Hashable, threading.Lock] = {}
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The value kept under ``key``, or ``compute()`` kept there (computed once however
        many callers miss the key at the same time)."""
        with self._lock:
            found = self._lookup(key)
            if found is not None:
                return cast(T, self._out(found[0]))
            gate = self._inflight.setdefault(key, threading.Lock())
        with gate:
            with self._lock:
                found = self._lookup(key)
            if found is not None:
                return cast(T, self._out(found[0]))
            try:
                value = compute()
                with self._lock:
                    self.misses += 1
                    self._keep(key, value)
            finally:
                with self._lock:
                    if self._inflight.get(key) is gate:
                        del self._inflight[key]
        return cast(T, self._out(value))

    def put(self, key: Hashable, value: Any) -> None:
        """Keep ``value`` under ``key`` (replacing what was there)."""
        with self._lock:
            self._keep(key, value)

    def peek(self, key: Hashable) -> bool:
        """Whether ``key`` is kept now (counts nothing)."""
        with self._lock:
            return key in self._data

    def clear(self) -> None:
        """Forget every entry (tests and benchmarks; writes never need it)."""
        with self._lock:
            self._data.clear()
            self._bytes = 0

    def stats(self) -> Stats:
        with self._lock:
            return Stats(self.hits, self.misses, len(self._data), self._bytes)

    def _lookup(self, key: Hashable) -> tuple[Any, int] | None:
        found = self._data.get(key)
        if found is not None:
            self._data.move_to_end(key)
            self.hits += 1
        return found

    def _keep(self, key: Hashable, value: Any) -> None:
        size = self._sizeof(value) if self._sizeof is not None else 0
        old = self._data.pop(key, None)
        if old is not None:
            self._bytes -= old[1]
        self._data[key] = (value, size)
        self._bytes += size
        while len(self._data) > self.max_entries or (
                self.max_bytes is not None and self._bytes > self.max_bytes
                and len(self._data) > 1):
            _, (_, dropped) = self._data.popitem(last=False)
            self._bytes -= dropped

    def _out(self, value: Any) -> Any:
        return copying.deepcopy(value) if self.copy else value


def cache(name: str, max_entries: int = 256, *, copy: bool = False,
          max_bytes: int | None = None, sizeof: Callable[[Any], int] | None = None
          ) -> FigureCache:
    """The process's cache called ``name`` (made on first use with these settings)."""
    with _REGISTRY_LOCK:
        found = _CACHES.get(name)
        if found is None:
            found = _CACHES[name] = FigureCache(name, max_entries, copy=copy,
                                                max_bytes=max_bytes, sizeof=sizeof)
        return found


def caches() -> dict[str, FigureCache]:
    """Every cache of the process by name."""
    with _REGISTRY_LOCK:
        return dict(_CACHES)


def clear_all() -> None:
    """Forget every entry of every cache (tests and benchmarks)."""
    for c in caches().values():
        c.clear()


def viewer_scope(viewer: Viewer) -> tuple[Any, ...]:
    """What a figure may depend on about its viewer: role, public or not, the bound area
    (id and code) and the permissions (sorted)."""
    return (viewer.role.value, viewer.public, viewer.area_id, viewer.area_code,
            tuple(sorted(p.value for p in viewer.permissions)))


def key(figure: str, engine: sa.Engine, counters: Iterable[str], scope: Hashable,
        params: Hashable, settings: Iterable[str] = ()) -> tuple[Any, ...]:
    """The cache key of ``figure`` on ``engine`` for this scope and these parameters, with
    the current versions of ``counters`` and the values of the observatory ``settings`` the
    figure reads (settings have no counter; ``primary_sources`` decides what indicators and
    alerts count), read on one connection."""
    names, wanted = tuple(counters), tuple(settings)
    with engine.connect() as conn:
        current = versions.current(conn, names)
        values: tuple[Any, ...] = ()
        if wanted:
            rows = dict(conn.execute(
                sa.select(t.observatory_setting.c.key, t.observatory_setting.c.value)
                .where(t.observatory_setting.c.key.in_(wanted))).all())
            values = tuple(json.dumps(rows.get(w), sort_keys=True, default=str) for w in wanted)
    return (figure, store_key(engine), names, current, values, scope, params)


def store_key(engine: sa.Engine) -> str:
    """:func:`salus.storage.versions.store_key`, with the engine's identity added for an
    in-memory SQLite store (every one has the URL ``sqlite://``, each its own data)."""
    key = versions.store_key(engine)
    if engine.dialect.name == "sqlite" and engine.url.database in (None, "", ":memory:"):
        key = f"{key}#{id(engine)}"
    return key


def cached(figure: str, engine: sa.Engine, counters: Iterable[str], viewer: Viewer | None,
           params: Hashable, compute: Callable[[], T], *, settings: Iterable[str] = (),
           max_entries: int = 256, copy: bool = False) -> T:
    """``compute()`` kept in the cache ``figure`` under :func:`key` (the viewer's scope from
    :func:`viewer_scope`; None for figures that do not depend on the viewer)."""
    scope = None if viewer is None else viewer_scope(viewer)
    store = cache(figure, max_entries, copy=copy)
    return store.get(key(figure, engine, counters, scope, params, settings), compute)
