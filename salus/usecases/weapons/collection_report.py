"""Weapons collected, surrendered, seized, found and destroyed, with the parts and ammunition
destroyed, per period × area × category × agency (issue 13): the figures annual reports of
collection and destruction programmes quote ("60,500 weapons destroyed").

Method (ISACS/MOSAIC 05.40 collection, 05.50 destruction, 05.20 stockpile accounting):

* **unit** — one effective lifecycle event of a weapon (corrections applied, voided events left
  out): ``surrendered``, ``seized``, ``found`` (together **collected**: weapons that came into
  state hands) and ``destroyed``; dated in the period ``[start, end)``; a weapon seized and later
  destroyed counts once in each;
* **area** — the event's area, else the weapon's, rolled up to the areas of ``area_level`` (by
  default the level below the area reported on, or below the top level for the whole store: the
  regions of a country); an event with no area
  reads "" (unbound viewers only);
* **category** — the weapon's UN small-arms category (``taxonomies/weapon.yaml``);
* **agency** — the agency recorded on the event (a campaign's or a batch's collecting agency by
  default); "" when none was recorded;
* **parts and ammunition** — the quantities on destruction batches dated in the period, by
  batch area, agency, part kind or calibre.

Public output (:mod:`salus.analytics.disclosure`): counts of 1–4 read ``<5``; ``collected`` is
withheld (``c``) in a row where one of its three parts is suppressed (it is their sum, so it
would give a lone suppressed part back); no totals are published, and the public chart draws
the published cells themselves, so no margin gives a suppressed cell back. Viewers without the
``weapons`` permission (the public) always get the suppressed version. A viewer bound to an area
reports on its subtree only.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from salus.analytics import disclosure
from salus.analytics.periods import Period, PeriodError, bucket_label, parse_period, truncate
from salus.domain.accounts.roles import Permission, Viewer
from salus.domain.spreadsheet import safe_record
from salus.domain.weapons.collection import (
    COLLECTED_PARTS,
    EVENT_MEASURES,
    MEASURES,
    Measure,
    text_errors,
)
from salus.domain.weapons.lifecycle import effective_history
from salus.domain.weapons.registry import ArmsRuleError, EventType
from salus.storage import schema as t
from salus.storage.weapons import schema as w
from salus.usecases import scope
from salus.usecases.errors import PermissionDenied
from salus.usecases.weapons.common import area_for, fail, lifecycle

GRAINS = ("year", "quarter", "month")
DIMENSIONS = ("area", "category", "agency")
PUBLIC_BY = ("area",)
"""The one shape of public output: by area, at the level below the store's top, per calendar
year. Every public answer is then a set of cells of that one table, so no answer is a margin of
another (a region against its districts, a year against its quarters, area against area ×
category), and no suppressed cell can be worked out by subtracting one answer from another."""
WITHHELD = "c"
"""A withheld count that is not small (confidential: the flag Eurostat and the ONS use)."""
COLUMNS = ("period", "area", "category", "agency", *(m.value for m in MEASURES))
ITEM_COLUMNS = ("period", "area", "agency", "item", "kind", "quantity")
EVENT_KINDS = tuple(k.value for k in EVENT_MEASURES)
Counted = tuple[dt.date, str, int | None, str | None, str | None]
"""(day, event type, area id, category, agency) of one counted event."""
Key = tuple[str, str, str, str]
"""(period, area, category, agency) of a row; a dimension not asked for reads ""."""


@dataclass(frozen=True, slots=True)
class CollectionReport:
    """The report for one period and area, computed once and rendered many ways."""

    period: str
    start: dt.date
    end: dt.date
    grain: str
    by: tuple[str, ...]
    area_code: str | None
    area_level: int | None
    public: bool
    cells: dict[Key, Counter[str]]
    items: dict[tuple[str, str, str, str, str], int] = field(default_factory=dict)
    """(period, area, agency, part|ammunition, part kind or calibre) → quantity."""
    threshold: int = disclosure.DEFAULT_THRESHOLD

    def count(self, n: int) -> int | str:
        """A count as published: ``<5`` in public output when 1–4."""
        if self.public and bool(disclosure.small_cells([n], self.threshold)[0]):
            return disclosure.suppressed_label(self.threshold)
        return n

    def row_values(self, key: Key) -> dict[str, int | str]:
        """The measures of one row as published (``collected`` withheld when it would give a
        suppressed part back)."""
        counts = self.cells[key]
        out: dict[str, int | str] = {m.value: self.count(counts[m.value]) for m in MEASURES}
        if self.public and isinstance(out[Measure.COLLECTED.value], int):
            hidden = [m for m in COLLECTED_PARTS if isinstance(out[m.value], str)]
            if hidden:
                out[Measure.COLLECTED.value] = WITHHELD
        return out

    def keys(self) -> list[Key]:
        return sorted(self.cells)

    def rows(self) -> list[dict[str, Any]]:
        """One row per (period, area, category, agency) with every measure."""
        return [dict(zip(("period", "area", "category", "agency"), key, strict=True))
                | self.row_values(key) for key in self.keys()]

    def item_rows(self) -> list[dict[str, Any]]:
        return [{"period": k[0], "area": k[1], "agency": k[2], "item": k[3], "kind": k[4],
                 "quantity": self.count(q)} for k, q in sorted(self.items.items())]

    def totals(self) -> dict[str, int] | None:
        """Each measure over the whole report (None in public output: a margin)."""
        if self.public:
            return None
        total: Counter[str] = Counter()
        for counts in self.cells.values():
            total.update(counts)
        return {m.value: total[m.value] for m in MEASURES}

    def item_totals(self) -> dict[str, int] | None:
        if self.public:
            return None
        out: Counter[str] = Counter()
        for k, q in self.items.items():
            out[k[3]] += q
        return {"part": out["part"], "ammunition": out["ammunition"]}

    def csv(self, lineterminator: str = "\r\n") -> str:
        """The rows, then the parts and ammunition lines, as CSV; cells that could run as
        formulas in a spreadsheet are neutralised (:mod:`salus.domain.spreadsheet`)."""
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator=lineterminator)
        writer.writeheader()
        writer.writerows(safe_record(row) for row in self.rows())
        if self.items:
            buffer.write(lineterminator)
            items = csv.DictWriter(buffer, fieldnames=ITEM_COLUMNS,
                                   lineterminator=lineterminator)
            items.writeheader()
            items.writerows(safe_record(row) for row in self.item_rows())
        return buffer.getvalue()

    def chart(self, names: dict[str, str] | None = None) -> dict[str, Any]:
        """A bar chart spec for ``salus.js``: each measure per period (signed-in), or the
        published cells row by row (public: no margin is drawn)."""
        names = names or {}
        measures = [m.value for m in MEASURES]
        if self.public:
            keys = self.keys()[:60]
            labels = [" · ".join(p for p in k if p) for k in keys]
            values = [self.row_values(k) for k in keys]
            return {"type": "bar", "categories": labels, "series": [
                {"name": names.get(m, m), "data": [v[m] if isinstance(v[m], int) else None
                                                   for v in values]} for m in measures]}
        periods = sorted({k[0] for k in self.cells})
        by_period: dict[str, Counter[str]] = {p: Counter() for p in periods}
        for key, counts in self.cells.items():
            by_period[key[0]].update(counts)
        return {"type": "bar", "categories": periods, "series": [
            {"name": names.get(m, m), "data": [by_period[p][m] for p in periods]}
            for m in measures]}


def collection_report(engine: sa.Engine, viewer: Viewer, period: str,
                      area_code: str | None = None, *, grain: str = "year",
                      by: tuple[str, ...] = DIMENSIONS, area_level: int | None = None,
                      public: bool = False,
                      threshold: int = disclosure.DEFAULT_THRESHOLD) -> CollectionReport:
    """Compute the report for ``period`` (``2024``, ``2024-Q1``, ``2020..2024``) in ``grain``
    buckets, broken down by the dimensions of ``by`` (any of area, category, agency).

    ``WEAPONS`` viewers get exact counts (unless ``public``); viewers with only ``INDICATORS``
    (the public) get suppressed output. Refused: an unreadable period, an unknown grain or
    dimension, an area unknown or outside the viewer's scope."""
    if not viewer.can(Permission.WEAPONS):
        if not viewer.can(Permission.INDICATORS):
            raise PermissionDenied("the collection report needs the weapons or the indicators "
                                   "permission")
        public = True
    disclosure.check_threshold(threshold)
    span = _checked(period, grain, by, area_code)
    if public:
        _check_public(span, period, grain)
        by = PUBLIC_BY
    with engine.connect() as conn:
        root = area_for(conn, viewer, area_code) if area_code else viewer.area_id
        areas = _Areas(conn, None if public else root, None if public else area_level)
        if public and root is not None and areas.deeper(root):
            fail([ArmsRuleError("report.public_area", "area", area_code or "",
                                "the public report goes no deeper than its areas of level "
                                f"{areas.level}")])
        cells: dict[Key, Counter[str]] = {}
        for on, kind, area_id, category, agency in _events(conn, span, root):
            key = (bucket_label(truncate(on, grain), grain),
                   areas.code(area_id) if "area" in by else "",
                   (category or "") if "category" in by else "",
                   (agency or "") if "agency" in by else "")
            counts = cells.setdefault(key, Counter())
            measure = EVENT_MEASURES[EventType(kind)]
            counts[measure.value] += 1
            if measure in COLLECTED_PARTS:
                counts[Measure.COLLECTED.value] += 1
        items: Counter[tuple[str, str, str, str, str]] = Counter()
        for r in _items(conn, span, root):
            items[(bucket_label(truncate(r.destroyed_on, grain), grain),
                   areas.code(r.area_id) if "area" in by else "",
                   (r.collecting_agency or "") if "agency" in by else "",
                   r.kind, r.part_kind or r.calibre or "")] += int(r.quantity)
    return CollectionReport(span.label, span.start, span.end, grain, tuple(by),
                            area_code or viewer.area_code, areas.level, public, cells,
                            dict(items), threshold)


