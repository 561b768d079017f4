"""Reports a hotline operator types for callers (issue 13): the operator channel.

A signed-in staff member with ``create_records`` (data entry, analysts, administrators) enters
a report phoned in, brought in person or radioed: channel ``operator``, ``reported_via`` the
caller's own channel (:data:`REPORTED_VIA`), ``entered_by`` the operator's account (also in the
audit entry). The public limits per address and per number do not apply — a hotline desk sends
many reports from one address — but the operator's own bucket does (``operator`` in
:data:`~salus.usecases.citizen_reports.settings.DEFAULT_LIMITS`: 200 at once, 300 an hour,
per account). An operator bound to an area enters reports in that area only. The caller's
number and consent to be answered by text message are recorded as on the public form.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from salus.domain.accounts.roles import Permission, Viewer
from salus.domain.citizen_reports import LANGUAGES, REPORTED_VIA
from salus.usecases.citizen_reports.input import check_report
from salus.usecases.citizen_reports.intake import Envelope, Receipt, _known, _store, find_receipt
from salus.usecases.errors import ValidationFailed, require
from salus.usecases.scope import area_id_of, area_in_scope


def can_enter(viewer: Viewer) -> bool:
    return viewer.can(Permission.CREATE_RECORDS)


def enter_report(engine: sa.Engine, viewer: Viewer, key: str, data: Mapping[str, Any],
                 raw: str) -> Receipt:
    """Store a caller's report entered by ``viewer``; ValidationFailed lists every field error
    (``reported_via`` and ``language`` beside the form's fields)."""
    require(can_enter(viewer), "your role does not enter reports for callers")
    envelope_key = f"operator:{viewer.username}:{key}"
    earlier = find_receipt(engine, envelope_key, raw)
    if earlier is not None:
        return earlier
    checked, errors = check_report(data, None, known_areas=_known(engine, data.get("area_code")))
    via, language = data.get("reported_via"), data.get("language") or "en"
    if via not in REPORTED_VIA:
        errors.append({"field": "reported_via", "code": "code.unknown",
                       "message": f"how the caller reached you: one of {', '.join(REPORTED_VIA)}"})
    if language not in LANGUAGES:
        errors.append({"field": "language", "code": "code.unknown",
                       "message": f"one of {', '.join(LANGUAGES)}"})
    if checked is not None and checked.area_code and viewer.area_id is not None:
        with engine.connect() as conn:
            area_id = area_id_of(conn, checked.area_code)
            if area_id is None or not area_in_scope(conn, viewer, area_id):
                errors.append({"field": "area_code", "code": "area.scope",
                               "message": "outside the area your account covers"})
    if checked is None or errors:
        raise ValidationFailed(errors)
    report = dataclasses.replace(checked, reported_via=str(via))
    envelope = Envelope("operator", envelope_key, raw, None, str(language))
    return _store(engine, envelope, report, checked.phone, actor=viewer.username,
                  operator=viewer.username)
