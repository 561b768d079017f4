"""Turning the registry's write forms (owner, licence, weapon, transfer, tracing) into the use
cases' inputs, with the shared :class:`salus.web.forms.FormReader`: unreadable values (a date not in
ISO 8601, a year that is not a number, a code not in its list) become errors beside their
fields like the use cases' own; the rules themselves stay in the use cases."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from salus.domain.weapons.registry import (
    Component,
    IdDocumentType,
    LicenceAction,
    LicenceRecord,
    LicenceType,
    Marking,
    MarkingKind,
    OwnerKind,
    OwnerRecord,
    WeaponRecord,
)
from salus.web.forms import FormReader

MARKING_ROWS = 3
"""Marking rows offered by the weapon form (more can be added from the weapon page later)."""
MAX_TEXT = 500


OWNER_FIELDS = ("kind", "given_name", "family_name", "entity_name", "registration_number",
                "id_document_type", "id_document_number", "date_of_birth", "address",
                "area_code")


def owner_input(r: FormReader) -> OwnerRecord:
    kind = r.choice("kind", [k.value for k in OwnerKind])
    doc = r.choice("id_document_type", [d.value for d in IdDocumentType], required=False)
    born = r.date("date_of_birth", required=False)
    r.done()
    return OwnerRecord(
        OwnerKind(str(kind)), r.optional("given_name"), r.optional("family_name"),
        r.optional("entity_name"), r.optional("registration_number"),
        None if doc is None else IdDocumentType(doc), r.optional("id_document_number"), born,
        r.optional("address"), r.optional("area_code"))


LICENCE_FIELDS = ("owner", "number", "licence_type", "issued_on", "expires_on", "conditions",
                  "issuing_authority", "area_code")


def licence_input(r: FormReader) -> tuple[str, LicenceRecord]:
    """The owner's uid and the licence to issue."""
    owner = r.required("owner")
    number = r.required("number")
    kind = r.choice("licence_type", [k.value for k in LicenceType])
    issued, expires = r.date("issued_on"), r.date("expires_on")
    r.done()
    assert issued is not None and expires is not None
    return owner, LicenceRecord(
        number, LicenceType(str(kind)), issued, expires, r.optional("conditions"),
        r.optional("issuing_authority"), r.optional("area_code"))


CHANGE_FIELDS = ("action", "on", "expires_on", "reason")
CHANGES = tuple(a.value for a in LicenceAction if a is not LicenceAction.ISSUED)


def change_input(r: FormReader) -> tuple[LicenceAction, dt.date, dt.date | None, str | None]:
    """The action, its date, the new expiry (renewals) and the reason."""
    action = r.choice("action", CHANGES)
    on = r.date("on")
    expires = r.date("expires_on", required=False)
    r.done()
    assert on is not None
    return LicenceAction(str(action)), on, expires, r.optional("reason")


WEAPON_FIELDS = ("category", "manufacturer", "model", "calibre", "serial_number",
                 "serial_obliterated", "country_of_manufacture", "year_of_manufacture",
                 "import_country", "import_year", "area_code", "description", "owner",
                 "licence", "registered_on")
MARKING_FIELDS = tuple(f"marking-{i}-{p}" for i in range(MARKING_ROWS)
                       for p in ("kind", "text", "component", "obliterated"))


def _markings(r: FormReader) -> tuple[Marking, ...]:
    out = []
    for i in range(MARKING_ROWS):
        text = r.text(f"marking-{i}-text")
        if not text:
            continue
        kind = r.choice(f"marking-{i}-kind", [k.value for k in MarkingKind])
        part = r.choice(f"marking-{i}-component", [c.value for c in Component], required=False)
        if kind is not None:
            out.append(Marking(MarkingKind(kind), text, None if part is None else Component(part),
                               bool(r.text(f"marking-{i}-obliterated"))))
    return tuple(out)


def weapon_input(r: FormReader) -> tuple[WeaponRecord, tuple[str, str, dt.date] | None]:
    """The weapon with its markings, and (owner uid, licence, date) when the form registers it
    to an owner."""
    r.required("category")
    made, imported = r.integer("year_of_manufacture"), r.integer("import_year")
    markings = _markings(r)
    owner = r.optional("owner")
    holder = None
    if owner:
        licence, on = r.required("licence"), r.date("registered_on")
        holder = (owner, licence, on) if on is not None else None
    r.done()
    record = WeaponRecord(
        r.text("category"), r.optional("manufacturer"), r.optional("model"),
        r.optional("calibre"), r.optional("serial_number"), bool(r.text("serial_obliterated")),
        r.optional("country_of_manufacture"), made, r.optional("import_country"), imported,
        r.optional("area_code"), r.optional("description"), None, markings)
    return record, holder


TRANSFER_FIELDS = ("from_owner", "to_owner", "licence", "on", "place")


def transfer_input(r: FormReader) -> tuple[str, str, str, dt.date, str | None]:
    """The giver's and taker's uids, the taker's licence, the date and the place."""
    giver, taker, licence = r.required("from_owner"), r.required("to_owner"), \
        r.required("licence")
    on = r.date("on")
    r.done()
    assert on is not None
    return giver, taker, licence, on, r.optional("place")


TRACE_FIELDS = ("recipient", "status", "sent_on", "response_on", "response", "outcome",
                "point_of_diversion", "established_by", "notes")


def trace_input(r: FormReader, statuses: Iterable[str], outcomes: Iterable[str],
                diversions: Iterable[str], established: Iterable[str]) -> dict[str, Any]:
    """The changes for ``tracing.update_request`` (empty fields → None)."""
    changes: dict[str, Any] = {
        "recipient": r.optional("recipient"), "status": r.choice("status", statuses),
        "sent_on": r.date("sent_on", required=False),
        "response_on": r.date("response_on", required=False), "response": r.optional("response"),
        "outcome": r.choice("outcome", outcomes),
        "point_of_diversion": r.choice("point_of_diversion", diversions, required=False),
        "established_by": r.choice("established_by", established, required=False),
        "notes": r.optional("notes")}
    r.done()
    return changes
