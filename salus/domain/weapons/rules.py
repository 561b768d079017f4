"""Validation rules of registry records: weapons, owners and licences (pure functions).

Each ``*_errors`` function returns every broken rule as an
:class:`~salus.domain.weapons.registry.ArmsRuleError`
(field, value, stable code) so a form or an import row shows all of them at once. Country codes
are ISO 3166-1 (alpha-2 or alpha-3 accepted, alpha-3 returned) checked against the CLDR territory
data shipped with Babel; ``XK``/``XKX`` (Kosovo, user-assigned) is accepted as the UN and EU use it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from functools import cache

from babel.core import get_global

from salus.domain.weapons.registry import (
    ArmsRuleError,
    LicenceAction,
    LicenceRecord,
    LicenceStatus,
    OwnerKind,
    OwnerRecord,
    WeaponRecord,
    licence_status,
    weapon_categories,
)

EARLIEST_YEAR = 1800
"""Earliest plausible year of manufacture of a registry weapon."""
USER_ASSIGNED = {"XKX": "XK"}
"""User-assigned codes in common use (Kosovo) that ISO 3166 itself leaves open."""
WITHDRAWN = frozenset({"BUR", "DDR", "FXX", "TMP", "YMD", "ZAR", "AAA", "ZZZ"})
"""Alpha-3 codes CLDR still aliases but ISO 3166-1 has withdrawn (or never assigned)."""


@cache
def _alpha3_to_alpha2() -> dict[str, str]:
    """Current ISO 3166-1 alpha-3 → alpha-2, from CLDR's territory aliases."""
    aliases: Mapping[str, list[str]] = get_global("territory_aliases")
    table = {code: targets[0] for code, targets in aliases.items()
             if len(code) == 3 and code.isalpha() and code[0] not in "QX"
             and code not in WITHDRAWN and len(targets) == 1
             and len(targets[0]) == 2 and targets[0].isalpha()}
    table.update(USER_ASSIGNED)
    return table


@cache
def _alpha2_to_alpha3() -> dict[str, str]:
    return {alpha2: alpha3 for alpha3, alpha2 in _alpha3_to_alpha2().items()}


def country_code(raw: str, field_name: str = "country") -> str:
    """The ISO 3166-1 alpha-3 code of ``raw`` (alpha-2 or alpha-3, any case)."""
    code = raw.strip().upper()
    if len(code) == 3 and code in _alpha3_to_alpha2():
        return code
    if len(code) == 2 and code in _alpha2_to_alpha3():
        return _alpha2_to_alpha3()[code]
    raise ArmsRuleError("country.unknown", field_name, raw,
                        "not an ISO 3166-1 country code (alpha-2 such as KG or alpha-3 such as "
                        "KGZ)")


def weapon_errors(w: WeaponRecord, today: dt.date) -> list[ArmsRuleError]:
    """Every broken rule of a weapon record (category, countries, years, serial)."""
    out: list[ArmsRuleError] = []
    if w.category not in weapon_categories():
        out.append(ArmsRuleError("category.unknown", "category", w.category,
                                 "not a UN small-arms or light-weapons category "
                                 "(taxonomy 'weapon', branches firearm and light_weapon)"))
    for name in ("country_of_manufacture", "import_country"):
        value = getattr(w, name)
        if value:
            try:
                country_code(value, name)
            except ArmsRuleError as exc:
                out.append(exc)
    out += _year_errors(w, today)
    if not w.serial_obliterated and w.serial_number is not None and not w.serial_number.strip():
        out.append(ArmsRuleError("serial.blank", "serial_number", w.serial_number,
                                 "a serial number cannot be blank"))
    return out


def _year_errors(w: WeaponRecord, today: dt.date) -> list[ArmsRuleError]:
    out = []
    for name in ("year_of_manufacture", "import_year"):
        year = getattr(w, name)
        if year is not None and not EARLIEST_YEAR <= year <= today.year:
            out.append(ArmsRuleError("year.out_of_range", name, year,
                                     f"must be between {EARLIEST_YEAR} and {today.year}"))
    if (w.import_year is not None and w.year_of_manufacture is not None
            and w.import_year < w.year_of_manufacture):
        out.append(ArmsRuleError("year.import_before_manufacture", "import_year", w.import_year,
                                 f"before the year of manufacture {w.year_of_manufacture}"))
    return out


