"""A corpus of hostile and broken files, generated here (nothing downloaded), for the importers.

Each generator writes one file into a folder and returns its path. ``CORPUS`` names them all
with the error code an import must answer with; the files are small on disk (the zip bomb is
about 1 MB, and inflates to 1 GiB), so a test session can build them all in a few seconds.
Random bytes come from ``random.Random(SEED)``: the corpus is the same on every run.
"""

from __future__ import annotations

import random
import struct
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

SEED = 20261206
HEADER = "id,date,area,offence"
GOOD_LINE = "1,2024-01-01,R1-A,0101"
PASSWD = Path("/etc/passwd")

_PKG = "http://schemas.openxmlformats.org/package/2006"
_DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_SML = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_CONTENT_TYPES = (
    f'{_XML_DECL}<Types xmlns="{_PKG}/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{_SML}.sheet.main+xml"/>'
    f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_SML}.worksheet+xml"/>'
    "</Types>")
_RELS = (
    f'{_XML_DECL}<Relationships xmlns="{_PKG}/relationships">'
    f'<Relationship Id="rId1" Type="{_DOC}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>")
_WORKBOOK = (
    f'{_XML_DECL}<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    f'xmlns:r="{_DOC}"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets>'
    "</workbook>")
_WORKBOOK_RELS = (
    f'{_XML_DECL}<Relationships xmlns="{_PKG}/relationships">'
    f'<Relationship Id="rId1" Type="{_DOC}/worksheet" Target="worksheets/sheet1.xml"/>'
    "</Relationships>")
_SHEET_OPEN = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n{doctype}'
               '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
               "<sheetData>")
_SHEET_CLOSE = "</sheetData></worksheet>"


def _cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def _row(number: int, texts: list[str]) -> str:
    cells = "".join(_cell(f"{chr(65 + i)}{number}", t) for i, t in enumerate(texts))
    return f'<row r="{number}">{cells}</row>'


_PARTS = {"[Content_Types].xml": _CONTENT_TYPES, "_rels/.rels": _RELS,
          "xl/workbook.xml": _WORKBOOK, "xl/_rels/workbook.xml.rels": _WORKBOOK_RELS}


def _workbook(path: Path, sheet: str) -> Path:
    """A minimal XLSX whose one sheet is the XML ``sheet`` (inline strings, no shared ones)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in _PARTS.items():
            archive.writestr(name, text)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
    return path


def _sheet(rows: list[list[str]], doctype: str = "") -> str:
    body = "".join(_row(i, r) for i, r in enumerate(rows, start=1))
    return _SHEET_OPEN.format(doctype=doctype) + body + _SHEET_CLOSE


def zip_bomb_xlsx(folder: Path, inflated: int = 5 << 29) -> Path:
    """An XLSX of about 2.5 MB whose sheet inflates to ``inflated`` bytes (2.5 GiB by default):
    a header row, then gigabytes of white space between the rows (valid XML).

    The deflate stream is built from one compressed 1 MiB block repeated (each block ends with
    a full flush, so it does not depend on the one before): a second, not a minute, to write.
    """
    head = (_SHEET_OPEN.format(doctype="") + _row(1, HEADER.split(","))).encode()
    tail = (_row(2, GOOD_LINE.split(",")) + _SHEET_CLOSE).encode()
    blank = b" " * (1 << 20)
    blocks = max(1, (inflated - len(head) - len(tail)) // len(blank))
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = packer.compress(head) + packer.flush(zlib.Z_FULL_FLUSH)
    repeated = packer.compress(blank) + packer.flush(zlib.Z_FULL_FLUSH)
    last = packer.compress(tail) + packer.flush()
    crc = zlib.crc32(head)
    for _ in range(blocks):
        crc = zlib.crc32(blank, crc)
    crc = zlib.crc32(tail, crc)
    size = len(head) + blocks * len(blank) + len(tail)
    members = [_deflated(name, text.encode()) for name, text in _PARTS.items()]
    members.append(("xl/worksheets/sheet1.xml", [first, *[repeated] * blocks, last], crc, size))
    path = folder / "zip-bomb.xlsx"
    _write_zip(path, members)
    return path


_Member = tuple[str, list[bytes], int, int]


def _deflated(name: str, data: bytes) -> _Member:
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    return name, [packer.compress(data) + packer.flush()], zlib.crc32(data), len(data)


def _write_zip(path: Path, members: list[_Member]) -> None:
    """A zip file written by hand (zipfile cannot take data already deflated)."""
    central, offset = [], 0
    with path.open("wb") as out:
        for name, chunks, crc, size in members:
            packed = sum(len(c) for c in chunks)
            encoded = name.encode()
            fields = (20, 0, 8, 0, 0x21, crc, packed, size, len(encoded), 0)
            out.write(struct.pack("<4s5H3L2H", b"PK\x03\x04", *fields) + encoded)
            for chunk in chunks:
                out.write(chunk)
            central.append(struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, *fields, 0, 0, 0,
                                       0, offset) + encoded)
            offset += 30 + len(encoded) + packed
        directory = b"".join(central)
        out.write(directory)
        out.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(central), len(central),
                              len(directory), offset, 0))


def billion_laughs_xlsx(folder: Path) -> Path:
    """Nested entities (``&lol9;`` = 10⁹ "lol"s, 3 GB) in the sheet's XML."""
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10))
    doctype = f"<!DOCTYPE lolz [{entities}]>"
    return _workbook(folder / "billion-laughs.xlsx",
                     _sheet([HEADER.split(","), ["1", "2024-01-01", "&lol9;", "0101"]], doctype))


