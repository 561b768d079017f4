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
proportion whose numerator or denominator is suppressed.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from salus.analytics import disclosure
from salus.analytics.periods import Period, PeriodError, parse_period
from salus.domain.accounts.roles import Permission, Viewer
from salus.domain.spreadsheet import safe_record
from salus.domain.weapons import tracing as tr
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

    def count(self, n: int) -> int | str:
        """A count as published: suppressed as ``<5`` in public output when 1–4."""
        if self.public and bool(disclosure.small_cells([n], self.threshold)[0]):
            return disclosure.suppressed_label(self.threshold)
        return n

    def share(self, p: tr.Proportion) -> float | None:
        """A proportion as published (None: nothing recovered, or withheld)."""
        if self.public and disclosure.small_cells([p.numerator, p.denominator],
                                                  self.threshold).any():
            return None
        return None if p.value is None else round(p.value, 6)

    def rows(self) -> list[dict[str, Any]]:
        """Long table: totals, each kind of recovery, then each (kind, outcome) cell."""
        base = {"indicator": "16.4.2", "period": self.period, "area": self.area_code or ""}
        out = [{**base, "recovery": "all", "outcome": "all",
                "arms": self.count(self.result.total.denominator),
                "traced": self.count(self.result.total.numerator),
                "proportion": self.share(self.result.total)}]
        for kind, p in self.result.by_kind.items():
            out.append({**base, "recovery": kind, "outcome": "all",
                        "arms": self.count(p.denominator), "traced": self.count(p.numerator),
                        "proportion": self.share(p)})
        for (kind, outcome), n in self.result.cells.items():
            out.append({**base, "recovery": kind, "outcome": outcome, "arms": self.count(n),
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
    with engine.connect() as conn:
        area_id = c.area_id_for(conn, viewer, area_code) if area_code else viewer.area_id
        code = area_code or viewer.area_code
        cells = Counter(_sql_cells(conn, span, area_id))
        cells.update(_corrected_cells(conn, span, area_id))
    return Report(span.label, span.start, span.end, code, tr.sdg_16_4_2(cells), public,
                  threshold)


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
    e, w = arms.weapon_event, arms.weapon
    corrected = set(conn.scalars(_corrected_ids()))
    if not corrected:
        return Counter()
    weapons = conn.execute(sa.select(w.c.id, w.c.area_id).where(w.c.id.in_(
        sa.select(e.c.weapon_id).where(e.c.id.in_(corrected))))).all()
    areas = _areas(conn, area_id)
    recorded = {int(i): a for i, a in conn.execute(
        sa.select(e.c.id, e.c.area_id).where(e.c.id.in_(corrected)))}
    found: list[tuple[int, str]] = []
    histories = recoveries_of(conn, [int(weapon_id) for weapon_id, _ in weapons])
    for weapon_id, weapon_area in weapons:
        for r in histories.get(weapon_id, []):
            where = (scope.area_id_of(conn, r.area_code) if r.area_code else
                     recorded.get(r.event_id)) or weapon_area
            if (r.event_id in corrected and span.start <= r.on < span.end
                    and (areas is None or where in areas)):
                found.append((r.event_id, r.kind))
    ranks = _ranks(conn, [event_id for event_id, _ in found])
    return Counter((kind, RANK_OUTCOME[ranks.get(event_id, tr.OUTCOME_RANK[tr.NOT_REQUESTED])])
                   for event_id, kind in found)


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
