"""The target fields a mapping can fill, per kind of import, with their types and code lists.

A mapping says "field ← source column"; this catalogue says what each field is: its type
(how a cell is read), the code list its values must belong to (checked while mapping, so the
error cites the source column), and which fields an import cannot do without.
"""

from __future__ import annotations

from dataclasses import dataclass

from salus.domain import taxonomy
from salus.domain.incidents.offences import POLICE_ACTION
from salus.domain.taxonomy import LANGUAGES

KINDS = ("incidents", "areas", "population")


@dataclass(frozen=True, slots=True)
class FieldDef:
    """``type``: str, int, float, date, time, bool, geometry (GeoJSON) or wkt."""

    type: str = "str"
    taxonomy: str | None = None
    extra_codes: tuple[str, ...] = ()


_S, _I, _F, _D = FieldDef("str"), FieldDef("int"), FieldDef("float"), FieldDef("date")

PERSON_FIELDS: dict[str, FieldDef] = {
    "role": FieldDef("str", "person_role"),
    "sex": FieldDef("str", "sex"),
    "age": _I,
    "age_min": _I,
    "age_max": _I,
    "age_band": FieldDef("str", "age_band"),
    "outcome": FieldDef("str", "outcome"),
    "relationship": FieldDef("str", "relationship"),
    "related_victim": _I,
    "conflict_status": FieldDef("str", "conflict_status"),
    "nationality": _S,
    "given_name": _S,
    "family_name": _S,
    "date_of_birth": _D,
}

INCIDENT_FIELDS: dict[str, FieldDef] = {
    "record_id": _S,
    "occurred_on": _D,
    "occurred_until": _D,
    "date_precision": FieldDef("str", "date_precision"),
    "occurred_time": FieldDef("time"),
    "reported_on": _D,
    "area_code": _S,
    "longitude": _F,
    "latitude": _F,
    "location_precision": FieldDef("str", "location_precision"),
    "wkt": FieldDef("wkt"),
    "geometry": FieldDef("geometry"),
    # an ICCS crime, or a police action / misdemeanour of the list beside ICCS (PA…, MI…)
    "iccs_code": FieldDef("str", "iccs",
                          tuple(c.code for c in taxonomy.load(POLICE_ACTION))),
    "attempted": FieldDef("bool"),
    "iccs_context": FieldDef("str", "iccs_context"),
    "misuse_context": FieldDef("str", "misuse_context"),
    "location_type": FieldDef("str", "location_type"),
    "weapon": FieldDef("str", "weapon"),
    "weapon_legal_status": FieldDef("str", "firearm_legal_status"),
    "weapon_description": _S,
    "weapon_serial": _S,
    "narrative": _S,
    "sensitivity": FieldDef("str", "sensitivity"),
    "declared_killed": _I,
    "declared_injured": _I,
    "killed_low": _I,
    "killed_high": _I,
    "source_type": FieldDef("str", "source_type"),
    "source_name": _S,
    "url": _S,
    "count": _I,
    **PERSON_FIELDS,
}

AREA_FIELDS: dict[str, FieldDef] = {
    "code": _S,
    "name": _S,
    "parent_code": _S,
    "level": _I,
    "geometry": FieldDef("geometry"),
    "wkt": FieldDef("wkt"),
    **{f"name_{lang}": _S for lang in LANGUAGES},
}

POPULATION_FIELDS: dict[str, FieldDef] = {
    "area_code": _S,
    "year": _I,
    "sex": FieldDef("str", "sex", extra_codes=("total",)),
    "age_min": _I,
    "age_max": _I,
    "age_band": FieldDef("str", "age_band"),
    "population": _I,
}

FIELDS: dict[str, dict[str, FieldDef]] = {
    "incidents": INCIDENT_FIELDS,
    "areas": AREA_FIELDS,
    "population": POPULATION_FIELDS,
}

REQUIRED: dict[str, tuple[str, ...]] = {
    "incidents": ("occurred_on", "area_code", "iccs_code", "source_type", "source_name"),
    "areas": ("code", "name", "level"),
    "population": ("area_code", "year", "population"),
}

NOT_HASHED = frozenset({"count", "record_id"})
"""Fields left out of the default record-id hash: a count is a measure, not an identity."""
