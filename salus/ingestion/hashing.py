"""A fast, byte-identical replacement for :meth:`Incident.content_hash` during bulk imports.

``Incident.content_hash`` serialises ``dataclasses.asdict(incident)`` with
``json.dumps(sort_keys=True, ensure_ascii=False)``; ``asdict`` deep-copies every leaf value and
the JSON encoder then walks the copy: tens of µs per incident. :func:`content_hash` writes the
same JSON text directly: per dataclass type a small encoder is generated once (the fields in
sorted-key order, each leaf written as ``json`` writes it: strings through the C
``encode_basestring``, numbers with ``repr``, dates as quoted ISO text), and the text of a
person is cached by its field values, because an aggregated row's victims are alike. Types the
generated code does not know (a dict, a tuple) fall back to ``json.dumps`` of the plain value,
so the digests stored by an import and by any other writer compare equal.
``tests/test_import_mapping.py`` checks the equality on random incidents.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Callable
from enum import Enum
from json.encoder import encode_basestring
from typing import Any

from salus.domain.incidents.model import Incident, Person

_ENCODERS: dict[type, Callable[[Any], str]] = {}
_PERSON_TEXT: dict[tuple[Any, ...], str] = {}
_PERSON_CACHE_LIMIT = 50_000
_FLOAT_REPR = float.__repr__
_INT_REPR = int.__repr__
_INF = float("inf")


def content_hash(incident: Incident) -> str:
    """SHA-256 of the canonical JSON of every field but record id, url and uid."""
    encode = _ENCODERS.get(Incident) or _incident_encoder()
    return hashlib.sha256(encode(incident).encode("utf-8")).hexdigest()


def _incident_encoder() -> Callable[[Any], str]:
    """The top level: every field but ``uid``; the source without ``record_id`` and ``url``."""
    names = sorted(f.name for f in dataclasses.fields(Incident)
                   if f.name not in ("uid", "source_attributes"))
    parts = []
    for n in names:
        if n == "source":  # "source_attributes" sorts right after it, and only when not empty
            parts.append('"source": {{"source_name": {V(o.source.source_name)}, '
                         '"source_type": {V(o.source.source_type)}}}{SA(o.source_attributes)}')
        elif n == "persons":
            parts.append('"persons": ' + "{PL(o.persons)}")
        else:
            parts.append(f'"{n}": ' + _field(n))
    return _compile(Incident, parts, {"PL": _persons, "SA": _attributes})


def _attributes(attributes: dict[str, str]) -> str:
    """The ``source_attributes`` member, or nothing when empty (as ``Incident.content_hash``)."""
    if not attributes:
        return ""
    return ', "source_attributes": ' + json.dumps(attributes, sort_keys=True,
                                                   ensure_ascii=False)


def _field(name: str) -> str:
    """The f-string replacement field writing ``o.<name>``: None and plain strings inline."""
    return ("{N if (v := o." + name + ") is None else "
            "S(v) if v.__class__ is str else V(v)}")


def _compile(kind: type, parts: list[str], extra: dict[str, Any]) -> Callable[[Any], str]:
    body = ", ".join(parts)
    namespace: dict[str, Any] = {"V": _value, "S": encode_basestring, "N": "null", **extra}
    exec(f"def encode(o):\n    return f'{{{{{body}}}}}'\n", namespace)
    encode: Callable[[Any], str] = namespace["encode"]
    _ENCODERS[kind] = encode
    return encode


_OMITTED_WHEN_NONE = frozenset(("related_victim", "serial_number", "registry_uid"))
"""Fields added to persons and weapons later: left out while None, as ``content_hash`` does."""


def _dataclass_encoder(kind: type) -> Callable[[Any], str]:
    names = sorted(f.name for f in dataclasses.fields(kind))
    if not names:
        return _compile(kind, [], {})
    parts: list[str] = []
    for n in names:
        if n in _OMITTED_WHEN_NONE and parts:  # never the first: see the field lists
            parts[-1] += '{O("' + n + '", o.' + n + ')}'
        else:
            parts.append(f'"{n}": ' + _field(n))
    return _compile(kind, parts, {"O": _optional})


def _optional(name: str, value: Any) -> str:
    return "" if value is None else f', "{name}": ' + _value(value)


def _persons(persons: list[Person]) -> str:
    if not persons:
        return "[]"
    return "[" + ", ".join([_person(p) for p in persons]) + "]"


def _person(p: Any) -> str:
    if p.__class__ is not Person:
        return _value(p)
    age = p.age
    key = (p.role, p.sex, age, age.low.__class__, age.high.__class__, p.age_band,
           p.outcome, p.relationship, p.conflict_status, p.nationality, p.given_name,
           p.family_name, p.date_of_birth, p.date_of_birth.__class__, p.related_victim)
    try:
        text = _PERSON_TEXT.get(key)
    except TypeError:  # an unhashable value: no caching
        return _value(p)
    if text is None:
        if len(_PERSON_TEXT) >= _PERSON_CACHE_LIMIT:
            _PERSON_TEXT.clear()
        text = _PERSON_TEXT[key] = _value(p)
    return text


def _value(v: Any) -> str:
    """``v`` as ``json.dumps(..., sort_keys=True, ensure_ascii=False)`` writes it."""
    if v is None:
        return "null"
    kind = v.__class__
    if kind is str or (isinstance(v, str) and isinstance(v, Enum)):
        return encode_basestring(v)
    if kind is bool:
        return "true" if v else "false"
    if kind is int:
        return _INT_REPR(v)
    if kind is float:
        if v != v:
            return "NaN"
        if v == _INF:
            return "Infinity"
        if v == -_INF:
            return "-Infinity"
        return _FLOAT_REPR(v)
    if kind is list:
        return "[" + ", ".join([_value(x) for x in v]) + "]"
    if kind in (dt.date, dt.datetime, dt.time):
        return '"' + str(v.isoformat()) + '"'
    encode = _ENCODERS.get(kind)
    if encode is None and dataclasses.is_dataclass(kind):
        encode = _dataclass_encoder(kind)  # type: ignore[arg-type]
    if encode is not None:
        return encode(v)
    return json.dumps(_plain(v), sort_keys=True, ensure_ascii=False)


def _plain(obj: Any) -> Any:
    """What ``dataclasses.asdict`` returns (dates as ISO text, as ``Incident.content_hash``'s
    JSON ``default`` writes them): the fallback for values the generated encoders do not know."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: _plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, list | tuple):
        return type(obj)(_plain(v) for v in obj)
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, dt.date | dt.time):
        return obj.isoformat()
    return obj