def _checked(period: str, grain: str, by: tuple[str, ...], area_code: str | None) -> Period:
    errors = text_errors({"area": area_code})
    span = None
    try:
        span = parse_period(period)
    except PeriodError as exc:
        errors.append(ArmsRuleError("period.invalid", "period", period, str(exc)))
    if grain not in GRAINS:
        errors.append(ArmsRuleError("report.grain", "grain", grain, f"one of {', '.join(GRAINS)}"))
    for name in by:
        if name not in DIMENSIONS:
            errors.append(ArmsRuleError("report.dimension", "by", name,
                                        f"any of {', '.join(DIMENSIONS)}"))
    if errors or span is None:
        fail(errors)
    return span


def _check_public(span: Period, period: str, grain: str) -> None:
    """Public output is per calendar year only (see :data:`PUBLIC_BY`)."""
    errors = []
    if grain != "year":
        errors.append(ArmsRuleError("report.public_grain", "grain", grain,
                                    "the public report is per year"))
    if (span.start.month, span.start.day, span.end.month, span.end.day) != (1, 1, 1, 1):
        errors.append(ArmsRuleError("report.public_period", "period", period,
                                    "the public report covers whole calendar years"))
    if errors:
        fail(errors)


class _Areas:
    """Area ids rolled up to their ancestor at the report's level."""

    def __init__(self, conn: sa.Connection, root: int | None, level: int | None) -> None:
        a = t.area
        rows = conn.execute(sa.select(a.c.id, a.c.code, a.c.level, a.c.parent_id)).all()
        self._rows = {int(r.id): r for r in rows}
        if level is None:
            # the level below the area reported on; for the whole store, below its top level
            # (the regions of a country)
            base = self._rows[root].level if root is not None and root in self._rows else \
                min((r.level for r in rows), default=0)
            level = base + 1
        self.level: int | None = level
        self._memo: dict[int | None, str] = {None: ""}

    def deeper(self, area_id: int) -> bool:
        """Whether the area lies below the report's level (its row would be part of one)."""
        row = self._rows.get(area_id)
        return row is not None and row.level > (self.level or 0)

    def code(self, area_id: int | None) -> str:
        if area_id in self._memo:
            return self._memo[area_id]
        assert area_id is not None
        current = self._rows.get(area_id)
        while current is not None and current.level > (self.level or 0) \
                and current.parent_id is not None:
            current = self._rows.get(int(current.parent_id))
        found = "" if current is None else str(current.code)
        self._memo[area_id] = found
        return found


