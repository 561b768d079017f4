"""Check what a citizen submitted (web form or JSON API) field by field.

Every problem is a ``{field, code, message}`` entry so the form shows it beside its field;
nothing is stored when there is one (the person corrects and sends again). Text must be
well-formed Unicode without NUL or other control characters (PostgreSQL refuses NUL; lone
surrogates come from broken encodings).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from salus.domain.citizen_reports import (
    CATEGORIES,
    MAX_DESCRIPTION,
    MAX_PHOTO_BYTES,
    contact_kind,
    normalise_phone,
    sniff_image,
)

BAD_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
TRUE = frozenset({"1", "true", "on", "yes"})


@dataclass(frozen=True, slots=True)
class Photo:
    content_type: str
    data: bytes


@dataclass(frozen=True, slots=True)
class ReportInput:
    """A submission that passed every check."""

    category: str
    description: str
    area_code: str | None
    longitude: float | None
    latitude: float | None
    occurred_on: dt.date | None
    anonymous: bool
    contact: str | None
    phone: str | None
    honeypot: str
    photo: Photo | None
    reply_consent: bool = False
    """The reporter agreed to receive messages about the report (needs a phone number)."""
    language: str | None = None
    reported_via: str | None = None


class _Errors(list[dict[str, Any]]):
    def add(self, field: str, code: str, message: str) -> None:
        self.append({"field": field, "code": code, "message": message})


def _text(data: Mapping[str, Any], key: str, limit: int, errors: _Errors) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        if isinstance(value, bool | int | float):
            value = str(value)
        else:
            errors.add(key, "value.invalid", "must be text")
            return None
    value = value.strip()
    if BAD_CHARS.search(value):
        errors.add(key, "value.characters", "contains characters that are not allowed")
        return None
    if len(value) > limit:
        errors.add(key, "value.too_long", f"at most {limit} characters")
        return None
    return value or None


def _coordinates(data: Mapping[str, Any], errors: _Errors) -> tuple[float | None, float | None]:
    lon_text = _text(data, "longitude", 40, errors)
    lat_text = _text(data, "latitude", 40, errors)
    if lon_text is None and lat_text is None:
        return None, None
    try:
        lon, lat = float(lon_text or "x"), float(lat_text or "x")
    except ValueError:
        errors.add("longitude", "value.invalid", "the point needs a longitude and a latitude")
        return None, None
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180
            and -90 <= lat <= 90):
        errors.add("longitude", "value.range", "the point is not on the map")
        return None, None
    return lon, lat


def _occurred(data: Mapping[str, Any], today: dt.date, errors: _Errors) -> dt.date | None:
    text = _text(data, "occurred_on", 20, errors)
    if text is None:
        return None
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        errors.add("occurred_on", "value.invalid", "not a date (YYYY-MM-DD)")
        return None
    if day > today + dt.timedelta(days=1):
        errors.add("occurred_on", "date.future", "the date is in the future")
    elif day < today - dt.timedelta(days=3660):
        errors.add("occurred_on", "date.too_old", "the date is more than ten years ago")
    return day


def _contact(data: Mapping[str, Any], anonymous: bool,
             errors: _Errors) -> tuple[str | None, str | None]:
    contact = _text(data, "contact", 200, errors)
    if contact is None:
        return None, None
    if anonymous:
        errors.add("contact", "contact.anonymous",
                   "leave the contact empty to report anonymously")
        return None, None
    kind = contact_kind(contact)
    if kind is None:
        errors.add("contact", "value.invalid", "not a phone number or an e-mail address")
        return None, None
    return contact, normalise_phone(contact) if kind == "phone" else None


def check_photo(data: bytes | None, errors: _Errors) -> Photo | None:
    if not data:
        return None
    if len(data) > MAX_PHOTO_BYTES:
        errors.add("photo", "photo.too_large",
                   f"the photo is larger than {MAX_PHOTO_BYTES // (1024 * 1024)} MB")
        return None
    mime = sniff_image(data)
    if mime is None:
        errors.add("photo", "photo.type", "the file is not a JPEG, PNG, GIF or WebP image")
        return None
    return Photo(mime, data)


def _has(errors: _Errors, *fields: str) -> bool:
    return any(e["field"] in fields for e in errors)


def check_report(data: Mapping[str, Any], photo: bytes | None, *,
                 today: dt.date | None = None,
                 known_areas: set[str] | None = None) -> tuple[ReportInput | None,
                                                               list[dict[str, Any]]]:
    """The checked submission, or None and every field error."""
    today = today or dt.date.today()
    errors = _Errors()
    category = _text(data, "category", 32, errors)
    if category is None and not _has(errors, "category"):
        errors.add("category", "value.missing", "choose what happened")
    elif category is not None and category not in CATEGORIES:
        errors.add("category", "code.unknown", "not a known category")
    description = _text(data, "description", MAX_DESCRIPTION, errors)
    if description is None and not _has(errors, "description"):
        errors.add("description", "value.missing", "describe what happened")
    elif description is not None and len(description) < 3:
        errors.add("description", "value.too_short", "describe what happened in a few words")
    area = _text(data, "area_code", 64, errors)
    if area is not None and known_areas is not None and area not in known_areas:
        errors.add("area_code", "area.unknown", "not a known area")
    lon, lat = _coordinates(data, errors)
    if area is None and lon is None and not _has(errors, "area_code", "longitude", "latitude"):
        errors.add("area_code", "value.missing", "say where: choose an area or mark the map")
    anonymous = str(data.get("anonymous") or "").strip().lower() in TRUE
    contact, phone = _contact(data, anonymous, errors)
    occurred = _occurred(data, today, errors)
    honeypot = _text(data, "website", 500, _Errors()) or ""
    checked = check_photo(photo, errors)
    consent = str(data.get("reply_consent") or "").strip().lower() in TRUE
    if consent and phone is None and not _has(errors, "contact"):
        errors.add("reply_consent", "consent.phone",
                   "give a phone number to receive messages about the report")
    if errors:
        return None, list(errors)
    assert category is not None and description is not None
    return ReportInput(category, description, area, lon, lat, occurred, anonymous, contact,
                       phone, honeypot, checked, consent), []
