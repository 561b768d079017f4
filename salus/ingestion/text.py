"""Text helpers shared by readers and mappings: cell text, name matching, slugs.

Column names and value-map keys are compared after :func:`normalise` (case-, accent- and
whitespace-insensitive), because national spreadsheets rename ``CÓDIGO DANE`` to
``Codigo  Dane`` from one year to the next. :func:`cell_text` is the one canonical text of a
cell, used both for value maps and for the documented record-id hash.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from functools import lru_cache
from typing import Any

_SPACES = re.compile(r"\s+")
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


@lru_cache(maxsize=65536)
def normalise(text: str) -> str:
    """Casefold, strip accents and collapse whitespace: ``" Código  DANE "`` → ``"codigo dane"``."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", stripped).strip().casefold()


def slug(text: str) -> str:
    """ASCII slug: accents removed, lower case, runs of other characters → ``-``.

    ``"Deir ez Zor Governorate"`` → ``"deir-ez-zor-governorate"``; used for area codes derived
    from names (documented in docs/import.md).
    """
    return _NOT_ALNUM.sub("-", normalise(text)).strip("-")


def cell_text(value: Any) -> str | None:
    """The canonical text of a cell, or None when it is empty.

    Strings are stripped; whole floats lose their ``.0`` (Excel stores 5001000 as 5001000.0);
    datetimes at midnight become ISO dates, other datetimes, dates and times ISO 8601; dicts
    and lists canonical JSON.
    """
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0) and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return str(value).strip() or None


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
