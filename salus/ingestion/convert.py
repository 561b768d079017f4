"""Cell → field value: transforms, value maps, type parsing and code-list checks.

:func:`converter` compiles, once per field of a mapping, a function that turns a raw cell into
the field's value or raises :class:`CellError` with a stable error code. Results are memoised per
distinct raw value (a year of police data has ~365 distinct dates and a few dozen labels), which
keeps imports fast. Order: canonical cell text → transforms (``pad``, ``slice``…) → value map
(case/accent-insensitive keys; a value missing from the map passes through when it already is a
code of the field's list) → type (date, int…) → code-list check.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from functools import cache
from typing import Any

from salus.domain import taxonomy
from salus.ingestion.fields import FieldDef
from salus.ingestion.mapping import DateSpec, Mapping
from salus.ingestion.text import cell_text, normalise, slug

Converter = Callable[[Any], Any]

EXCEL_EPOCH = dt.date(1899, 12, 30)
EXCEL_MAX_SERIAL = 2958465  # 9999-12-31
DAYFIRST = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%y", "%d-%m-%y")
MONTHFIRST = ("%m/%d/%Y", "%m-%d-%Y", "%m/%d/%y")
_INT = re.compile(r"^[+-]?\d+$")
_INT_ZERO_DECIMALS = re.compile(r"^([+-]?\d+)[.,]0+$")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(?:([,.\u00a0\u202f ])\d{3})(?:\1\d{3})*$")
TRUE = {"true", "yes", "y", "1", "si", "oui", "x"}
FALSE = {"false", "no", "n", "0", "non"}


class CellError(Exception):
    """A cell that cannot become a field value: ``code`` is a stable error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def converter(name: str, fdef: FieldDef, mapping: Mapping, *, use_map: bool = True) -> Converter:
    """The memoised conversion function of field ``name`` under ``mapping``."""
    steps = [_transform(op, arg) for op, arg in mapping.transforms.get(name, ())]
    value_map = mapping.values.get(name) if use_map else None
    parse = _parser(fdef, mapping.dates)
    check = _code_check(name, fdef, has_map=value_map is not None)
    textual = fdef.type in ("str", "wkt") or bool(steps) or value_map is not None

    def convert(raw: Any) -> Any:
        value = raw
        if textual and not isinstance(raw, dict):
            value = cell_text(raw)
            for step in steps:
                value = step(value) if value is not None else None
            if value_map is not None and value is not None:
                key = normalise(value)
                if key in value_map:
                    value = value_map[key]
        if value is None:
            return None
        return check(parse(value))

    return _memoise(convert)


def _memoise(fn: Converter) -> Converter:
    cache_: dict[tuple[type, Any], Any] = {}

    def cached(raw: Any) -> Any:
        try:
            key = (type(raw), raw)
            hit = cache_.get(key, cache_)
        except TypeError:  # unhashable (a GeoJSON dict): no memo
            return fn(raw)
        if hit is cache_:
            try:
                hit = fn(raw)
            except CellError as exc:
                hit = exc
            if len(cache_) < 100_000:
                cache_[key] = hit
        if isinstance(hit, CellError):
            raise hit
        return hit

    return cached


def _transform(op: str, arg: Any) -> Callable[[str], str | None]:
    if op == "pad":
        return lambda s: s.zfill(int(arg)) if s.isdigit() else s
    if op == "slice":
        return lambda s: s[slice(*arg)] or None
    if op == "replace":
        pattern = re.compile(str(arg[0]))
        return lambda s: pattern.sub(str(arg[1]), s).strip() or None
    if op == "prefix":
        return lambda s: f"{arg}{s}"
    if op == "suffix":
        return lambda s: f"{s}{arg}"
    if op == "upper":
        return str.upper
    if op == "lower":
        return str.lower
    return lambda s: slug(s) or None


def _parser(fdef: FieldDef, dates: DateSpec) -> Converter:
    parsers: dict[str, Converter] = {
        "str": str,
        "int": parse_int,
        "float": parse_float,
        "date": lambda v: parse_date(v, dates),
        "time": parse_time,
        "bool": parse_bool,
        "geometry": parse_geometry,
        "wkt": parse_wkt,
    }
    return parsers[fdef.type]


def _code_check(name: str, fdef: FieldDef, *, has_map: bool) -> Converter:
    if fdef.taxonomy is None:
        return lambda v: v
    codes = {c.code for c in taxonomy.load(fdef.taxonomy)} | set(fdef.extra_codes)
    by_norm = {normalise(c): c for c in codes}
    where = "the mapping's value map for " + name + " nor " if has_map else ""

    def check(value: Any) -> Any:
        if value in codes:
            return value
        found = by_norm.get(normalise(str(value)))
        if found is None:
            raise CellError("code.unknown", f"{value!r} is neither in {where}a code of the "
                          f"{fdef.taxonomy} list")
        return found

    return check


