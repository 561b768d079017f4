"""Reading HTML forms and query strings into the use cases' inputs."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from starlette.datastructures import FormData, QueryParams

from salus.usecases.incidents.input import PERSON_FIELDS
from salus.usecases.incidents.query import SORTS, IncidentFilter

PERSON_KEY = re.compile(r"^persons-(\d{1,3})-(\w+)$")
INCIDENT_FIELDS = ("occurred_on", "date_precision", "area_code", "iccs_code", "attempted",
                   "iccs_context", "misuse_context", "location_type", "weapon", "narrative",
                   "sensitivity", "declared_killed", "declared_injured", "reported_on",
                   "longitude", "latitude", "location_precision", "source_type",
                   "source_name", "record_id")


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def incident_filter(params: QueryParams) -> IncidentFilter:
    """The list's filters from a query string (invalid dates are ignored)."""
    def text(key: str) -> str | None:
        value = (params.get(key) or "").strip()
        return value[:200] or None

    sort = params.get("sort") or "-date"
    if sort.lstrip("-") not in SORTS:
        sort = "-date"
    return IncidentFilter(_date(params.get("date_from")), _date(params.get("date_to")),
                          text("area"), text("iccs"), text("iccs_context"),
                          text("misuse_context"), text("weapon"), text("sensitivity"),
                          text("q"), sort)


def incident_data(form: FormData) -> dict[str, Any]:
    """Flat incident fields plus ``persons`` (rows ``persons-N-field``; blank rows dropped)."""
    data: dict[str, Any] = {k: form.get(k) for k in INCIDENT_FIELDS if form.get(k) is not None}
    data["attempted"] = "on" if form.get("attempted") else ""
    rows: dict[int, dict[str, Any]] = {}
    for key, value in form.multi_items():
        match = PERSON_KEY.match(key)
        if match and match.group(2) in PERSON_FIELDS and isinstance(value, str):
            rows.setdefault(int(match.group(1)), {})[match.group(2)] = value.strip()
    data["persons"] = [rows[n] for n in sorted(rows) if _filled(rows[n])]
    return data


PERSON_DEFAULTS = {"role": "victim", "sex": "unknown", "outcome": "unknown"}


def _filled(row: dict[str, Any]) -> bool:
    """A person row the user touched (blank rows of the form are left out)."""
    return any(v and v != PERSON_DEFAULTS.get(k) for k, v in row.items())


def errors_by_field(findings: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Findings keyed by form field name (``persons[2].age`` → ``persons-1-age``)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for f in findings:
        name = str(f["field"])
        match = re.match(r"persons\[(\d+)\]\.(\w+)", name)
        if match:
            name = f"persons-{int(match.group(1)) - 1}-{match.group(2)}"
        elif name == "point":
            name = "longitude"
        elif name.startswith("weapons["):
            name = "weapon"
        out.setdefault(name, []).append(f)
    return out
