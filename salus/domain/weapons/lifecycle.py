"""The lifecycle of a weapon as a state machine over its append-only event history.

History is never updated or deleted (ITI §12, MOSAIC 05.30 §9: records kept at least 20 years,
30 for manufacture): a mistake is fixed by a ``correction`` event that amends fields of an
earlier event (``occurred_on``, ``event_type``, ``place``…) or voids it. The *effective* history
is the recorded one with its corrections applied; replaying it through :data:`ALLOWED` gives
the current :class:`~salus.domain.weapons.registry.WeaponStatus` and rejects impossible sequences —
a
destroyed weapon is never seized, transferred or registered again.

Pure functions: the use cases load the events, call :func:`check_new_event` before writing one,
and store the returned status on ``weapon.status``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from typing import Any

from salus.domain.weapons.registry import (
    DIVERTED,
    IN_STATE_CUSTODY,
    ArmsRuleError,
    EventType,
    LifecycleEvent,
)
from salus.domain.weapons.registry import WeaponStatus as S

E = EventType
NEW: None = None
"""The "status" of a weapon with no history yet."""

ALLOWED: dict[EventType, frozenset[S | None]] = {
    E.MANUFACTURED: frozenset({NEW}),
    E.IMPORTED: frozenset({NEW, S.UNREGISTERED}),
    E.REGISTERED: frozenset({NEW, S.UNREGISTERED, *IN_STATE_CUSTODY}),
    E.TRANSFERRED: frozenset({S.REGISTERED}),
    E.REPORTED_LOST: frozenset({S.REGISTERED, S.UNREGISTERED, S.STORED}),
    E.REPORTED_STOLEN: frozenset({S.REGISTERED, S.UNREGISTERED, S.STORED}),
    E.SEIZED: frozenset({NEW, S.UNREGISTERED, S.REGISTERED, *DIVERTED, S.DEACTIVATED}),
    E.FOUND: frozenset({NEW, S.UNREGISTERED, *DIVERTED}),
    E.SURRENDERED: frozenset({NEW, S.UNREGISTERED, S.REGISTERED, S.DEACTIVATED}),
    E.STORED: frozenset({NEW, S.UNREGISTERED, *IN_STATE_CUSTODY, S.DEACTIVATED}),
    E.DEACTIVATED: frozenset({S.UNREGISTERED, S.REGISTERED, *IN_STATE_CUSTODY}),
    E.DESTROYED: frozenset({S.UNREGISTERED, *IN_STATE_CUSTODY, S.DEACTIVATED}),
}
"""For each event, the statuses it may follow (``None``: the weapon's first event)."""

RESULT: dict[EventType, S | None] = {
    E.MANUFACTURED: S.UNREGISTERED,
    E.IMPORTED: S.UNREGISTERED,
    E.REGISTERED: S.REGISTERED,
    E.TRANSFERRED: S.REGISTERED,
    E.REPORTED_LOST: S.LOST,
    E.REPORTED_STOLEN: S.STOLEN,
    E.SEIZED: S.SEIZED,
    E.FOUND: S.FOUND,
    E.SURRENDERED: S.SURRENDERED,
    E.STORED: S.STORED,
    E.DEACTIVATED: S.DEACTIVATED,
    E.DESTROYED: S.DESTROYED,
}
"""The status each event leaves the weapon in."""

CLOSES_HOLDING = frozenset({E.SEIZED, E.FOUND, E.SURRENDERED, E.DESTROYED})
"""Events after which the weapon is no longer in its registered owner's hands."""

AMENDABLE = frozenset({"occurred_on", "event_type", "place", "area_code", "case_reference",
                       "notes"})
"""Fields a correction may amend (besides ``void``)."""


def effective_history(events: Sequence[LifecycleEvent]) -> list[LifecycleEvent]:
    """The events in recorded order with every correction applied and corrections removed.

    Raises :class:`ArmsRuleError` for a correction that references no event of this history,
    or another correction, or amends a field that cannot be amended.
    """
    by_id: dict[int, LifecycleEvent] = {e.id: e for e in events if e.id is not None}
    amended: dict[int, LifecycleEvent] = {}
    voided: set[int] = set()
    for event in events:
        if event.event_type is not E.CORRECTION:
            continue
        target_id = _target_of(event, by_id)
        if event.details.get("void"):
            voided.add(target_id)
            continue
        amended[target_id] = _amend(amended.get(target_id, by_id[target_id]), event.details)
    return [amended.get(e.id, e) if e.id is not None else e for e in events
            if e.event_type is not E.CORRECTION and e.id not in voided]


def _target_of(correction: LifecycleEvent, by_id: dict[int, LifecycleEvent]) -> int:
    target = by_id.get(correction.corrects) if correction.corrects is not None else None
    if target is None or correction.corrects is None:
        raise ArmsRuleError("correction.unknown_event", "corrects", correction.corrects,
                            "a correction must reference an earlier event of this weapon")
    if target.event_type is E.CORRECTION:
        raise ArmsRuleError("correction.of_correction", "corrects", correction.corrects,
                            "correct the original event, not a correction")
    return correction.corrects


def _amend(event: LifecycleEvent, changes: dict[str, Any]) -> LifecycleEvent:
    unknown = sorted(set(changes) - AMENDABLE - {"reason"})
    if unknown:
        raise ArmsRuleError("correction.field", unknown[0], changes[unknown[0]],
                            f"a correction may amend only {', '.join(sorted(AMENDABLE))}")
    kwargs: dict[str, Any] = {"details": {**event.details, **changes}}
    if "occurred_on" in changes:
        kwargs["occurred_on"] = _date(changes["occurred_on"])
    if "event_type" in changes:
        kwargs["event_type"] = _event_type(changes["event_type"])
    return dataclasses.replace(event, **kwargs)


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ArmsRuleError("date.invalid", "occurred_on", value,
                            "not a date (YYYY-MM-DD)") from None


def _event_type(value: Any) -> EventType:
    try:
        kind = EventType(str(value))
    except ValueError:
        kind = E.CORRECTION
    if kind is E.CORRECTION:
        raise ArmsRuleError("event.unknown_type", "event_type", value,
                            f"unknown lifecycle event; one of {', '.join(RESULT)}")
    return kind


def replay(events: Sequence[LifecycleEvent], year_of_manufacture: int | None = None) -> S | None:
    """The status after an effective history, checking every step; None for no history.

    Rules: each event must be allowed from the status before it (:data:`ALLOWED`); no event is
    dated before the previous one nor before the year of manufacture.
    """
    status: S | None = NEW
    previous: LifecycleEvent | None = None
    for event in events:
        _check_dates(event, previous, year_of_manufacture)
        status = _step(status, event)
        previous = event
    return status


def _step(status: S | None, event: LifecycleEvent) -> S | None:
    if status not in ALLOWED[event.event_type]:
        was = "no history" if status is None else status.value
        raise ArmsRuleError("lifecycle.not_allowed", "event_type", event.event_type.value,
                            f"a weapon whose status is {was} cannot be {event.event_type.value}"
                            f" (allowed after: {_allowed_text(event.event_type)})")
    return RESULT[event.event_type]


def _allowed_text(kind: EventType) -> str:
    return ", ".join(sorted("no history" if s is None else s.value for s in ALLOWED[kind]))


def _check_dates(event: LifecycleEvent, previous: LifecycleEvent | None,
                 year_of_manufacture: int | None) -> None:
    if year_of_manufacture is not None and event.occurred_on.year < year_of_manufacture:
        raise ArmsRuleError("event.before_manufacture", "occurred_on", event.occurred_on,
                            f"dated before the year of manufacture {year_of_manufacture}")
    if previous is not None and event.occurred_on < previous.occurred_on:
        raise ArmsRuleError("event.before_previous", "occurred_on", event.occurred_on,
                            f"dated before the previous event ({previous.event_type.value} on "
                            f"{previous.occurred_on.isoformat()})")


def check_new_event(history: Sequence[LifecycleEvent], new: LifecycleEvent, *,
                    year_of_manufacture: int | None = None,
                    today: dt.date | None = None) -> S | None:
    """The status after appending ``new`` to ``history``; raises :class:`ArmsRuleError` when the
    new event (or, for a correction, the corrected history) breaks a rule.
    """
    today = today or dt.datetime.now(dt.UTC).date()
    if new.occurred_on > today:
        raise ArmsRuleError("date.future", "occurred_on", new.occurred_on,
                            "the event date is in the future")
    if new.event_type is E.CORRECTION:
        probe = dataclasses.replace(new, id=-1)
        return replay(effective_history([*history, probe]), year_of_manufacture)
    return replay([*effective_history(history), new], year_of_manufacture)


def status_on(history: Sequence[LifecycleEvent], day: dt.date,
              ignore_incident: str | None = None) -> S | None:
    """The status a weapon had on ``day`` (events of that day included), leaving out events
    linked to ``ignore_incident`` — "what was this weapon's status when the incident happened"."""
    status: S | None = NEW
    for event in effective_history(history):
        if event.occurred_on > day:
            break
        if ignore_incident is not None and event.incident_uid == ignore_incident:
            continue
        status = RESULT[event.event_type]
    return status