def xxe_xlsx(folder: Path) -> Path:
    """An external entity that would put ``/etc/passwd`` into a cell."""
    doctype = f'<!DOCTYPE r [<!ENTITY xxe SYSTEM "file://{PASSWD}">]>'
    return _workbook(folder / "xxe.xlsx",
                     _sheet([HEADER.split(","), ["1", "2024-01-01", "&xxe;", "0101"]], doctype))


def xxe_padded_xlsx(folder: Path) -> Path:
    """The same external entity, behind 100 KB of XML comments (past a naive head check)."""
    pad = "<!--" + "x" * 100_000 + "-->"
    doctype = f'{pad}<!DOCTYPE r [<!ENTITY xxe SYSTEM "file://{PASSWD}">]>'
    return _workbook(folder / "xxe-padded.xlsx",
                     _sheet([HEADER.split(","), ["1", "2024-01-01", "&xxe;", "0101"]], doctype))


def huge_cell_xlsx(folder: Path, chars: int = 3_000_000) -> Path:
    """A sheet whose second row has a cell of ``chars`` random letters (Excel allows 32,767;
    random, so that the part does not look like a zip bomb too)."""
    text = "".join(random.Random(SEED + 3).choices("abcdefghijklmnopqrstuvwxyz", k=chars))
    return _workbook(folder / "huge-cell.xlsx",
                     _sheet([HEADER.split(","), ["1", "2024-01-01", "R1-A", text]]))


