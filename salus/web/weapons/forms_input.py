"""Reading the registry's write forms (owner, licence, weapon, transfer, tracing) into the use
cases' inputs. Unreadable values (a date not in ISO 8601, a year that is not a number, a code
not in its list) become ``{field, code, message, value}`` errors like the use cases' own, so the
form shows them beside their fields; the rules themselves stay in the use cases."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from starlette.datastructures import FormData

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
from salus.usecases.errors import ValidationFailed

MARKING_ROWS = 3
"""Marking rows offered by the weapon form (more can be added from the weapon page later)."""


def _n(message: str) -> str:
    return message


BAD_DATE = _n("Give the date as YYYY-MM-DD.")
BAD_NUMBER = _n("Give a whole number.")
BAD_CHOICE = _n("Choose one of the listed values.")
REQUIRED = _n("This field is required.")


class Reader:
    """Collects a form's values (kept for redisplay) and the errors of unreadable fields."""

    def __init__(self, form: FormData, names: Iterable[str]) -> None:
        self.values = {k: str(form.get(k) or "").strip()[:500] for k in names}
        self.errors: list[dict[str, Any]] = []

    def _bad(self, name: str, code: str, message: str) -> None:
        self.errors.append({"field": name, "code": code, "message": message,
                            "value": self.values.get(name)})

    def text(self, name: str) -> str | None:
        return self.values.get(name) or None

    def required(self, name: str) -> str:
        if not self.values.get(name):
            self._bad(name, "required", REQUIRED)
        return self.values.get(name) or ""

    def date(self, name: str, required: bool = True) -> dt.date | None:
        raw = self.values.get(name) or ""
        if not raw and not required:
            return None
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            self._bad(name, "invalid", BAD_DATE)
            return None

    def integer(self, name: str) -> int | None:
        raw = self.values.get(name) or ""
        if not raw:
            return None
        try:
            return int(raw)
        except ValueError:
            self._bad(name, "invalid", BAD_NUMBER)
            return None

    def choice(self, name: str, allowed: Iterable[str], required: bool = True) -> str | None:
        raw = self.values.get(name) or ""
        if not raw and not required:
            return None
        if raw not in set(allowed):
            self._bad(name, "invalid", BAD_CHOICE)
            return None
        return raw

    def done(self) -> None:
        """Raise the collected errors, if any (nothing has been written yet)."""
        if self.errors:
            raise ValidationFailed(self.errors)


OWNER_FIELDS = ("kind", "given_name", "family_name", "entity_name", "registration_number",
                "id_document_type", "id_document_number", "date_of_birth", "address",
                "area_code")


def owner_input(form: FormData) -> tuple[dict[str, str], OwnerRecord]:
    r = Reader(form, OWNER_FIELDS)
    kind = r.choice("kind", [k.value for k in OwnerKind])
    doc = r.choice("id_document_type", [d.value for d in IdDocumentType], required=False)
    born = r.date("date_of_birth", required=False)
    r.done()
    return r.values, OwnerRecord(
        OwnerKind(str(kind)), r.text("given_name"), r.text("family_name"), r.text("entity_name"),
        r.text("registration_number"), None if doc is None else IdDocumentType(doc),
        r.text("id_document_number"), born, r.text("address"), r.text("area_code"))


LICENCE_FIELDS = ("owner", "number", "licence_type", "issued_on", "expires_on", "conditions",
                  "issuing_authority", "area_code")


def licence_input(form: FormData) -> tuple[dict[str, str], str, LicenceRecord]:
    """The values, the owner's uid and the licence to issue."""
    r = Reader(form, LICENCE_FIELDS)
    owner = r.required("owner")
    number = r.required("number")
    kind = r.choice("licence_type", [k.value for k in LicenceType])
    issued, expires = r.date("issued_on"), r.date("expires_on")
    r.done()
    assert issued is not None and expires is not None
    return r.values, owner, LicenceRecord(
        number, LicenceType(str(kind)), issued, expires, r.text("conditions"),
        r.text("issuing_authority"), r.text("area_code"))


