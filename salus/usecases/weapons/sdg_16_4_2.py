"""SDG indicator 16.4.2 (arms): the proportion of seized, found or surrendered arms whose illicit
origin or context has been traced or established by a competent authority.

Method (UNODC/UNODA metadata of 2018-07-26, see :mod:`salus.domain.weapons.tracing`):

* **unit** — one recovery: an effective ``seized``, ``found`` or ``surrendered`` event of a
  weapon's lifecycle (corrections applied), dated in the period ``[start, end)`` and located in
  the area's subtree (the event's area, else the weapon's); an arm recovered twice in a period
  counts twice, once per recovery;
* **denominator** — every such recovery;
* **numerator** — those whose most conclusive tracing outcome (over all the tracing requests
  about that recovery, as they stand when the report is run) is ``traced_illicit``: the point
  of diversion was established, by tracing or by a competent authority's investigation;
* **disaggregation** — by seized / found / surrendered and by tracing outcome (``not_requested``
  for a recovery no request was made about).

Counts are made in SQL: one ``GROUP BY`` over the recoveries, each with the rank of its best
outcome from a correlated subquery on ``trace_request`` (indexed by recovery), so the plan
does not depend on fresh statistics. Recoveries touched by a correction are left out of that
query and counted from their weapon's effective history instead (few rows: only weapons that
have corrections).
Public output suppresses counts of 1–4 (:mod:`salus.analytics.disclosure`) and withholds a
proportion whose numerator or denominator is withheld. It is also protected against
subtraction (complementary suppression,
:func:`salus.analytics.disclosure.complementary_suppression`, Hundepool et al. 2012, §4.4):
the cells of every area's report are linked — each kind's arms are the sum of its outcomes,
its traced arms its ``traced_illicit`` cell, the totals the sums of the kinds, and an area's
cells the sums of its sub-areas' — and complements are hidden as ``c`` wherever a ``<5``
could otherwise be worked out from published figures, the same way whichever area a report
is run for (:func:`protected_cells`).
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
from salus.analytics.periods import Period, PeriodError, parse_period
from salus.domain.accounts.roles import Permission, Viewer
from salus.domain.spreadsheet import safe_record
from salus.domain.weapons import tracing as tr
from salus.storage.schema import area as t_area
from salus.storage.schema import area_ancestor as t_ancestor
from salus.storage.weapons import schema as arms
from salus.storage.weapons import stock_schema as st
from salus.usecases import scope
from salus.usecases.errors import PermissionDenied
from salus.usecases.weapons import stock_common as c
from salus.usecases.weapons.tracing import recoveries_of

RANK_OUTCOME = {rank: outcome for outcome, rank in tr.OUTCOME_RANK.items()}
COLUMNS = ("indicator", "period", "area", "recovery", "outcome", "arms", "traced",
           "proportion")
"""Columns of :meth:`Report.rows` (CSV)."""
ALL = "all"
CellKey = tuple[str, str, str]
"""A published cell of a report: (``arms`` or ``traced``, kind or ``all``, outcome or ``all``)."""


@dataclass(frozen=True, slots=True)
class Report:
    """16.4.2 for one period and area, as computed once and rendered many ways."""

    period: str
    start: dt.date
    end: dt.date
    area_code: str | None
    result: tr.Sdg1642
    public: bool
    threshold: int = disclosure.DEFAULT_THRESHOLD
    withheld: dict[CellKey, str] = field(default_factory=dict)
    """Public output: the cells shown as ``<5`` or ``c`` (:func:`protected_cells`)."""

    def count(self, n: int, key: CellKey | None = None) -> int | str:
        """A count as published: ``<5`` or ``c`` where public output withholds it."""
        if not self.public:
            return n
        if key is not None and key in self.withheld:
            return self.withheld[key]
        if bool(disclosure.small_cells([n], self.threshold)[0]):
            return disclosure.suppressed_label(self.threshold)
        return n

    def share(self, p: tr.Proportion, kind: str | None = None) -> float | None:
        """A proportion as published (None: nothing recovered, or withheld)."""
        if self.public and (
                disclosure.small_cells([p.numerator, p.denominator], self.threshold).any()
                or (kind is not None and ({("arms", kind, ALL), ("traced", kind, ALL)}
                                          & self.withheld.keys()))):
            return None
        return None if p.value is None else round(p.value, 6)

    def rows(self) -> list[dict[str, Any]]:
        """Long table: totals, each kind of recovery, then each (kind, outcome) cell."""
        base = {"indicator": "16.4.2", "period": self.period, "area": self.area_code or ""}
        out = [{**base, "recovery": ALL, "outcome": ALL,
                "arms": self.count(self.result.total.denominator, ("arms", ALL, ALL)),
                "traced": self.count(self.result.total.numerator, ("traced", ALL, ALL)),
                "proportion": self.share(self.result.total, ALL)}]
        for kind, p in self.result.by_kind.items():
            out.append({**base, "recovery": kind, "outcome": ALL,
                        "arms": self.count(p.denominator, ("arms", kind, ALL)),
                        "traced": self.count(p.numerator, ("traced", kind, ALL)),
                        "proportion": self.share(p, kind)})
        for (kind, outcome), n in self.result.cells.items():
            out.append({**base, "recovery": kind, "outcome": outcome,
                        "arms": self.count(n, ("arms", kind, outcome)),
                        "traced": "", "proportion": None})
        return out

    def csv(self, lineterminator: str = "\r\n") -> str:
        """:meth:`rows` as CSV text, with cells that could run as formulas neutralised."""
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator=lineterminator)
        writer.writeheader()
        writer.writerows(safe_record(row) for row in self.rows())
        return buffer.getvalue()


def report_16_4_2(engine: sa.Engine, viewer: Viewer, period: str, area_code: str | None = None,
                  *, public: bool = False,
                  threshold: int = disclosure.DEFAULT_THRESHOLD) -> Report:
    """Compute 16.4.2 for ``period`` (``2024``, ``2024-Q1``, ``2023..2024``…) and an area.

    ``WEAPONS`` viewers get exact counts (unless ``public``); viewers with only ``INDICATORS``
    (the public) get suppressed output. A viewer bound to an area reports on its subtree.
    """
    if not viewer.can(Permission.WEAPONS):
        if not viewer.can(Permission.INDICATORS):
            raise PermissionDenied("16.4.2 needs the weapons or the indicators permission")
        public = True
    disclosure.check_threshold(threshold)
    span = _period(period)
    if public and not _one_calendar_year(span):
        # a quarter or a range would be a part or a sum of published years: one grain only
        c.fail("period", "public_year", "public output covers one calendar year", period)
    with engine.connect() as conn:
        area_id = c.area_id_for(conn, viewer, area_code) if area_code else viewer.area_id
        code = area_code or viewer.area_code
        cells = Counter(_sql_cells(conn, span, area_id))
        cells.update(_corrected_cells(conn, span, area_id))
        result = tr.sdg_16_4_2(cells)
        withheld = protected_cells(conn, span, threshold).get(area_id, {}) if public else {}
    return Report(span.label, span.start, span.end, code, result, public, threshold,
                  withheld)


def published_cells(result: tr.Sdg1642) -> dict[CellKey, int]:
    """Every count a report publishes, by :data:`CellKey`."""
    out: dict[CellKey, int] = {("arms", ALL, ALL): result.total.denominator,
                               ("traced", ALL, ALL): result.total.numerator}
    for kind, p in result.by_kind.items():
        out["arms", kind, ALL] = p.denominator
        out["traced", kind, ALL] = p.numerator
    for (kind, outcome), n in result.cells.items():
        out["arms", kind, outcome] = n
    return out


def table_relations(index: dict[CellKey, int]) -> list[disclosure.Relation]:
    """The additive relations of one report's cells (``index``: key → cell number): a kind's
    arms = the sum of its outcomes, its traced arms = its ``traced_illicit`` cell, the totals =
    the sums of the kinds."""
    kinds, outcomes = tr.RECOVERY_KINDS, tuple(tr.OUTCOME_RANK)
    rel = disclosure.Relation
    out = [rel(index["arms", ALL, ALL], tuple(index["arms", k, ALL] for k in kinds)),
           rel(index["traced", ALL, ALL], tuple(index["traced", k, ALL] for k in kinds))]
    for k in kinds:
        out.append(rel(index["arms", k, ALL], tuple(index["arms", k, o] for o in outcomes)))
        out.append(rel(index["traced", k, ALL], tuple(
            index["arms", k, o] for o in outcomes if o in tr.NUMERATOR_OUTCOMES)))
    return out


def protected_cells(conn: sa.Connection, span: Period,
                    threshold: int = disclosure.DEFAULT_THRESHOLD
                    ) -> dict[int | None, dict[CellKey, str]]:
    """What public output withholds in the report of every area (None: all areas) for
    ``span``: ``<5`` or ``c`` by cell, from one complementary suppression over the linked
    reports of the whole area tree (:func:`table_relations` within each report; each cell of an
    area = the sum of the same cell in its child areas, the recoveries located at the area
    itself being taken as known, the cautious assumption)."""
    by_area: dict[int | None, Counter[tuple[str, str]]] = {None: Counter()}
    ancestors: dict[int, list[int]] = {}
    for a, anc in conn.execute(sa.select(t_ancestor.c.area_id, t_ancestor.c.ancestor_id)):
        ancestors.setdefault(int(a), []).append(int(anc))
    parents = {int(i): (None if p is None else int(p)) for i, p in conn.execute(
        sa.select(t_area.c.id, t_area.c.parent_id))}
    by_area.update((node, Counter()) for node in parents)
    for (where, kind, outcome), n in _cells_by_area(conn, span).items():
        by_area[None][kind, outcome] += n
        for anc in ancestors.get(where, [where]) if where is not None else []:
            by_area[anc][kind, outcome] += n
    counts: list[float] = []
    index: dict[int | None, dict[CellKey, int]] = {}
    relations: list[disclosure.Relation] = []
    for node, cells in by_area.items():
        published = published_cells(tr.sdg_16_4_2(cells))
        index[node] = {key: len(counts) + i for i, key in enumerate(published)}
        counts.extend(published.values())
        relations.extend(table_relations(index[node]))
    children: dict[int | None, list[int]] = {}
    for child, parent in parents.items():
        children.setdefault(parent, []).append(child)
    for parent, kids in children.items():
        for key, cell in index[parent].items():
            relations.append(disclosure.Relation(cell, tuple(index[k][key] for k in kids)))
    s = disclosure.complementary_suppression(counts, relations, threshold)
    small = disclosure.suppressed_label(threshold)
    return {area: {key: small if s.small_label[i] else disclosure.COMPLEMENTARY_LABEL
                   for key, i in cells_of.items() if s.hidden[i]}
            for area, cells_of in index.items()}


def default_period(engine: sa.Engine, viewer: Viewer) -> str | None:
    """The latest calendar year with a recovery (seized, found or surrendered) in the viewer's
    scope, as ``"2024"``; None when the registry has none.

    Pages open on it rather than on the last full calendar year: records arrive late, and a
    year with no recovery yet would show "0 of 0 arms".
    """
    e, w = arms.weapon_event, arms.weapon
    q = sa.select(sa.func.max(e.c.occurred_on)).where(e.c.event_type.in_(tr.RECOVERY_KINDS))
    if viewer.area_id is not None:
        q = q.join(w, w.c.id == e.c.weapon_id).where(
            _area_of_recovery().in_(scope.subtree(viewer.area_id)))
    with engine.connect() as conn:
        latest = conn.scalar(q)
    return None if latest is None else str(latest)[:4]


def _one_calendar_year(span: Period) -> bool:
    """Whether ``span`` is exactly one calendar year (the one grain of public output)."""
    return (span.start.month, span.start.day) == (1, 1) \
        and span.end == span.start.replace(year=span.start.year + 1)


def _period(text: str) -> Period:
    try:
        return parse_period(text)
    except PeriodError as exc:
        c.fail("period", "invalid", str(exc), text)


def _area_of_recovery() -> sa.ColumnElement[Any]:
    e, w = arms.weapon_event, arms.weapon
    return sa.func.coalesce(e.c.area_id, w.c.area_id)


def _rank_case() -> sa.ColumnElement[int]:
    t = st.trace_request
    return sa.case(tr.OUTCOME_RANK, value=t.c.outcome, else_=tr.OUTCOME_RANK["pending"])


def _best_rank(event_id: sa.ColumnElement[int]) -> sa.ColumnElement[int]:
    """The rank of the most conclusive outcome of the requests about one recovery (a correlated
    subquery: one index look-up per recovery, whatever the planner's statistics say)."""
    t = st.trace_request
    best = (sa.select(sa.func.min(_rank_case())).where(t.c.recovery_event_id == event_id)
            .scalar_subquery())
    return sa.func.coalesce(best, tr.OUTCOME_RANK[tr.NOT_REQUESTED])


def _corrected_ids() -> sa.Select[Any]:
    e = arms.weapon_event
    return sa.select(e.c.corrects_event_id).where(e.c.event_type == "correction",
                                                  e.c.corrects_event_id.isnot(None))


def _sql_cells(conn: sa.Connection, span: Period, area_id: int | None
               ) -> dict[tuple[str, str], int]:
    e, w = arms.weapon_event, arms.weapon
    rows = (sa.select(e.c.event_type.label("kind"), _best_rank(e.c.id).label("rank"))
            .where(e.c.event_type.in_(tr.RECOVERY_KINDS), e.c.occurred_on >= span.start,
                   e.c.occurred_on < span.end, e.c.id.not_in(_corrected_ids())))
    if area_id is not None:
        rows = rows.join(w, w.c.id == e.c.weapon_id).where(
            _area_of_recovery().in_(scope.subtree(area_id)))
    inner = rows.subquery()
    q = (sa.select(inner.c.kind, inner.c.rank, sa.func.count().label("n"))
         .group_by(inner.c.kind, inner.c.rank))
    return {(r.kind, RANK_OUTCOME[int(r.rank)]): int(r.n) for r in conn.execute(q)}


def _corrected_cells(conn: sa.Connection, span: Period, area_id: int | None
                     ) -> Counter[tuple[str, str]]:
    """Recoveries whose event a correction touched, from their weapons' effective histories."""
    areas = _areas(conn, area_id)
    return Counter((kind, outcome) for where, kind, outcome in _corrected(conn, span)
                   if areas is None or where in areas)


def _corrected(conn: sa.Connection, span: Period) -> list[tuple[int | None, str, str]]:
    """(area, kind, outcome) of each recovery in ``span`` whose event a correction touched."""
    e, w = arms.weapon_event, arms.weapon
    corrected = set(conn.scalars(_corrected_ids()))
    if not corrected:
        return []
    weapons = conn.execute(sa.select(w.c.id, w.c.area_id).where(w.c.id.in_(
        sa.select(e.c.weapon_id).where(e.c.id.in_(corrected))))).all()
    recorded = {int(i): a for i, a in conn.execute(
        sa.select(e.c.id, e.c.area_id).where(e.c.id.in_(corrected)))}
    found: list[tuple[int, int | None, str]] = []
    histories = recoveries_of(conn, [int(weapon_id) for weapon_id, _ in weapons])
    for weapon_id, weapon_area in weapons:
        for r in histories.get(weapon_id, []):
            where = (scope.area_id_of(conn, r.area_code) if r.area_code else
                     recorded.get(r.event_id)) or weapon_area
            if r.event_id in corrected and span.start <= r.on < span.end:
                found.append((r.event_id, where, r.kind))
    ranks = _ranks(conn, [event_id for event_id, _, _ in found])
    return [(where, kind,
             RANK_OUTCOME[ranks.get(event_id, tr.OUTCOME_RANK[tr.NOT_REQUESTED])])
            for event_id, where, kind in found]


def _cells_by_area(conn: sa.Connection, span: Period
                   ) -> Counter[tuple[int | None, str, str]]:
    """Recoveries in ``span`` by (area of recovery, kind, outcome), corrections applied."""
    e, w = arms.weapon_event, arms.weapon
    inner = (sa.select(e.c.event_type.label("kind"), _best_rank(e.c.id).label("rank"),
                       _area_of_recovery().label("area"))
             .join(w, w.c.id == e.c.weapon_id)
             .where(e.c.event_type.in_(tr.RECOVERY_KINDS), e.c.occurred_on >= span.start,
                    e.c.occurred_on < span.end, e.c.id.not_in(_corrected_ids()))
             .subquery())
    q = (sa.select(inner.c.area, inner.c.kind, inner.c.rank, sa.func.count().label("n"))
         .group_by(inner.c.area, inner.c.kind, inner.c.rank))
    out: Counter[tuple[int | None, str, str]] = Counter()
    for r in conn.execute(q):
        area = None if r.area is None else int(r.area)
        out[area, r.kind, RANK_OUTCOME[int(r.rank)]] += int(r.n)
    out.update(_corrected(conn, span))
    return out


def _areas(conn: sa.Connection, area_id: int | None) -> set[int] | None:
    if area_id is None:
        return None
    return set(conn.scalars(scope.subtree(area_id)))


def _ranks(conn: sa.Connection, event_ids: list[int]) -> dict[int, int]:
    if not event_ids:
        return {}
    t = st.trace_request
    q = (sa.select(t.c.recovery_event_id, sa.func.min(_rank_case()))
         .where(t.c.recovery_event_id.in_(event_ids)).group_by(t.c.recovery_event_id))
    return {int(a): int(b) for a, b in conn.execute(q)}
