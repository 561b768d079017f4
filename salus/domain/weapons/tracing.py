"""Tracing illicit small arms and SDG indicator 16.4.2 (pure rules).

Tracing is "the systematic tracking of illicit small arms and light weapons found or seized on
the territory of a State from the point of manufacture or the point of importation through the
lines of supply to the point at which they became illicit" (International Tracing Instrument,
A/60/88 §5). A request goes first to the national records (the registry answers it: the last
legal holder), then to the manufacturer, the exporting or importing State, or through INTERPOL
iARMS. Each request has a status and, once answered, an **outcome**; where the illicit origin
is established, the **point of diversion** and **how it was established**.

SDG indicator 16.4.2 (arms part), custodians UNODC and UNODA, metadata of 2018-07-26
(https://worldbank.github.io/sdg-metadata/metadata/en/16-4-2, also summarised at
https://capacity4dev.europa.eu/result_chain_diagram/3751_en): "Proportion of seized, found or
surrendered arms whose illicit origin or context has been traced or established by a competent
authority in line with international instruments". *Denominator*: the total number of arms
seized, found or surrendered in the period. *Numerator*: those of them for which the point of
diversion (the illicit origin or context) was established, either through tracing or by a
competent authority (e.g. through investigation or intelligence). Disaggregated by seized /
found / surrendered and by tracing result.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from salus.domain.weapons.stockpiles import Problem

RECOVERY_KINDS: tuple[str, ...] = ("seized", "found", "surrendered")
"""Lifecycle events that bring an arm under 16.4.2 (UNODC: seized in relation to a suspected
offence; found — abandoned, unclaimed; surrendered — handed over voluntarily)."""

REQUESTED_TO: tuple[str, ...] = ("national_records", "manufacturer", "exporting_state",
                                 "importing_state", "interpol_iarms", "investigation")
"""Who is asked: the national records first (ITI §§ 11–14), then the manufacturer, the
exporting or importing State, or INTERPOL's iARMS; ``investigation`` records an origin
established by the competent authority's own investigation without an outside request."""

STATUSES: tuple[str, ...] = ("draft", "sent", "answered", "partially_answered", "no_response",
                             "closed")
TRANSITIONS: dict[str, frozenset[str]] = {
    "draft": frozenset({"sent", "answered", "partially_answered", "closed"}),
    "sent": frozenset({"answered", "partially_answered", "no_response", "closed"}),
    "partially_answered": frozenset({"answered", "no_response", "closed"}),
    "no_response": frozenset({"answered", "partially_answered", "closed"}),
    "answered": frozenset({"closed"}),
    "closed": frozenset(),
}
"""Allowed status changes. ``draft → (partially) answered`` is how a national-records check or
an investigation (answered at once, by ourselves) is recorded."""

OUTCOMES: tuple[str, ...] = ("traced_illicit", "traced_legal", "not_traceable", "no_response",
                             "pending")
"""traced — illicit origin established; traced — legal origin, no diversion; not traceable —
insufficient or obliterated marking; no response; pending."""

NOT_REQUESTED = "not_requested"
"""16.4.2 breakdown label of an arm with no tracing request at all."""

OUTCOME_RANK: dict[str, int] = {"traced_illicit": 0, "traced_legal": 1, "not_traceable": 2,
                                "no_response": 3, "pending": 4, NOT_REQUESTED: 5}
"""An arm with several requests takes its most conclusive outcome (lowest rank)."""

NUMERATOR_OUTCOMES = frozenset({"traced_illicit"})
"""Outcomes that put an arm in the 16.4.2 numerator (illicit origin or context established)."""

POINTS_OF_DIVERSION: tuple[str, ...] = (
    "theft_from_civilian_owner", "loss_by_civilian_owner", "loss_from_state_stockpile",
    "theft_from_state_stockpile", "illicit_manufacture", "illicit_import",
    "legal_export_diverted", "conversion", "unknown")
ESTABLISHED_BY: tuple[str, ...] = ("records_check", "trace_response", "investigation",
                                   "forensic_serial_restoration")

_ANSWERED = frozenset({"answered", "partially_answered", "closed"})


@dataclass(frozen=True, slots=True)
class TraceState:
    """The fields of one tracing request that the rules look at."""

    requested_to: str
    status: str = "draft"
    sent_on: dt.date | None = None
    response_on: dt.date | None = None
    outcome: str = "pending"
    point_of_diversion: str | None = None
    established_by: str | None = None


def trace_problems(state: TraceState, recovered_on: dt.date, today: dt.date) -> list[Problem]:
    """Everything wrong with a request's fields, given the date the arm was recovered."""
    out = _code_problems(state)
    if out:
        return out
    out += _date_problems(state, recovered_on, today)
    out += _status_problems(state)
    out += _outcome_problems(state)
    return out