def owner_errors(o: OwnerRecord, today: dt.date) -> list[ArmsRuleError]:
    """A person needs a family name and an identity document; an entity a name and a
    registration number; nobody is born in the future."""
    out: list[ArmsRuleError] = []
    if o.kind is OwnerKind.PERSON:
        out += _required(o, ("family_name", "id_document_type", "id_document_number"))
    else:
        out += _required(o, ("entity_name", "registration_number"))
    if o.date_of_birth is not None and o.date_of_birth > today:
        out.append(ArmsRuleError("date.future", "date_of_birth", o.date_of_birth,
                                 "the date of birth is in the future"))
    return out


def _required(record: object, names: tuple[str, ...]) -> list[ArmsRuleError]:
    out = []
    for name in names:
        value = getattr(record, name)
        if value is None or (isinstance(value, str) and not value.strip()):
            out.append(ArmsRuleError("required", name, value, "is required"))
    return out


def licence_errors(lic: LicenceRecord) -> list[ArmsRuleError]:
    """A licence needs a number and must expire after it is issued."""
    out = _required(lic, ("number",))
    if lic.expires_on <= lic.issued_on:
        out.append(ArmsRuleError("licence.expiry_before_issue", "expires_on", lic.expires_on,
                                 f"the licence expires on or before its issue date "
                                 f"{lic.issued_on.isoformat()}"))
    return out


LICENCE_ALLOWED: dict[LicenceAction, frozenset[LicenceStatus]] = {
    LicenceAction.RENEWED: frozenset({LicenceStatus.ACTIVE, LicenceStatus.EXPIRED}),
    LicenceAction.SUSPENDED: frozenset({LicenceStatus.ACTIVE}),
    LicenceAction.REINSTATED: frozenset({LicenceStatus.SUSPENDED}),
    LicenceAction.REVOKED: frozenset({LicenceStatus.ACTIVE, LicenceStatus.SUSPENDED,
                                      LicenceStatus.EXPIRED}),
}
"""For each change to a licence, the statuses it may be made from (a revocation is final)."""


def licence_change(stored: str, expires_on: dt.date, action: LicenceAction, on: dt.date,
                   new_expires_on: dt.date | None = None) -> tuple[LicenceStatus, dt.date]:
    """The stored status and expiry date after ``action`` on day ``on``.

    A renewal needs a new expiry date after both the old one and ``on``; an expired licence may
    be renewed (it becomes active again) but not suspended or reinstated.
    """
    if action is LicenceAction.ISSUED:
        raise ArmsRuleError("licence.action", "action", action.value,
                            "a licence is issued once; renew, suspend, reinstate or revoke it")
    current = licence_status(stored, expires_on, on)
    if current not in LICENCE_ALLOWED[action]:
        raise ArmsRuleError("licence.not_allowed", "action", action.value,
                            f"a licence that is {current.value} cannot be {action.value}")
    if action is not LicenceAction.RENEWED:
        status = {LicenceAction.SUSPENDED: LicenceStatus.SUSPENDED,
                  LicenceAction.REINSTATED: LicenceStatus.ACTIVE,
                  LicenceAction.REVOKED: LicenceStatus.REVOKED}[action]
        return status, expires_on
    if new_expires_on is None or new_expires_on <= max(expires_on, on):
        raise ArmsRuleError("licence.renewal_expiry", "expires_on", new_expires_on,
                            f"a renewal must expire after {max(expires_on, on).isoformat()}")
    return LicenceStatus.ACTIVE, new_expires_on


def usable_licence_errors(status: str, issued_on: dt.date, expires_on: dt.date,
                          licence_owner: int, owner: int, on: dt.date,
                          number: str) -> list[ArmsRuleError]:
    """Why a licence cannot cover registering a weapon to ``owner`` on day ``on``."""
    out = []
    if licence_owner != owner:
        out.append(ArmsRuleError("licence.other_owner", "licence", number,
                                 "the licence belongs to another owner"))
    current = licence_status(status, expires_on, on)
    if current is not LicenceStatus.ACTIVE:
        out.append(ArmsRuleError("licence.not_active", "licence", number,
                                 f"the licence is {current.value} on {on.isoformat()}"))
    elif on < issued_on:
        out.append(ArmsRuleError("licence.not_yet_valid", "licence", number,
                                 f"the licence is issued only on {issued_on.isoformat()}"))
    return out