def truncated_xlsx(folder: Path) -> Path:
    """The first half of a valid workbook (a download cut short)."""
    whole = _workbook(folder / "whole.xlsx", _sheet([HEADER.split(","), GOOD_LINE.split(",")]))
    data = whole.read_bytes()
    whole.unlink()
    path = folder / "truncated.xlsx"
    path.write_bytes(data[: len(data) // 2])
    return path


def random_xlsx(folder: Path) -> Path:
    """Random bytes behind a zip signature, named .xlsx."""
    path = folder / "random.xlsx"
    path.write_bytes(b"PK\x03\x04" + random.Random(SEED).randbytes(20_000))
    return path


def random_xls(folder: Path) -> Path:
    """Random bytes behind the OLE2 signature of an Excel 97 file, named .xls."""
    path = folder / "random.xls"
    noise = random.Random(SEED + 1).randbytes(20_000)
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + noise)
    return path


def corrupt_xls(folder: Path) -> Path:
    """An OLE2 header whose sector tables point past the end of the file."""
    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    header[0x1A:0x1C] = (3).to_bytes(2, "little")      # major version 3
    header[0x1C:0x1E] = (0xFFFE).to_bytes(2, "little")  # little-endian
    header[0x1E:0x20] = (9).to_bytes(2, "little")      # 512-byte sectors
    header[0x20:0x22] = (6).to_bytes(2, "little")
    header[0x2C:0x30] = (1).to_bytes(4, "little")       # one FAT sector
    header[0x30:0x34] = (0x7FFFFFF0).to_bytes(4, "little")  # directory far past the end
    header[0x4C:0x50] = (0x7FFFFFF0).to_bytes(4, "little")
    path = folder / "corrupt.xls"
    path.write_bytes(bytes(header) + b"\xff" * 512)
    return path


def deep_json(folder: Path, depth: int = 100_000) -> Path:
    """An array nested ``depth`` levels deep."""
    path = folder / "deep.json"
    path.write_text("[" * depth + "]" * depth, encoding="utf-8")
    return path


def deep_geojson(folder: Path, depth: int = 100_000) -> Path:
    """A FeatureCollection whose one feature's properties nest ``depth`` objects deep."""
    inner = '{"a":' * depth + "1" + "}" * depth
    text = ('{"type":"FeatureCollection","features":[{"type":"Feature","geometry":null,'
            f'"properties":{inner}}}]}}')
    path = folder / "deep.geojson"
    path.write_text(text, encoding="utf-8")
    return path


def deep_geometry_geojson(folder: Path, depth: int = 100_000) -> Path:
    """A feature whose coordinates nest ``depth`` arrays deep."""
    coords = "[" * depth + "]" * depth
    text = ('{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"X"},'
            f'"geometry":{{"type":"Polygon","coordinates":{coords}}}}}]}}')
    path = folder / "deep-geometry.geojson"
    path.write_text(text, encoding="utf-8")
    return path


def unterminated_quote_csv(folder: Path) -> Path:
    """Line 3 opens a quoted cell that is never closed; 200 good lines follow it."""
    lines = [HEADER, GOOD_LINE, '2,2024-01-02,"R1-A,0101']
    lines += [f"{i},2024-01-03,R1-A,0101" for i in range(3, 203)]
    path = folder / "unterminated.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def huge_cell_csv(folder: Path, chars: int = 5_000_000) -> Path:
    """Row 2's area cell has ``chars`` characters (5 MB)."""
    path = folder / "huge-cell.csv"
    path.write_text(f"{HEADER}\n1,2024-01-01,{'x' * chars},0101\n", encoding="utf-8")
    return path


def huge_quoted_cell_csv(folder: Path, chars: int = 3_000_000) -> Path:
    """A quoted cell of ``chars`` characters spread over many short lines."""
    body = "\n".join(["y" * 99] * (chars // 100))
    path = folder / "huge-quoted-cell.csv"
    path.write_text(f'{HEADER}\n1,2024-01-01,"{body}",0101\n', encoding="utf-8")
    return path


def wide_csv(folder: Path, columns: int = 20_000) -> Path:
    """A header of ``columns`` columns."""
    path = folder / "wide.csv"
    names = [*HEADER.split(","), *(f"c{i}" for i in range(columns))]
    path.write_text(",".join(names) + "\n" + GOOD_LINE + "\n", encoding="utf-8")
    return path


def nul_csv(folder: Path) -> Path:
    """NUL bytes in the middle of a CSV file."""
    path = folder / "nul.csv"
    path.write_bytes(f"{HEADER}\n1,2024-01-01,R1\x00\x00A,0101\n".encode())
    return path


def utf16_without_bom_csv(folder: Path) -> Path:
    """UTF-16 text without its byte-order mark (every other byte NUL)."""
    path = folder / "utf16.csv"
    path.write_bytes(f"{HEADER}\n{GOOD_LINE}\n".encode("utf-16-le"))
    return path


def binary_csv(folder: Path) -> Path:
    """Random high bytes named .csv (no text encoding reads them as text)."""
    data = bytes(b | 0x80 for b in random.Random(SEED + 2).randbytes(4000))
    path = folder / "binary.csv"
    path.write_bytes(data)
    return path


def empty_csv(folder: Path) -> Path:
    path = folder / "empty.csv"
    path.write_bytes(b"")
    return path


def header_only_csv(folder: Path) -> Path:
    path = folder / "header-only.csv"
    path.write_text(HEADER + "\n", encoding="utf-8")
    return path


Generator = Callable[[Path], Path]
CORPUS: dict[str, tuple[Generator, tuple[str, ...]]] = {
    "zip bomb": (zip_bomb_xlsx, ("file.zip_bomb",)),
    "billion laughs": (billion_laughs_xlsx, ("file.xml",)),
    "external entity": (xxe_xlsx, ("file.xml",)),
    "external entity behind comments": (xxe_padded_xlsx, ("file.xml",)),
    "multi-MB cell in a workbook": (huge_cell_xlsx, ("cell.too_large",)),
    "truncated workbook": (truncated_xlsx, ("file.format",)),
    "random bytes as xlsx": (random_xlsx, ("file.format",)),
    "random bytes as xls": (random_xls, ("file.format",)),
    "corrupt xls": (corrupt_xls, ("file.format",)),
    "deeply nested JSON": (deep_json, ("file.too_deep",)),
    "deeply nested GeoJSON": (deep_geojson, ("file.too_deep",)),
    "deeply nested GeoJSON geometry": (deep_geometry_geojson, ("file.too_deep",)),
    "unterminated quote": (unterminated_quote_csv, ("quote.unterminated",)),
    "multi-MB cell": (huge_cell_csv, ("cell.too_large",)),
    "multi-MB quoted cell over many lines": (huge_quoted_cell_csv, ("cell.too_large",)),
    "20,000 columns": (wide_csv, ("row.too_wide",)),
    "NUL bytes": (nul_csv, ("file.encoding",)),
    "UTF-16 without BOM": (utf16_without_bom_csv, ("file.encoding",)),
    "binary bytes as csv": (binary_csv, ("file.encoding",)),
    "empty file": (empty_csv, ("file.empty",)),
    "header only": (header_only_csv, ()),
}
"""name → (generator, the error codes an import may answer with; none: the file is read, and
nothing is written because it has no data row)."""


def large_csv(path: Path, megabytes: int) -> Path:
    """A well-formed CSV of about ``megabytes`` MB (for memory checks), written in blocks."""
    line = "{},2024-01-01,R1-A,0101," + "z" * 200 + "\n"
    per_block = 4096
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(HEADER + ",note\n")
        written, n = 0, 0
        while written < megabytes * 1_000_000:
            block = "".join(line.format(n + i) for i in range(per_block))
            out.write(block)
            written += len(block)
            n += per_block
    return path

