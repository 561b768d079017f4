"""A fast, byte-identical replacement for :meth:`Incident.content_hash` during bulk imports.

``Incident.content_hash`` serialises ``dataclasses.asdict(incident)``, and ``asdict`` deep-copies
every leaf value: about 70 µs per incident, more than everything else an import does per row.
:func:`content_hash` builds the same plain structure without copying (it only reads the objects)
and hashes the same canonical JSON, so the digests stored by an import and by any other writer
compare equal. ``tests/test_import_hashing.py`` checks the equality on varied incidents.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from enum import Enum
from typing import Any

from salus.domain.model import Incident

_LEAVES: set[type] = {str, int, float, bool, type(None)}
"""Types returned as they are; enum types join the set the first time they are seen."""
_FIELDS: dict[type, tuple[str, ...] | None] = {}


def content_hash(incident: Incident) -> str:
    """SHA-256 of the canonical JSON of every field but record id, url and uid."""
    data = _plain(incident)
    del data["source"]["record_id"]
    del data["source"]["url"]
    del data["uid"]
    blob = json.dumps(data, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _plain(obj: Any) -> Any:
    """What ``dataclasses.asdict`` returns, without its deep copies (dates as ISO text, as
    ``Incident.content_hash``'s JSON ``default`` writes them)."""
    kind = type(obj)
    try:
        names = _FIELDS[kind]
    except KeyError:
        names = _FIELDS[kind] = _field_names(obj)
    if names is not None:
        out = {}
        for name in names:
            value = getattr(obj, name)
            out[name] = value if type(value) in _LEAVES else _plain(value)
        return out
    if kind is list:
        return [v if type(v) in _LEAVES else _plain(v) for v in obj]
    if kind is tuple:
        return tuple(_plain(v) for v in obj)
    if kind is dict:
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, dt.date | dt.time):
        return obj.isoformat()
    if isinstance(obj, Enum):
        _LEAVES.add(kind)
    return obj


def _field_names(obj: Any) -> tuple[str, ...] | None:
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return tuple(f.name for f in dataclasses.fields(obj))
    return None