CHANGE_FIELDS = ("action", "on", "expires_on", "reason")
CHANGES = tuple(a.value for a in LicenceAction if a is not LicenceAction.ISSUED)


def change_input(form: FormData
                 ) -> tuple[dict[str, str], LicenceAction, dt.date, dt.date | None, str | None]:
    """The values, the action, its date, the new expiry (renewals) and the reason."""
    r = Reader(form, CHANGE_FIELDS)
    action = r.choice("action", CHANGES)
    on = r.date("on")
    expires = r.date("expires_on", required=False)
    r.done()
    assert on is not None
    return r.values, LicenceAction(str(action)), on, expires, r.text("reason")


WEAPON_FIELDS = ("category", "manufacturer", "model", "calibre", "serial_number",
                 "serial_obliterated", "country_of_manufacture", "year_of_manufacture",
                 "import_country", "import_year", "area_code", "description", "owner",
                 "licence", "registered_on")
MARKING_FIELDS = tuple(f"marking-{i}-{p}" for i in range(MARKING_ROWS)
                       for p in ("kind", "text", "component", "obliterated"))


def _markings(r: Reader) -> tuple[Marking, ...]:
    out = []
    for i in range(MARKING_ROWS):
        text = r.text(f"marking-{i}-text")
        if not text:
            continue
        kind = r.choice(f"marking-{i}-kind", [k.value for k in MarkingKind])
        part = r.choice(f"marking-{i}-component", [c.value for c in Component], required=False)
        if kind is not None:
            out.append(Marking(MarkingKind(kind), text, None if part is None else Component(part),
                               bool(r.values.get(f"marking-{i}-obliterated"))))
    return tuple(out)


def weapon_input(form: FormData) -> tuple[dict[str, str], WeaponRecord,
                                          tuple[str, str, dt.date] | None]:
    """The values, the weapon with its markings, and (owner uid, licence, date) when the form
    registers it to an owner."""
    r = Reader(form, WEAPON_FIELDS + MARKING_FIELDS)
    r.required("category")
    made, imported = r.integer("year_of_manufacture"), r.integer("import_year")
    markings = _markings(r)
    owner = r.text("owner")
    holder = None
    if owner:
        licence, on = r.required("licence"), r.date("registered_on")
        holder = (owner, licence, on) if on is not None else None
    r.done()
    record = WeaponRecord(
        r.values["category"], r.text("manufacturer"), r.text("model"), r.text("calibre"),
        r.text("serial_number"), bool(r.values.get("serial_obliterated")),
        r.text("country_of_manufacture"), made, r.text("import_country"), imported,
        r.text("area_code"), r.text("description"), None, markings)
    return r.values, record, holder


TRANSFER_FIELDS = ("from_owner", "to_owner", "licence", "on", "place")


def transfer_input(form: FormData) -> tuple[dict[str, str], str, str, str, dt.date, str | None]:
    r = Reader(form, TRANSFER_FIELDS)
    giver, taker, licence = r.required("from_owner"), r.required("to_owner"), \
        r.required("licence")
    on = r.date("on")
    r.done()
    assert on is not None
    return r.values, giver, taker, licence, on, r.text("place")


TRACE_FIELDS = ("recipient", "status", "sent_on", "response_on", "response", "outcome",
                "point_of_diversion", "established_by", "notes")


def trace_input(form: FormData, statuses: Iterable[str], outcomes: Iterable[str],
                diversions: Iterable[str], established: Iterable[str]
                ) -> tuple[dict[str, str], dict[str, Any]]:
    """The values and the changes for ``tracing.update_request`` (empty fields → None)."""
    r = Reader(form, TRACE_FIELDS)
    changes: dict[str, Any] = {
        "recipient": r.text("recipient"), "status": r.choice("status", statuses),
        "sent_on": r.date("sent_on", required=False),
        "response_on": r.date("response_on", required=False), "response": r.text("response"),
        "outcome": r.choice("outcome", outcomes),
        "point_of_diversion": r.choice("point_of_diversion", diversions, required=False),
        "established_by": r.choice("established_by", established, required=False),
        "notes": r.text("notes")}
    r.done()
    return r.values, changes
