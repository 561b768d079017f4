"""Turning use-case results into what templates show: labelled rows, chart specs, filters."""

from __future__ import annotations

import datetime as dt
from typing import Any

from salus import i18n
from salus.analytics.indicators.result import IndicatorResult, IndicatorRow
from salus.i18n import N_

TAXONOMY_OF = {"sex": "sex", "age_band": "age_band", "weapon": "weapon",
               "iccs_context": "iccs_context", "misuse_context": "misuse_context",
               "place_type": "location_type", "cause": "conflict_death_cause",
               "conflict_status": "conflict_status"}

SPECIAL = {"not_recorded": N_("Not recorded"), "unknown": N_("Unknown")}
ERROR_TITLES = (N_("Forbidden"), N_("Not found"), N_("Not authenticated"),
                N_("Too many attempts"), N_("Validation failed"), N_("Conflict"),
                N_("Bad request"), N_("Invalid username or password"))


def group_label(column: str, value: str | None) -> str:
    """A readable, translated label for one group value of an indicator row."""
    if value is None:
        return ""
    if value in SPECIAL and column in TAXONOMY_OF and value not in _codes(column):
        return i18n.gettext(SPECIAL[value])
    if column in TAXONOMY_OF:
        return i18n.label(TAXONOMY_OF[column], value)
    if column == "month":
        return i18n.month(dt.date.fromisoformat(value + "-01"))
    return value


def _codes(column: str) -> set[str]:
    from salus.domain import taxonomy

    return set(taxonomy.load(TAXONOMY_OF[column]).codes)


def count_text(row: IndicatorRow, attr: str, threshold: int) -> str:
    """A count for display: ``<5`` where suppressed, ``c`` where withheld as a complement,
    locale digits otherwise."""
    value = getattr(row, attr)
    if value is None:
        return row.hidden_label(attr, threshold) if row.suppressed or attr in row.withheld \
            else "—"
    return i18n.number(value)


def row_label(result: IndicatorResult, row: IndicatorRow) -> str:
    cols = [c for c in result.group_columns if c != "area_name"]
    if "area" in cols:
        return str(row.group.get("area_name") or row.group.get("area"))
    return " · ".join(group_label(c, row.group.get(c)) for c in cols)


def table(result: IndicatorResult, skip_empty: bool = False) -> list[dict[str, Any]]:
    """Rows for an HTML table: label, counts (``<5`` when suppressed), rate, change.

    ``skip_empty`` leaves out groups with no victim (the CSV keeps every group).
    """
    out = []
    for row in result.rows:
        if skip_empty and row.victims == 0 and not row.suppressed and not row.previous:
            continue
        out.append({"label": row_label(result, row), "group": dict(row.group),
                    "victims": count_text(row, "victims", result.threshold),
                    "incidents": count_text(row, "incidents", result.threshold),
                    "rate": i18n.number(row.rate, 1) if row.rate is not None else "—",
                    "change": i18n.percent(row.change_pct / 100) if row.change_pct is not None
                    else "—", "suppressed": row.suppressed, "withheld": bool(row.withheld)})
    return out


def chart(result: IndicatorResult, kind: str = "bar", measure: str = "victims",
          skip_empty: bool = True) -> dict[str, Any]:
    """A compact chart spec for salus.js (categories, one series; suppressed as null)."""
    rows = [r for r in result.rows if not (skip_empty and getattr(r, measure) == 0)]
    return {"type": kind, "categories": [row_label(result, r) for r in rows],
            "series": [{"name": i18n.gettext("Victims") if measure == "victims"
                        else i18n.gettext("Incidents"),
                        "data": [getattr(r, measure) for r in rows]}]}


def trend_chart(current: IndicatorResult, previous: IndicatorResult) -> dict[str, Any]:
    """Monthly victims of the chosen year against the year before (months on one axis)."""
    months = [i18n.month_abbr(m) for m in range(1, 13)]

    def series(result: IndicatorResult) -> list[int | None]:
        by_month = {int(r.group["month"][5:7]): r.victims for r in result.rows}
        return [by_month.get(m) for m in range(1, 13)]

    year = current.rows[0].group["month"][:4] if current.rows else ""
    before = previous.rows[0].group["month"][:4] if previous.rows else ""
    return {"type": "line", "categories": months,
            "series": [{"name": year, "data": series(current)},
                       {"name": before, "data": series(previous), "dashed": True}]}


def map_values(result: IndicatorResult) -> dict[str, dict[str, Any]]:
    """Area code → rate, victims text and name, for the choropleth."""
    out = {}
    for row in result.rows:
        code = row.group.get("area")
        if code:
            out[str(code)] = {"rate": row.rate, "name": row.group.get("area_name") or code,
                              "victims": count_text(row, "victims", result.threshold),
                              "rate_text": i18n.number(row.rate, 1) if row.rate is not None
                              else "—"}
    return out



FINDING_MESSAGES = {
    "value.missing": N_("This field is required."),
    "value.invalid": N_("This value is not valid."),
    "code.unknown": N_("This is not a known code."),
    "date.future": N_("The date is in the future."),
    "date.reported_before_occurred": N_("The report date is before the date of occurrence."),
    "date.birth_after_incident": N_("The date of birth is after the incident."),
    "area.unknown": N_("No area has this code."),
    "area.out_of_scope": N_("This area is outside the area you work in."),
    "age.impossible": N_("This age is not possible."),
    "count.invalid": N_("This count is not valid."),
    "victims.inconsistent": N_("The counts of victims do not agree."),
    "point.invalid": N_("The coordinates are not valid."),
    "point.outside_area": N_("The point lies outside the area."),
    "conflict": N_("Another record has this source record id."),
    "area.ambiguous": N_("Several areas have this name: give the code of one."),
    "person.related_victim": N_("No victim has this number."),
    "weapon.not_found": N_("No weapon of the registry has this serial number."),
    "weapon.ambiguous": N_("Several weapons of the registry have this serial number."),
    "weapon.pattern": N_("Give the whole serial number, without ? or *."),
    "weapon.too_vague": N_("Give at least two letters or digits of the serial number."),
}


def finding_message(finding: dict[str, Any]) -> str:
    """English keeps the rule's own precise message; other languages the translated gist."""
    if i18n.current_language.get() == i18n.DEFAULT_LANGUAGE:
        return str(finding.get("message", ""))
    generic = FINDING_MESSAGES.get(str(finding.get("code")))
    return i18n.gettext(generic) if generic else str(finding.get("message", ""))
