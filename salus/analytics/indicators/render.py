"""Render an :class:`IndicatorResult` as a Rich table, CSV or JSON (compute once, render many).

Suppressed counts read ``<k`` (``<5`` by default) in every form; a rate without a
denominator, or withheld, is empty. CSV and JSON round rates and limits to 4 decimals and
populations to 2 so that outputs are stable across backends and can be kept as golden files.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from rich.table import Table

from salus.analytics.disclosure import COMPLEMENTARY_LABEL, suppressed_label
from salus.analytics.indicators.result import VALUE_FIELDS, IndicatorResult, IndicatorRow
from salus.domain.spreadsheet import safe_cell

COUNT_FIELDS = ("incidents", "victims", "previous")
DECIMALS = {
    "rate": 4,
    "ci_low": 4,
    "ci_high": 4,
    "count_ci_low": 4,
    "count_ci_high": 4,
    "change_pct": 2,
    "population": 2,
}
FORMATS = ("table", "csv", "json")


def plain_values(result: IndicatorResult, row: IndicatorRow) -> dict[str, Any]:
    """A row as JSON/CSV values: suppressed counts as ``<k``, numbers rounded."""
    out: dict[str, Any] = dict(row.group)
    for name in VALUE_FIELDS:
        value = getattr(row, name)
        if value is None and name in COUNT_FIELDS and result.public:
            out[name] = row.hidden_label(name, result.threshold)
        elif isinstance(value, float) and name in DECIMALS:
            out[name] = round(value, DECIMALS[name])
        else:
            out[name] = value
    out["suppressed"] = row.suppressed
    return out


def to_csv(result: IndicatorResult) -> str:
    """CSV with one header line: group columns, value columns, ``suppressed``."""
    buffer = io.StringIO()
    fields = [*result.group_columns, *VALUE_FIELDS, "suppressed"]
    writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for row in result.rows:
        values = plain_values(result, row)
        writer.writerow({k: "" if v is None else safe_cell(_csv_value(v))
                         for k, v in values.items()})
    return buffer.getvalue()


def _csv_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def to_json(result: IndicatorResult) -> str:
    """JSON document: indicator, title, metadata, columns and rows."""
    document = {
        "indicator": result.indicator,
        "title": result.title,
        "measure": result.measure,
        "metadata": result.metadata,
        "columns": [*result.group_columns, *VALUE_FIELDS, "suppressed"],
        "rows": [plain_values(result, row) for row in result.rows],
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def to_table(result: IndicatorResult) -> Table:
    """A Rich table for the terminal, with the period, unit and notes as caption."""
    meta = result.metadata
    table = Table(
        title=f"{result.title} — {meta['period']['label']}",
        caption=_caption(result),
        caption_justify="left",
    )
    for column in result.group_columns:
        table.add_column(column.replace("_", " "))
    headers = (
        "incidents",
        "victims",
        "population",
        "rate",
        "95% CI",
        "previous",
        "change",
        "change %",
    )
    for header in headers:
        table.add_column(header, justify="right")
    for row in result.rows:
        table.add_row(*[row.group[c] for c in result.group_columns], *_cells(result, row))
    return table


def _cells(result: IndicatorResult, row: IndicatorRow) -> list[str]:
    def count(name: str) -> str:
        value = getattr(row, name)
        return row.hidden_label(name, result.threshold) if value is None else f"{value:,}"

    ci = "" if row.ci_low is None or row.ci_high is None else f"{row.ci_low:.2f}–{row.ci_high:.2f}"
    return [
        count("incidents"),
        count("victims"),
        "" if row.population is None else f"{row.population:,.0f}",
        "" if row.rate is None else f"{row.rate:.2f}",
        ci,
        count("previous"),
        "" if row.change is None else f"{row.change:+,}",
        "" if row.change_pct is None else f"{row.change_pct:+.1f}%",
    ]


def _caption(result: IndicatorResult) -> str:
    meta = result.metadata
    lines = [
        f"Rate: {meta['unit']}. Previous: {meta['previous_period']['label']}. "
        f"Population: {meta['denominator']['note']}.",
        "95% CI: exact Poisson (Garwood 1936). Empty rate: no matching population.",
    ]
    if result.public:
        lines.append(
            f"Counts from 1 to {result.threshold - 1} are shown as "
            f"{suppressed_label(result.threshold)}; their rates are withheld. Counts shown as "
            f"{COMPLEMENTARY_LABEL} are withheld so that no small count can be worked out "
            "from the published totals."
        )
    unplaced = meta.get("unplaced", {})
    if unplaced.get("incidents"):
        lines.append(
            f"{unplaced['incidents']} incident(s), {unplaced['victims']} victim(s) are "
            f"located above area level {meta['area_level']} and are not in the rows."
        )
    return "\n".join(lines)


def render(result: IndicatorResult, fmt: str) -> str | Table:
    """The result in ``fmt`` (``table``, ``csv`` or ``json``)."""
    if fmt == "csv":
        return to_csv(result)
    if fmt == "json":
        return to_json(result)
    if fmt == "table":
        return to_table(result)
    raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