def parse_int(value: Any) -> int:
    """Whole numbers: 12, 12.0, "12", "12.0", "1,234,567", "1.234.567" (thousands groups)."""
    if isinstance(value, bool):
        raise CellError("number.invalid", f"{value!r} is not a whole number")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = str(value).strip()
    if _INT.match(text):
        return int(text)
    if m := _INT_ZERO_DECIMALS.match(text):
        return int(m.group(1))
    if _THOUSANDS.match(text):
        return int(re.sub(r"[^\d+-]", "", text))
    raise CellError("number.invalid", f"{value!r} is not a whole number")


def parse_float(value: Any) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    text = str(value).strip()
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    try:
        return float(text)
    except ValueError:
        raise CellError("number.invalid", f"{value!r} is not a number") from None


def parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    key = normalise(str(cell_text(value)))
    if key in TRUE or key in FALSE:
        return key in TRUE
    raise CellError("value.invalid", f"{value!r} is not yes/no (true/false, 1/0, sí/no)")


def parse_date(value: Any, spec: DateSpec) -> dt.date:
    """Dates: cells already dates; text by the mapping's formats, then ISO 8601, then the
    ``dayfirst`` family; numbers by the formats (e.g. ``%Y``), then as Excel serials."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = cell_text(value) or ""
    for fmt in spec.formats:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    if isinstance(value, int | float) and not isinstance(value, bool):
        if spec.excel_serial and 1 <= value <= EXCEL_MAX_SERIAL:
            return EXCEL_EPOCH + dt.timedelta(days=int(value))
        raise CellError("date.invalid", f"{value!r} is neither a date nor an Excel date serial")
    return _parse_date_text(text, spec)


def _parse_date_text(text: str, spec: DateSpec) -> dt.date:
    try:
        return dt.datetime.fromisoformat(text).date()
    except ValueError:
        pass
    family = DAYFIRST if spec.dayfirst else MONTHFIRST if spec.dayfirst is False else ()
    for fmt in family:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    tried = [*list(spec.formats), "ISO 8601 (YYYY-MM-DD)", *list(family)]
    raise CellError("date.invalid", f"{text!r} is not a date in any of the formats "
                  f"{', '.join(tried)}; give the format with --date-format or dates.formats")


def parse_time(value: Any) -> dt.time:
    if isinstance(value, dt.datetime):
        return value.time()
    if isinstance(value, dt.time):
        return value
    if isinstance(value, float) and 0 <= value < 1:
        seconds = round(value * 86400)
        return dt.time(seconds // 3600, seconds // 60 % 60, seconds % 60)
    try:
        return dt.time.fromisoformat(str(cell_text(value)))
    except ValueError:
        raise CellError("value.invalid", f"{value!r} is not a time (HH:MM or HH:MM:SS)") from None


GEOMETRY_TYPES = {"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon",
                  "MultiPolygon", "GeometryCollection"}


def parse_geometry(value: Any) -> dict[str, Any]:
    """A GeoJSON geometry object (dict, or JSON text): its type and coordinates are checked
    here; Shapely reads it once, where it is used (areas: validity; incidents: the point)."""
    geometry = value
    if isinstance(value, str):
        try:
            geometry = json.loads(value)
        except json.JSONDecodeError:
            raise CellError("geometry.invalid", "the geometry is not GeoJSON text") from None
        except RecursionError:
            raise CellError("geometry.invalid", "the geometry nests arrays too deeply") from None
    if not isinstance(geometry, dict) or geometry.get("type") not in GEOMETRY_TYPES:
        raise CellError("geometry.invalid", "not a GeoJSON geometry (type Point, Polygon…)")
    key = "geometries" if geometry["type"] == "GeometryCollection" else "coordinates"
    if not isinstance(geometry.get(key), list) or not geometry[key]:
        raise CellError("geometry.invalid", f"a {geometry['type']} needs non-empty {key}")
    return geometry


def parse_wkt(value: Any) -> dict[str, Any]:
    """A WKT geometry (``POINT (36.7 34.8)``) as a GeoJSON dict."""
    from shapely import wkt
    from shapely.errors import ShapelyError
    from shapely.geometry import mapping

    try:
        return _plain_json(mapping(wkt.loads(str(value))))
    except (ShapelyError, ValueError, TypeError) as exc:
        raise CellError("geometry.invalid", f"not WKT: {exc}") from None


def _plain_json(geometry: Any) -> dict[str, Any]:
    out = json.loads(json.dumps(geometry))
    if not isinstance(out, dict):
        raise CellError("geometry.invalid", "a geometry must be a JSON object")
    return out


@cache
def taxonomy_codes(taxonomy_id: str) -> frozenset[str]:
    return frozenset(c.code for c in taxonomy.load(taxonomy_id))