def _events(conn: sa.Connection, span: Period, root: int | None) -> list[Counted]:
    """(day, event type, area id, category, agency) of every effective counted event."""
    e, wt = w.weapon_event, w.weapon
    corrected = sa.select(e.c.weapon_id).where(e.c.event_type == EventType.CORRECTION.value)
    where_area = sa.func.coalesce(e.c.area_id, wt.c.area_id)
    q = (sa.select(e.c.occurred_on, e.c.event_type, where_area.label("area_id"),
                   wt.c.category, e.c.agency)
         .join(wt, wt.c.id == e.c.weapon_id)
         .where(e.c.event_type.in_(EVENT_KINDS), e.c.occurred_on >= span.start,
                e.c.occurred_on < span.end, e.c.weapon_id.not_in(corrected)))
    if root is not None:
        q = q.where(where_area.in_(scope.subtree(root)))
    out: list[Counted] = [(r.occurred_on, r.event_type, r.area_id, r.category, r.agency)
                          for r in conn.execute(q)]
    return out + _corrected(conn, span, root)


def _corrected(conn: sa.Connection, span: Period, root: int | None) -> list[Counted]:
    """Events of weapons that have corrections, from their effective histories (few)."""
    e, wt = w.weapon_event, w.weapon
    ids = conn.scalars(sa.select(e.c.weapon_id).where(
        e.c.event_type == EventType.CORRECTION.value).distinct()).all()
    if not ids:
        return []
    allowed = None if root is None else set(conn.scalars(scope.subtree(root)))
    out: list[Counted] = []
    for weapon_id in ids:
        weapon = conn.execute(sa.select(wt.c.area_id, wt.c.category).where(
            wt.c.id == weapon_id)).one()
        stored = {int(r.id): r for r in conn.execute(
            sa.select(e.c.id, e.c.area_id, e.c.agency).where(e.c.weapon_id == weapon_id))}
        for event in effective_history(lifecycle(conn, int(weapon_id))):
            if event.event_type.value not in EVENT_KINDS or event.id is None:
                continue
            if not span.start <= event.occurred_on < span.end:
                continue
            row = stored[event.id]
            area_id = row.area_id if row.area_id is not None else weapon.area_id
            if allowed is not None and area_id not in allowed:
                continue
            out.append((event.occurred_on, event.event_type.value, area_id, weapon.category,
                        row.agency))
    return out