def _code_problems(s: TraceState) -> list[Problem]:
    out = []
    for name, value, allowed in (("requested_to", s.requested_to, REQUESTED_TO),
                                 ("status", s.status, STATUSES),
                                 ("outcome", s.outcome, OUTCOMES),
                                 ("point_of_diversion", s.point_of_diversion,
                                  (None, *POINTS_OF_DIVERSION)),
                                 ("established_by", s.established_by, (None, *ESTABLISHED_BY))):
        if value not in allowed:
            shown = ", ".join(a for a in allowed if a is not None)
            out.append(Problem(name, "invalid", f"{name} {value!r} is not one of {shown}"))
    return out


def _date_problems(s: TraceState, recovered_on: dt.date, today: dt.date) -> list[Problem]:
    out = []
    for name, value in (("sent_on", s.sent_on), ("response_on", s.response_on)):
        if value is not None and value > today:
            out.append(Problem(name, "future", f"{name} {value} is in the future"))
        if value is not None and value < recovered_on:
            out.append(Problem(name, "before_recovery",
                               f"{name} {value} is before the arm was recovered on "
                               f"{recovered_on}"))
    if s.sent_on and s.response_on and s.response_on < s.sent_on:
        out.append(Problem("response_on", "before_request",
                           f"response on {s.response_on} is before the request was sent on "
                           f"{s.sent_on}"))
    return out


def _status_problems(s: TraceState) -> list[Problem]:
    out = []
    if s.status in ("sent", "no_response") and s.sent_on is None:
        out.append(Problem("sent_on", "required", f"a {s.status} request needs its sent date"))
    if s.status in _ANSWERED - {"closed"} and s.response_on is None:
        out.append(Problem("response_on", "required",
                           f"an {s.status.replace('_', ' ')} request needs its response date"))
    if s.status in ("draft", "sent", "no_response") and s.response_on is not None:
        out.append(Problem("response_on", "unexpected",
                           f"a {s.status} request has no response date"))
    if s.status in ("draft", "sent") and s.outcome != "pending":
        out.append(Problem("outcome", "premature",
                           f"a {s.status} request has no outcome yet (got {s.outcome})"))
    if s.status == "no_response" and s.outcome != "no_response":
        out.append(Problem("outcome", "mismatch", "a request without response has outcome "
                                                  "'no_response'"))
    if s.status == "answered" and s.outcome in ("pending", "no_response"):
        out.append(Problem("outcome", "required", "an answered request needs its outcome"))
    return out


def _outcome_problems(s: TraceState) -> list[Problem]:
    out = []
    if s.outcome == "traced_illicit":
        if s.point_of_diversion is None:
            out.append(Problem("point_of_diversion", "required",
                               "an illicit origin needs its point of diversion"))
        if s.established_by is None:
            out.append(Problem("established_by", "required",
                               "say how the illicit origin was established"))
    elif s.point_of_diversion is not None:
        out.append(Problem("point_of_diversion", "unexpected",
                           f"a point of diversion goes with outcome traced_illicit, not "
                           f"{s.outcome}"))
    if s.outcome == "traced_legal" and s.established_by is None:
        out.append(Problem("established_by", "required", "say how the origin was established"))
    return out


def transition_problem(old: str, new: str) -> Problem | None:
    """A problem when a request may not go from status ``old`` to ``new``."""
    if old == new or new in TRANSITIONS.get(old, frozenset()):
        return None
    allowed = ", ".join(sorted(TRANSITIONS.get(old, frozenset()))) or "nothing (closed)"
    return Problem("status", "transition",
                   f"a {old} request cannot become {new}; it can become {allowed}")


def arm_outcome(outcomes: Iterable[str]) -> str:
    """The most conclusive outcome among an arm's requests (``not_requested`` if none)."""
    return min(outcomes, key=OUTCOME_RANK.__getitem__, default=NOT_REQUESTED)


# ---------------------------------------------------------------- national records


@dataclass(frozen=True, slots=True)
class HolderEvent:
    """A registry event before the recovery: registration, transfer, loss or theft report."""

    kind: str
    on: dt.date
    owner_id: int | None = None


@dataclass(frozen=True, slots=True)
class RecordsAnswer:
    """What the national records say about an arm (the first tracing step)."""

    found: bool
    last_legal_holder: int | None
    outcome: str
    point_of_diversion: str | None
    established_by: str | None
    summary: str


OWNER_EVENTS = frozenset({"registered", "transferred", "renewed"})
CUSTODY_EVENTS = frozenset({"seized", "found", "surrendered", "stored"})
"""Events after which the State holds the arm (a stockpile or evidence room)."""
LOSS_EVENTS: dict[str, str] = {"reported_stolen": "theft_from_civilian_owner",
                               "stolen": "theft_from_civilian_owner",
                               "reported_lost": "loss_by_civilian_owner",
                               "lost": "loss_by_civilian_owner"}
