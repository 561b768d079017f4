"""Input limits of every reader: hostile and oversized files are refused, not half-read.

A file an import reads may come from anyone who can upload one, so every reader checks it
against :class:`Limits` before (and while) it reads, and a file over a limit is an ordinary
:class:`~salus.ingestion.errors.FileImportError` naming the limit, the row and the column —
never a traceback, never gigabytes of memory. The rules (documented in ``docs/import.md``,
the values in ``docs/settings.md``, ``SALUS_IMPORT_*``):

* size: a file larger than ``max_file_bytes`` is not opened; JSON, GeoJSON and XLS are parsed
  whole, so they must also stay under ``max_parsed_bytes``; an upload is refused past
  ``max_upload_bytes`` while it is being copied to disk.
* zip containers (XLSX): the central directory is checked before anything is decompressed —
  at most ``max_zip_members`` members, at most ``max_unzipped_bytes`` in all, and no member over
  1 MiB whose declared size is more than ``max_zip_ratio`` times its compressed size (a
  "zip bomb": 1 MB that inflates to gigabytes). Embedded archives are never opened.
* XML: openpyxl parses with ``defusedxml`` (no entity expansion, no external entities), and the
  workbook parts Salus reads itself go through ``defusedxml`` too (OWASP XML Security Cheat Sheet).
* cells, columns, rows: a cell longer than ``max_cell_chars`` characters, a row wider than
  ``max_columns`` cells, a sheet longer than ``max_rows`` rows; a CSV line (a record) longer
  than twice the cell limit.
* JSON nesting deeper than ``max_json_depth`` levels (a guarded parse: Python's own recursion
  limit becomes the same clear error).
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from salus.ingestion.errors import failure

MIB = 1024 * 1024
RATIO_FLOOR = MIB
"""Members smaller than this (uncompressed) are not held to the ratio: tiny parts of zeros or
repeated styles compress far better than any sheet, and cannot inflate to much."""


@dataclass(frozen=True, slots=True)
class Limits:
    """The limits one read runs under (``current()`` reads them from the settings)."""

    max_upload_bytes: int = 50 * MIB
    max_file_bytes: int = 1024 * MIB
    max_parsed_bytes: int = 200 * MIB
    max_unzipped_bytes: int = 1024 * MIB
    max_zip_ratio: int = 200
    max_zip_members: int = 10_000
    max_cell_chars: int = 1_000_000
    max_columns: int = 2_000
    max_rows: int = 5_000_000
    max_json_depth: int = 64

    @property
    def max_line_chars(self) -> int:
        """The longest CSV line read: twice the cell limit (a line holds more than one cell)."""
        return 2 * self.max_cell_chars


def current() -> Limits:
    """The limits as ``SALUS_IMPORT_*`` say now (:class:`salus.config.ImportSettings`)."""
    from salus.config import settings

    s = settings().imports
    return Limits(s.max_upload_mb * MIB, s.max_file_mb * MIB, s.max_parsed_mb * MIB,
                  s.max_unzipped_mb * MIB, s.max_zip_ratio, s.max_zip_members,
                  s.max_cell_chars, s.max_columns, s.max_rows, s.max_json_depth)


def size(n: int) -> str:
    """A byte count as users read it: ``52428800`` → ``"50 MB"``."""
    return f"{n / MIB:,.0f} MB" if n >= MIB else f"{n:,} bytes"


def check_file_size(path: Path, limit: int, what: str = "") -> int:
    """The size of ``path``; a ``file.too_large`` error when it is over ``limit``."""
    n = path.stat().st_size
    if n > limit:
        kind = f" {what}" if what else ""
        raise failure("file.too_large", f"{path.name} is {size(n)}; a{kind} file may have at "
                      f"most {size(limit)} (SALUS_IMPORT_* settings)", column="(file)",
                      value=str(n))
    return n


def check_zip(source: Path | bytes, limits: Limits, name: str = "") -> None:
    """Refuse a zip container (a file, or its bytes) whose central directory promises too
    much, before anything is inflated."""
    label = name or (source.name if isinstance(source, Path) else "the file")
    try:
        with zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source) as z:
            members = z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise failure("file.format", f"{label} cannot be read as XLSX (not a readable zip "
                      f"container): {exc}", column="(file)", value=label) from None
    if len(members) > limits.max_zip_members:
        raise _bomb(label, f"it has {len(members):,} members (at most "
                    f"{limits.max_zip_members:,})", str(len(members)))
    total = 0
    for member in members:
        total += member.file_size
        if total > limits.max_unzipped_bytes:
            raise _bomb(label, f"it inflates to more than {size(limits.max_unzipped_bytes)}",
                        member.filename)
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > RATIO_FLOOR and ratio > limits.max_zip_ratio:
            raise _bomb(label, f"{member.filename} inflates {ratio:,.0f} times "
                        f"({size(member.compress_size)} → {size(member.file_size)}; at most "
                        f"{limits.max_zip_ratio} times)", member.filename)


def _bomb(label: str, why: str, value: str) -> Any:
    return failure("file.zip_bomb", f"{label} is refused: {why} (a decompression bomb?)",
                   column="(file)", value=value)


def json_depth(doc: Any, limit: int) -> int:
    """The nesting depth of a parsed JSON document (iterative: no recursion to exhaust); stops
    and returns ``limit + 1`` as soon as the document is deeper than ``limit``."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(doc, 1)]
    while stack:
        node, depth = stack.pop()
        if not isinstance(node, dict | list):
            continue
        if depth > limit:
            return depth
        deepest = max(deepest, depth)
        children = node.values() if isinstance(node, dict) else node
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return deepest
