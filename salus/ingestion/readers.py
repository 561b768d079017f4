"""Readers: CSV (and HXL-tagged CSV), XLSX, XLS, JSON and GeoJSON into one :class:`Table`.

Each format yields rows as ``(row number in the file, cells)`` so that an error can cite the
row the user sees in Excel or a text editor; :mod:`salus.ingestion.framing` then finds the
header, the HXL tags and the footer. The format is taken from ``format`` or sniffed from the
file's first bytes (a ``.xls`` that is really a zip is read as XLSX) and its suffix.

Text decoding (:func:`decode`): an explicit encoding is used strictly; otherwise UTF-8 (with or
without BOM); otherwise cp1252 (Latin-1 when the bytes use one of cp1252's five undefined
positions) when the result looks like Western European text — at most 30 % of its letters
outside ASCII, as in Spanish, French or Portuguese spreadsheets saved on Windows;
otherwise charset-normalizer's guess (e.g. cp1251 for Russian). charset-normalizer alone calls
short Spanish cp1252 files "cp775" or "cp1250", which would turn Ñ into č or Ń. UTF-16 needs
its byte-order mark; other NUL bytes mean binary data, an error (``file.encoding``), as is
text charset-normalizer does not recognise. CSV files apply the same rules as a stream
(:mod:`salus.ingestion.textfile`), in bounded memory.

Every reader runs under :class:`~salus.ingestion.limits.Limits` (file size, zip bombs, XML
entities, cell, row and column counts, JSON depth): a hostile or oversized file is an ordinary
:class:`~salus.ingestion.errors.FileImportError`.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import charset_normalizer

from salus.ingestion.errors import FileImportError, failure
from salus.ingestion.framing import (
    HeaderRule,
    ReadStats,
    Row,
    frame_grid,
    frame_records,
)
from salus.ingestion.limits import Limits, check_file_size, check_zip, json_depth
from salus.ingestion.limits import current as current_limits
from salus.ingestion.textfile import (
    CP1252_UNDEFINED,
    WESTERN_SHARE,
    csv_records,
    sample,
    sniff_encoding,
)

FORMATS = ("csv", "hxl", "xlsx", "xls", "json", "geojson")
DELIMITERS = ",;\t|"


@dataclass(frozen=True, slots=True)
class ReadOptions:
    """Everything a reader needs besides the path (from the mapping's ``source`` block)."""

    format: str | None = None
    sheet: int | str | tuple[str, ...] | None = None
    encoding: str | None = None
    delimiter: str | None = None
    header: HeaderRule = field(default_factory=HeaderRule)


@dataclass(slots=True)
class Table:
    """Columns (header text, or the hashtag where a column has no text) and data rows."""

    columns: list[str]
    tags: dict[str, str]
    rows: Iterator[Row]
    stats: ReadStats
    format: str
    size_hint: int | None = None
    encoding: str | None = None


def read_table(path: str | Path, options: ReadOptions | None = None,
               limits: Limits | None = None) -> Table:
    """Open ``path`` and frame it as a :class:`Table` (rows are read lazily where possible).

    ``limits`` default to the settings' (:func:`salus.ingestion.limits.current`); a file over
    one of them raises :class:`~salus.ingestion.errors.FileImportError` before it is read, or
    at the row that goes past it.
    """
    opts = options or ReadOptions()
    bound = limits or current_limits()
    source = Path(path)
    if not source.is_file():
        raise failure("file.not_found", f"no file at {source}", value=str(source))
    fmt = detect_format(source, opts.format)
    whole = fmt in ("json", "geojson", "xls")
    check_file_size(source, bound.max_parsed_bytes if whole else bound.max_file_bytes,
                           fmt.upper() if whole else "")
    stats = ReadStats()
    if fmt in ("json", "geojson"):
        return _read_json(source, fmt, opts, stats, bound)
    hint: int | None
    encoding: str | None = None
    if fmt in ("csv", "hxl"):
        raw, hint, encoding = _csv_rows(source, opts, bound)
    elif fmt == "xlsx":
        check_zip(source, bound)
        raw, hint = _xlsx_rows(source, opts.sheet, bound)
    else:
        raw, hint = _xls_rows(source, opts.sheet)
    framed = frame_grid(raw, opts.header, stats, bound, cells_checked=fmt in ("csv", "hxl"))
    return Table(framed.columns, framed.tags, framed.rows, stats, fmt, hint, encoding)


def detect_format(path: Path, declared: str | None) -> str:
    """The declared format, else sniffed from the magic bytes, else from the suffix."""
    if declared:
        if declared not in FORMATS:
            raise failure("file.format", f"unknown format {declared!r}; use one of "
                          + ", ".join(FORMATS), value=declared)
        return declared
    with path.open("rb") as handle:
        head = handle.read(8)
    suffix = path.suffix.lower()
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    if suffix in (".json", ".geojson"):
        return "geojson" if suffix == ".geojson" else "json"
    if suffix in (".xlsx", ".xlsm", ".xls"):
        raise failure("file.format", f"{path.name} is not a valid {suffix} workbook",
                      value=path.name)
    return "csv"


def decode(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """Decode ``data`` and say which encoding was used (rules in the module docstring)."""
    if encoding:
        return _decode_strict(data, encoding), encoding
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _decode_strict(data, "utf-16"), "utf-16"
    if b"\x00" in data:
        raise failure("file.encoding", "the file contains NUL bytes: binary data, or UTF-16 "
                      "without a byte-order mark; pass --encoding", column="(file)")
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    western = _western(data)
    if western is not None:
        return western
    best = charset_normalizer.from_bytes(data[:200_000]).best()
    if best is None:
        raise failure("file.encoding", "the file is neither UTF-8 nor any text encoding "
                      "charset-normalizer recognises (binary data?); pass --encoding",
                      column="(file)")
    return _decode_strict(data, best.encoding), best.encoding


def _western(data: bytes) -> tuple[str, str] | None:
    """cp1252 / Latin-1 text when it reads as mostly-ASCII Western European text."""
    encoding = "latin_1" if any(b in data for b in CP1252_UNDEFINED) else "cp1252"
    text = data.decode(encoding)
    letters = [ch for ch in text if ch.isalpha()]
    foreign = sum(1 for ch in letters if not ch.isascii())
    if any(ch < " " and ch not in "\t\r\n" for ch in text):
        return None
    if letters and foreign / len(letters) <= WESTERN_SHARE:
        return text, encoding
    return None


def _decode_strict(data: bytes, encoding: str) -> str:
    try:
        return data.decode("utf-8-sig" if encoding.lower().replace("_", "-") in
                           ("utf-8", "utf8") else encoding)
    except LookupError:
        raise failure("file.encoding", f"unknown encoding {encoding!r}",
                      column="(file)", value=encoding) from None
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        bad = data[exc.start:exc.end]
        raise failure("file.encoding", f"byte {bad.hex(' ')} at line {line} (offset "
                      f"{exc.start}) is not valid {encoding}; pass the right --encoding "
                      "(e.g. cp1252)", row=line, column="(file)", value=bad.hex(" ")) from None


def _csv_rows(path: Path, opts: ReadOptions, limits: Limits
              ) -> tuple[Iterator[tuple[int, list[Any]]], int, str]:
    """Records of a CSV file as a stream (the encoding found first, in one pass)."""
    codec, encoding, lines = sniff_encoding(path, opts.encoding)
    delim = opts.delimiter or _sniff_delimiter(sample(path, codec))
    return csv_records(path, codec, delim, limits), lines, encoding


def _sniff_delimiter(sample: str) -> str:
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        first = sample.splitlines()[0] if sample else ""
        counts = {d: first.count(d) for d in DELIMITERS}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] else ","


def _xlsx_rows(path: Path, sheet: int | str | tuple[str, ...] | None, limits: Limits
               ) -> tuple[Iterator[tuple[int, list[Any]]], int | None]:
    """Rows of one sheet: python-calamine (about 7× faster, but it holds the whole sheet) when
    the workbook inflates to less than ``max_parsed_bytes``, otherwise openpyxl's stream. A part
    with a DOCTYPE is refused first: calamine's XML parser is not defused."""
    inflated = _check_xml_parts(path)
    if USE_CALAMINE and inflated <= limits.max_parsed_bytes:
        rows = _calamine_rows(path, sheet)
        if rows is not None:
            return rows
    return _openpyxl_rows(path, sheet)


USE_CALAMINE = True
"""Read XLSX with python-calamine when it is installed and can open the file (tests compare)."""
_EXCEL_INT_LIMIT = 2**53
_MIDNIGHT = dt.time(0)


def _calamine_rows(path: Path, sheet: int | str | tuple[str, ...] | None
                   ) -> tuple[Iterator[tuple[int, list[Any]]], int] | None:
    """The sheet's rows with openpyxl's cell values and their number, or None (then openpyxl
    reads the file). The rows are converted as they are read (a streamed import holds
    calamine's grid, not a second copy of it).

    calamine gives every number as a float, a date cell as a date and an empty cell as "";
    openpyxl gives a whole number as an int (Excel writes them without a decimal point), a
    date cell as a datetime and an empty cell as None: the cells are converted to the latter.
    """
    try:
        from python_calamine import CalamineWorkbook
    except ImportError:
        return None
    try:
        book = CalamineWorkbook.from_path(str(path))
        names = list(book.sheet_names)
        wanted = _pick_sheet(names, sheet, path)
        grid = book.get_sheet_by_name(wanted).to_python(skip_empty_area=False)
        last = _last_row_element(path, wanted)
    except Exception:  # noqa: BLE001 - anything calamine cannot read: openpyxl decides
        return None
    if last is None or last < len(grid):
        return None

    def rows() -> Iterator[tuple[int, list[Any]]]:
        for number, cells in enumerate(grid, start=1):
            row = [_openpyxl_value(v) for v in cells]
            while row and row[-1] is None:
                row.pop()
            yield number, row
        # openpyxl also yields the empty (e.g. only formatted) rows after the last value,
        # which the framing counts as blank; calamine's grid ends at the last value.
        yield from ((number, []) for number in range(len(grid) + 1, last + 1))

    return rows(), last


_ROW_NUMBER = re.compile(rb'<row\b[^>]*?\sr="(\d+)"')


def _last_row_element(path: Path, sheet: str) -> int | None:
    """The number of the sheet's last ``<row>`` element (openpyxl's last row), or None when
    the XML is not laid out as expected (then openpyxl reads the file)."""
    from defusedxml import ElementTree

    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    rel = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
    with zipfile.ZipFile(path) as archive:
        book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rid = next((e.get(f"{rel}id") for e in book.iter(f"{main}sheet")
                    if e.get("name") == sheet), None)
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
        target = next((e.get("Target") for e in rels if e.get("Id") == rid), None)
        if rid is None or target is None:
            return None
        member = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        xml = archive.read(member)
    tail = xml.rfind(b"<row")
    if tail < 0 or xml.rfind(b":row") > tail:
        return None
    found = _ROW_NUMBER.match(xml, tail)
    return int(found.group(1)) if found else None


def _openpyxl_value(v: Any) -> Any:
    kind = v.__class__
    if kind is str:
        return v or None
    if kind is float:
        return int(v) if v.is_integer() and -_EXCEL_INT_LIMIT < v < _EXCEL_INT_LIMIT else v
    if kind is dt.date:
        return dt.datetime.combine(v, _MIDNIGHT)
    return v


def _openpyxl_rows(path: Path, sheet: int | str | tuple[str, ...] | None
                   ) -> tuple[Iterator[tuple[int, list[Any]]], int | None]:
    """Rows of one sheet (openpyxl, read-only, cached values of formulas) and its height."""
    import openpyxl
    from defusedxml import DefusedXmlException
    from openpyxl.utils.exceptions import InvalidFileException

    unreadable = (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError,
                  TypeError, EOFError, SyntaxError, DefusedXmlException)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        ws = book[_pick_sheet(book.sheetnames, sheet, path)]
    except unreadable as exc:
        raise failure("file.format", f"{path.name} cannot be read as XLSX: {_short(exc)}",
                      value=path.name) from None

    height = ws.max_row
    ws.reset_dimensions()  # trust the rows, not the declared size (often "A1" when exported)

    def rows() -> Iterator[tuple[int, list[Any]]]:
        number = 0
        try:
            for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
                yield number, list(values)
        except unreadable as exc:
            raise failure("file.format", f"{path.name} cannot be read as XLSX after row "
                          f"{number}: {_short(exc)}", row=number + 1, value=path.name) from None
        finally:
            book.close()

    return rows(), height


def _xls_rows(path: Path, sheet: int | str | tuple[str, ...] | None
              ) -> tuple[Iterator[tuple[int, list[Any]]], int | None]:
    """Rows of one sheet (xlrd; date cells converted from Excel serials) and its height."""
    import xlrd

    try:
        book = xlrd.open_workbook(str(path), on_demand=True)
        ws = book.sheet_by_name(_pick_sheet(book.sheet_names(), sheet, path))
    except FileImportError:
        raise
    except Exception as exc:  # noqa: BLE001 - xlrd fails on corrupt files in a hundred ways
        raise failure("file.format", f"{path.name} cannot be read as XLS: {_short(exc)}",
                      value=path.name) from None

    def rows() -> Iterator[tuple[int, list[Any]]]:
        try:
            for i in range(ws.nrows):
                yield i + 1, _xls_cells(ws.row_types(i), ws.row_values(i), book.datemode)
        finally:
            book.release_resources()

    return rows(), ws.nrows


def _xls_cells(types: Any, values: list[Any], datemode: int) -> list[Any]:
    """xlrd cell types: 0 empty, 1 text, 2 number, 3 date (an Excel serial), 4 bool, 5 error."""
    import xlrd

    out: list[Any] = []
    for kind, value in zip(types, values, strict=True):
        if kind == 2:
            out.append(int(value) if float(value).is_integer() else value)
        elif kind == 3:
            out.append(xlrd.xldate.xldate_as_datetime(value, datemode))
        elif kind == 1:
            out.append(value)
        elif kind == 4:
            out.append(bool(value))
        else:
            out.append(None)
    return out


def _pick_sheet(names: list[str], wanted: int | str | tuple[str, ...] | None, path: Path) -> str:
    from salus.ingestion.text import normalise

    if wanted is None:
        return names[0]
    if isinstance(wanted, int):
        if 0 <= wanted < len(names):
            return names[wanted]
    else:
        options = (wanted,) if isinstance(wanted, str) else wanted
        by_norm = {normalise(n): n for n in names}
        for option in options:
            if normalise(option) in by_norm:
                return by_norm[normalise(option)]
    raise failure("file.format", f"{path.name} has no sheet {wanted!r}; its sheets are "
                  + ", ".join(names), column="(sheet)", value=str(wanted))


def _read_json(path: Path, fmt: str, opts: ReadOptions, stats: ReadStats,
               limits: Limits) -> Table:
    text, encoding = decode(path.read_bytes(), opts.encoding)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise failure("file.format", f"invalid JSON at line {exc.lineno} column {exc.colno}: "
                      f"{exc.msg}", row=exc.lineno, column="(file)") from None
    except RecursionError:
        doc = None
    del text
    if doc is None or json_depth(doc, limits.max_json_depth) > limits.max_json_depth:
        raise failure("file.too_deep", f"{path.name} nests arrays and objects more than "
                      f"{limits.max_json_depth} levels deep (SALUS_IMPORT_MAX_JSON_DEPTH)",
                      column="(file)") from None
    is_geo = isinstance(doc, dict) and doc.get("type") in ("FeatureCollection", "Feature")
    records = _geojson_records(doc) if is_geo else _json_records(doc)
    columns: dict[str, None] = {}
    for _, record in records:
        columns.update(dict.fromkeys(record))
    names = list(columns)
    rows = frame_records(records, names, stats)
    return Table(names, {}, rows, stats, "geojson" if is_geo else fmt, len(records), encoding)


def _json_records(doc: Any) -> list[tuple[int, dict[str, Any]]]:
    items = doc.get("data") if isinstance(doc, dict) else doc
    if not isinstance(items, list):
        raise failure("file.format", 'JSON input must be an array of objects or '
                      '{"data": [...]}', column="(file)")
    out = []
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise failure("file.format", f"item {number} of the JSON array is not an object",
                          row=number, column="(item)", value=str(item)[:80])
        out.append((number, _flatten(item)))
    return out


def _geojson_records(doc: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    features = doc.get("features") if doc.get("type") == "FeatureCollection" else [doc]
    if not isinstance(features, list):
        raise failure("file.format", "a FeatureCollection needs a 'features' array",
                      column="(file)")
    out = []
    for number, feature in enumerate(features, start=1):
        props = _flatten(feature.get("properties") or {}) if isinstance(feature, dict) else {}
        if not isinstance(feature, dict):
            raise failure("file.format", f"feature {number} is not an object", row=number)
        if "id" in feature and "id" not in props:
            props["id"] = feature["id"]
        props["geometry"] = feature.get("geometry")
        out.append((number, props))
    return out


def _check_xml_parts(path: Path) -> int:
    """Refuse an XLSX whose XML parts declare a DOCTYPE (entity expansion, external entities:
    Excel never writes one); return how many bytes the workbook inflates to."""
    total = 0
    with zipfile.ZipFile(path) as archive:
        for member in archive.infolist():
            total += member.file_size
            if not member.filename.lower().endswith((".xml", ".rels")):
                continue
            with archive.open(member) as handle:
                head = handle.read(PROLOG_BYTES)
            if _declares_doctype(head):
                raise failure("file.xml", f"{path.name} is refused: its part {member.filename} "
                              "declares a DOCTYPE (XML entities; Excel never writes one)",
                              column="(file)", value=member.filename)
    return total


PROLOG_BYTES = 65536
_PROLOG_ITEM = re.compile(rb"\s*(?:<\?.*?\?>|<!--.*?-->)", re.S)


def _declares_doctype(head: bytes) -> bool:
    """True when the XML prolog in ``head`` has a DOCTYPE, or is longer than ``head``."""
    pos = 3 if head.startswith(b"\xef\xbb\xbf") else 0
    while (found := _PROLOG_ITEM.match(head, pos)) is not None and found.end() > pos:
        pos = found.end()
    rest = head[pos:].lstrip()
    if not rest:
        return len(head) >= PROLOG_BYTES
    return rest[:9].upper() == b"<!DOCTYPE" or (
        rest.startswith(b"<!") and not rest.startswith(b"<![CDATA["))


def _short(exc: BaseException) -> str:
    text = str(exc) or exc.__class__.__name__
    return text if len(text) <= 200 else text[:200] + "…"


def _flatten(item: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested objects become dotted columns: ``{"a": {"b": 1}}`` → ``{"a.b": 1}``."""
    out: dict[str, Any] = {}
    for key, value in item.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and name != "geometry":
            out.update(_flatten(value, f"{name}."))
        else:
            out[name] = value
    return out