STATE_LOSS: dict[str, str] = {"reported_stolen": "theft_from_state_stockpile",
                              "stolen": "theft_from_state_stockpile",
                              "reported_lost": "loss_from_state_stockpile",
                              "lost": "loss_from_state_stockpile"}


def answer_from_records(history: Sequence[HolderEvent], recovered_on: dt.date
                        ) -> RecordsAnswer:
    """Answer a national-records request from the registry's history of the arm.

    ``history`` holds the events before the recovery, in order. The last legal holder is the
    owner of the latest registration or transfer. A theft or loss reported after it establishes
    the illicit origin — from the civilian owner, or from a state stockpile when the State held
    the arm at the time (it had been seized, found, surrendered or stored since) — established by
    a records check. Otherwise the records give the last legal holder only and the outcome stays
    ``pending``: the officer decides (e.g. ``traced_legal`` when the holder surrendered it).
    """
    holder: HolderEvent | None = None
    state_held = False
    loss: tuple[HolderEvent, bool] | None = None
    for e in (e for e in history if e.on <= recovered_on):
        if e.kind in OWNER_EVENTS and e.owner_id is not None:
            holder, state_held, loss = e, False, None
        elif e.kind in CUSTODY_EVENTS:
            state_held = True
        elif e.kind in LOSS_EVENTS:
            loss = (e, state_held)
    if loss is not None and (holder is not None or loss[1]):
        return _diverted(holder, *loss)
    if holder is None:
        return RecordsAnswer(False, None, "pending", None, None,
                             "no civilian registration of this arm in the national records; "
                             "ask the manufacturer or the exporting State")
    return RecordsAnswer(True, holder.owner_id, "pending", None, None,
                         f"registered to the last legal holder since {holder.on}; no loss or "
                         f"theft reported before the recovery on {recovered_on}")


def _diverted(holder: HolderEvent | None, loss: HolderEvent, from_state: bool
              ) -> RecordsAnswer:
    what = loss.kind.replace("_", " ")
    if from_state:
        return RecordsAnswer(True, holder.owner_id if holder else None, "traced_illicit",
                             STATE_LOSS[loss.kind], "records_check",
                             f"held by the State when {what} on {loss.on}")
    assert holder is not None
    return RecordsAnswer(True, holder.owner_id, "traced_illicit", LOSS_EVENTS[loss.kind],
                         "records_check", f"registered to the last legal holder since "
                                          f"{holder.on}; {what} on {loss.on}")


# ---------------------------------------------------------------- SDG 16.4.2


@dataclass(frozen=True, slots=True)
class Proportion:
    numerator: int
    denominator: int

    @property
    def value(self) -> float | None:
        """Share in [0, 1]; None when nothing was recovered."""
        return self.numerator / self.denominator if self.denominator else None


@dataclass(frozen=True, slots=True)
class Sdg1642:
    """16.4.2 for one period and area: the proportion, overall and by kind of recovery, and
    the arms by (kind, tracing outcome)."""

    total: Proportion
    by_kind: dict[str, Proportion]
    by_outcome: dict[str, int]
    cells: dict[tuple[str, str], int] = field(default_factory=dict)


def sdg_16_4_2(cells: Mapping[tuple[str, str], int]) -> Sdg1642:
    """Combine counts of arms per (recovery kind, outcome) into indicator 16.4.2.

    ``cells`` counts each arm once, under the kind of its recovery and its most conclusive
    tracing outcome (see :func:`arm_outcome`). Numerator: ``traced_illicit``; denominator:
    every arm seized, found or surrendered.
    """
    for (kind, outcome), n in cells.items():
        if kind not in RECOVERY_KINDS or outcome not in OUTCOME_RANK or n < 0:
            raise ValueError(f"bad 16.4.2 cell ({kind!r}, {outcome!r}) = {n}")
    by_kind = {}
    for kind in RECOVERY_KINDS:
        num = sum(n for (k, o), n in cells.items() if k == kind and o in NUMERATOR_OUTCOMES)
        den = sum(n for (k, _), n in cells.items() if k == kind)
        by_kind[kind] = Proportion(num, den)
    by_outcome = {o: sum(n for (_, oo), n in cells.items() if oo == o) for o in OUTCOME_RANK}
    total = Proportion(sum(p.numerator for p in by_kind.values()),
                       sum(p.denominator for p in by_kind.values()))
    full = {(k, o): cells.get((k, o), 0) for k in RECOVERY_KINDS for o in OUTCOME_RANK}
    return Sdg1642(total, by_kind, by_outcome, full)