def _items(conn: sa.Connection, span: Period, root: int | None) -> list[Any]:
    db, di = w.destruction_batch, w.destruction_item
    q = (sa.select(db.c.destroyed_on, db.c.area_id, db.c.collecting_agency, di.c.kind,
                   di.c.part_kind, di.c.calibre, di.c.quantity)
         .join(db, db.c.id == di.c.batch_id)
         .where(db.c.destroyed_on >= span.start, db.c.destroyed_on < span.end))
    if root is not None:
        q = q.where(db.c.area_id.in_(scope.subtree(root)))
    return list(conn.execute(q).all())


def default_period(engine: sa.Engine, viewer: Viewer) -> str:
    """The latest year with a counted event or a destruction in the viewer's scope (this year
    when there is none): pages open on data rather than on an empty year."""
    e, wt = w.weapon_event, w.weapon
    q = sa.select(sa.func.max(e.c.occurred_on)).where(e.c.event_type.in_(EVENT_KINDS))
    if viewer.area_id is not None:
        q = q.join(wt, wt.c.id == e.c.weapon_id).where(
            sa.func.coalesce(e.c.area_id, wt.c.area_id).in_(scope.subtree(viewer.area_id)))
    with engine.connect() as conn:
        latest = conn.scalar(q)
    return str(latest)[:4] if latest is not None else str(dt.date.today().year)
