"""What every survey use case shares: permissions, the area scope, finding a survey and wave.

Reading estimates needs ``indicators``; creating surveys, importing forms and submissions and
defining designs need ``import`` (respondent-level data). A survey may cover one area (its
``area``): a viewer bound to an area sees the surveys covering an area of its subtree or
covering its own area from above (a national survey), never one of another region (404).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import sqlalchemy as sa

from salus.domain.accounts.roles import Permission, Viewer
from salus.domain.surveys.design import DesignRuleError
from salus.domain.surveys.indicators import IndicatorError
from salus.storage import repository as repo
from salus.storage import schema as t
from salus.storage.surveys import schema as s
from salus.usecases import errors
from salus.usecases.errors import NotFound, PermissionDenied, ValidationFailed, require
from salus.usecases.scope import area_in_scope

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class SurveyRef:
    id: int
    code: str
    title: str
    area_id: int | None


def can_read(viewer: Viewer) -> None:
    require(viewer.can(Permission.INDICATORS), "your role does not see survey estimates")


def can_write(viewer: Viewer) -> None:
    require(viewer.can(Permission.IMPORT), "your role does not import or design surveys")


def visible(conn: sa.Connection, viewer: Viewer, area_id: int | None) -> bool:
    """A survey of ``area_id`` is visible to the viewer (see the module docstring)."""
    if viewer.area_id is None:
        return True
    if area_id is None:
        return True
    if area_in_scope(conn, viewer, area_id):
        return True
    above = sa.select(sa.literal(1)).where(t.area_ancestor.c.area_id == viewer.area_id,
                                           t.area_ancestor.c.ancestor_id == area_id)
    return conn.execute(above).first() is not None


def survey_ref(conn: sa.Connection, viewer: Viewer, code: str) -> SurveyRef:
    """The survey ``code`` as the viewer may see it (NotFound otherwise)."""
    row = conn.execute(sa.select(s.survey.c.id, s.survey.c.code, s.survey.c.title,
                                 s.survey.c.area_id).where(s.survey.c.code == code)).first()
    if row is None or not visible(conn, viewer, row.area_id):
        raise NotFound(f"no survey {code!r}")
    return SurveyRef(int(row.id), str(row.code), str(row.title), row.area_id)


def for_write(conn: sa.Connection, viewer: Viewer, code: str) -> SurveyRef:
    can_write(viewer)
    ref = survey_ref(conn, viewer, code)
    if viewer.area_id is not None and (ref.area_id is None
                                       or not area_in_scope(conn, viewer, ref.area_id)):
        raise PermissionDenied("this survey covers more than your area")
    return ref


def wave_row(conn: sa.Connection, survey: SurveyRef, label: str) -> Any:
    w = s.survey_wave
    row = conn.execute(sa.select(w).where(w.c.survey_id == survey.id,
                                          w.c.label == label)).first()
    if row is None:
        raise NotFound(f"survey {survey.code!r} has no wave {label!r}")
    return row


def area_lookup(conn: sa.Connection) -> dict[str, str]:
    """Lower-cased area code and name → code (a code wins over another area's name)."""
    rows = conn.execute(sa.select(t.area.c.code, t.area.c.name)).all()
    out = {str(r.name).strip().lower(): str(r.code) for r in rows}
    out.update({str(r.code).strip().lower(): str(r.code) for r in rows})
    return out


def area_ids(conn: sa.Connection) -> dict[str, int]:
    return {str(r.code): int(r.id) for r in conn.execute(sa.select(t.area.c.code, t.area.c.id))}


@contextmanager
def rule_errors() -> Iterator[None]:
    """Domain rule errors of designs and indicator mappings as validation errors."""
    try:
        yield
    except DesignRuleError as exc:
        raise ValidationFailed([{"field": exc.field, "code": "invalid",
                                 "message": str(exc)}], str(exc)) from None
    except IndicatorError as exc:
        raise ValidationFailed([{"field": "mapping", "code": "invalid",
                                 "message": str(exc)}], str(exc)) from None


def checked(call: Callable[[], T]) -> T:
    with rule_errors():
        return call()


TEXT_LIMIT = 200
"""Longest text field of the surveys forms, in characters."""


def required_text(value: str | None, field: str, limit: int = TEXT_LIMIT) -> str:
    """:func:`salus.usecases.errors.required_text` with the surveys' limit."""
    return errors.required_text(value, field, limit)


def audit(conn: sa.Connection, viewer: Viewer, action: str, entity: str, entity_id: int,
          after: dict[str, Any] | None) -> None:
    repo.audit(conn, viewer.username, action, entity, str(entity_id), None, after)


def now() -> dt.datetime:
    return repo.now()


def new_id(result: sa.CursorResult[Any]) -> int:
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])
