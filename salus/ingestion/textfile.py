"""Text files read as streams: the encoding found in one pass, then CSV records line by line.

Memory stays bounded whatever the file's size: the encoding is decided in a first pass over
1 MiB blocks (:func:`sniff_encoding`: the rules of :func:`salus.ingestion.readers.decode`,
applied to the whole file without holding it), then :func:`csv_records` decodes and parses the
file one line at a time. A line longer than :attr:`Limits.max_line_chars` and a cell longer than
:attr:`Limits.max_cell_chars` are errors naming the row (the record number) and the cell. A
quoted cell still open at the end of the file is an error naming the line where it opened:
Python's csv module would otherwise merge the rest of the file into that one cell, silently.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import charset_normalizer

from salus.ingestion.errors import CellLimitError, FileImportError, failure
from salus.ingestion.limits import Limits

BLOCK = 1 << 20
WESTERN_SHARE = 0.3
CP1252_UNDEFINED = bytes([0x81, 0x8D, 0x8F, 0x90, 0x9D])
SNIFF_CHARS = 65536
END = "\ufffe\ufffesalus-end-of-file\ufffe\ufffe"
"""Fed to the csv reader after the last line: a record of its own when every quote was closed,
the tail of the last cell when one was not (the csv module says nothing in that case)."""
_ASCII_LETTERS = bytes(range(65, 91)) + bytes(range(97, 123))
_ASCII = bytes(range(128))
_CONTROLS = bytes(b for b in range(32) if b not in (9, 10, 13))


@dataclass(slots=True)
class _Scan:
    """What one pass over the bytes saw."""

    lines: int = 1
    nul: bool = False
    utf8: bool = True
    undefined: bool = False
    controls: bool = False
    ascii_letters: int = 0
    high: Counter[int] = field(default_factory=Counter)


def sniff_encoding(path: Path, declared: str | None) -> tuple[str, str, int]:
    """(codec to open the file with, encoding to report, number of lines), in one pass."""
    if declared:
        return _codec(declared), declared, _count_lines(path)
    with path.open("rb") as handle:
        head = handle.read(2)
    if head in (b"\xff\xfe", b"\xfe\xff"):
        return "utf-16", "utf-16", _count_lines(path)
    scan = _scan(path)
    if scan.nul:
        raise failure("file.encoding", "the file contains NUL bytes: binary data, or UTF-16 "
                      "without a byte-order mark; pass --encoding", column="(file)")
    if scan.utf8:
        return "utf-8-sig", "utf-8", scan.lines
    western = "latin_1" if scan.undefined else "cp1252"
    if not scan.controls and _mostly_ascii(scan, western):
        return western, western, scan.lines
    with path.open("rb") as handle:
        best = charset_normalizer.from_bytes(handle.read(200_000)).best()
    if best is None:
        raise failure("file.encoding", "the file is neither UTF-8 nor any text encoding "
                      "charset-normalizer recognises (binary data?); pass --encoding",
                      column="(file)")
    return _codec(best.encoding), best.encoding, scan.lines


def _codec(encoding: str) -> str:
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise failure("file.encoding", f"unknown encoding {encoding!r}", column="(file)",
                      value=encoding) from None
    return "utf-8-sig" if name == "utf-8" else name


def _count_lines(path: Path) -> int:
    lines = 1
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(BLOCK), b""):
            lines += block.count(b"\n")
    return lines


def _scan(path: Path) -> _Scan:
    scan = _Scan()
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(BLOCK), b""):
            scan.lines += block.count(b"\n")
            scan.nul = scan.nul or b"\x00" in block
            if scan.utf8:
                try:
                    decoder.decode(block)
                except UnicodeDecodeError:
                    scan.utf8 = False
            scan.undefined = scan.undefined or any(b in block for b in CP1252_UNDEFINED)
            scan.controls = scan.controls or len(block.translate(None, _CONTROLS)) < len(block)
            scan.ascii_letters += len(block) - len(block.translate(None, _ASCII_LETTERS))
    if scan.utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            scan.utf8 = False
    if not scan.utf8:
        scan.high = _high_bytes(path)
    return scan


def _high_bytes(path: Path) -> Counter[int]:
    """How often each byte above 127 occurs (a second pass, for files that are not UTF-8)."""
    counts: Counter[int] = Counter()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(BLOCK), b""):
            if not block.isascii():
                counts.update(block.translate(None, _ASCII))
    return counts


def _mostly_ascii(scan: _Scan, encoding: str) -> bool:
    """At most 30 % of the letters outside ASCII: Western European text saved on Windows."""
    foreign = sum(n for b, n in scan.high.items() if bytes([b]).decode(encoding).isalpha())
    letters = scan.ascii_letters + foreign
    return bool(letters) and foreign / letters <= WESTERN_SHARE


def sample(path: Path, codec: str) -> str:
    """The first characters of the file, to sniff the delimiter from."""
    with _open(path, codec) as text:
        try:
            return text.read(SNIFF_CHARS)
        except UnicodeDecodeError:
            raise bad_bytes(path, codec) from None


def _open(path: Path, codec: str) -> IO[str]:
    return io.TextIOWrapper(path.open("rb"), encoding=codec, errors="strict", newline="")


def bad_bytes(path: Path, codec: str) -> FileImportError:
    """The error for the first bytes ``codec`` cannot decode: their line and offset."""
    decoder = codecs.getincrementaldecoder(codec)("strict")
    name = "utf-8" if codec == "utf-8-sig" else codec
    offset, lines = 0, 1
    with path.open("rb") as handle:
        for block in [*iter(lambda: handle.read(BLOCK), b""), None]:
            pending = decoder.getstate()[0]
            try:
                decoder.decode(block or b"", final=block is None)
            except UnicodeDecodeError as exc:
                data = bytes(exc.object)
                bad = data[exc.start:exc.end]
                line = lines + data.count(b"\n", 0, exc.start) - pending.count(b"\n")
                return failure("file.encoding", f"byte {bad.hex(' ')} at line {line} (offset "
                               f"{offset - len(pending) + exc.start}) is not valid {name}; "
                               "pass the right --encoding (e.g. cp1252)", row=line,
                               column="(file)", value=bad.hex(" "))
            if block is not None:
                offset += len(block)
                lines += block.count(b"\n")
    return failure("file.encoding", f"the file cannot be decoded as {name}", column="(file)")


class _LongLine(Exception):  # noqa: N818 - a signal turned into CellLimitError by the caller
    pass


def csv_records(path: Path, codec: str, delimiter: str, limits: Limits
                ) -> Iterator[tuple[int, list[Any]]]:
    """``(record number, cells)`` of a CSV file, decoded and parsed one line at a time."""
    lines = _Lines(path, codec, limits.max_line_chars)
    previous_limit = csv.field_size_limit(limits.max_cell_chars)
    try:
        reader = csv.reader(lines, delimiter=delimiter)
        number = 0
        while True:
            start = reader.line_num + 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except _LongLine:
                raise _too_long(number + 1, lines, delimiter, limits) from None
            except csv.Error as exc:
                raise _csv_error(exc, number + 1, start, lines, delimiter, limits) from None
            if cells and cells[-1].endswith(END):  # END is last: this is the last record
                if cells == [END]:
                    return
                raise _unterminated(number + 1, cells, start)
            number += 1
            yield number, cells
    finally:
        csv.field_size_limit(previous_limit)
        lines.close()


def _unterminated(number: int, cells: list[str], started: int) -> FileImportError:
    line = started + sum(c.count("\n") + c.count("\r") - c.count("\r\n") for c in cells[:-1])
    return CellLimitError("quote.unterminated", f"row {number}: the quoted cell that opens on "
                        f"line {line} is never closed (an unterminated quote would swallow the "
                        "rest of the file into one cell); close it, or double the quotes inside "
                        "it", number, len(cells) - 1, f"line {line}")


def _too_long(number: int, lines: _Lines, delimiter: str, limits: Limits) -> FileImportError:
    return CellLimitError("cell.too_large", f"row {number}: line {lines.line} is longer than "
                        f"{lines.cap:,} characters (a cell may have {limits.max_cell_chars:,}, "
                        "SALUS_IMPORT_MAX_CELL_CHARS)", number,
                        lines.long_cell(delimiter, limits.max_cell_chars), f"line {lines.line}")


def _csv_error(exc: csv.Error, number: int, start: int, lines: _Lines, delimiter: str,
               limits: Limits) -> FileImportError:
    if "field limit" in str(exc):
        return CellLimitError("cell.too_large", f"row {number} (from line {start}) has a cell "
                            f"longer than {limits.max_cell_chars:,} characters "
                            "(SALUS_IMPORT_MAX_CELL_CHARS)", number,
                            lines.long_cell(delimiter, limits.max_cell_chars) if
                            start == lines.line else None, f"line {start}")
    return failure("file.format", f"row {number} (line {lines.line}) cannot be read as CSV: "
                   f"{exc}", row=number, column="(file)")


class _Lines:
    """The file's lines (ended by ``\\n``, ``\\r`` or ``\\r\\n``, kept) of at most ``cap``
    characters each, then :data:`END`."""

    def __init__(self, path: Path, codec: str, cap: int) -> None:
        self.path, self.codec, self.cap = path, codec, cap
        self.text = _open(path, codec)
        self.line = 0
        self.last = ""
        self._done = False

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if self._done:
            raise StopIteration
        try:
            line = self.text.readline(self.cap + 2)
        except UnicodeDecodeError:
            raise bad_bytes(self.path, self.codec) from None
        if not line:
            self._done = True
            return END
        self.line += 1
        self.last = line
        if len(line) > self.cap and len(line.rstrip("\r\n")) > self.cap:
            raise _LongLine
        return line

    def long_cell(self, delimiter: str, limit: int) -> int | None:
        """Which cell of the last line read is longer than ``limit`` (exact when the record
        starts on that line)."""
        previous = csv.field_size_limit(max(len(self.last) + 1, limit))
        try:
            cells = next(csv.reader([self.last.rstrip("\r\n")], delimiter=delimiter), [])
        except csv.Error:
            return None
        finally:
            csv.field_size_limit(previous)
        return next((i for i, c in enumerate(cells) if len(c) > limit), None)

    def close(self) -> None:
        self.text.close()
