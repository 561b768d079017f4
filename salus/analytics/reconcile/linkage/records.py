"""The record frame that linkage reads: one row per victim as one source recorded them.

Columns (pandas; only the first three are required, the rest may be missing or null):

==================  ==========================================================================
``record_id``       unique key of the record (string)
``source``          the institution or list it comes from (``police``, ``forensic``, ``media``)
``occurred_on``     date of death / of the incident (first day of its period when imprecise)
``occurred_until``  last day of that period (same as ``occurred_on`` for an exact date)
``given_name``      given name(s), any script
``family_name``     family name(s), any script, one or two surnames
``sex``             ``female`` / ``male`` (anything else counts as unknown)
``age``             age in completed years (lower end of a band)
``age_max``         upper end of an age band (e.g. an unidentified body's estimated age)
``date_of_birth``   date of birth
``area_code``       code of the smallest administrative area known
``parent_code``     code of its parent area
``neighbours``      list of codes of the areas that border ``area_code``
``longitude``       WGS84 point, when the source geocodes it
``latitude``
``location_precision`` how precise the point is (``exact``, ``settlement``…; missing: exact)
``weapon``          weapon category (UN small-arms categories, ``knife``, ``blunt``…)
``cause``           cause of death or offence code (e.g. ICCS)
==================  ==========================================================================

:func:`prepare_records` adds the derived columns the Splink model compares and blocks on.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from salus.analytics.reconcile.linkage.names import name_forms
from salus.domain import taxonomy

REQUIRED = ("record_id", "source", "occurred_on")
OPTIONAL = (
    "occurred_until", "given_name", "family_name", "sex", "age", "age_max", "date_of_birth",
    "area_code", "parent_code", "neighbours", "longitude", "latitude", "location_precision",
    "weapon", "cause",
)
UNKNOWN_CODES = frozenset({"", "unknown", "other", "none", "nan"})
EPOCH = dt.date(1970, 1, 1)
WINDOW_DAYS = 7
"""Width of the two staggered date buckets; records up to 3 days apart share one of them."""


class RecordFrameError(ValueError):
    """The frame lacks a required column or has duplicate record ids."""


def prepare_records(frame: pd.DataFrame) -> pd.DataFrame:
    """Validate the record frame and add the columns the linkage model uses.

    Adds ``name_clean``, ``name_phonetic``, ``name_skeleton``, ``name_tokens``, ``name_keys`` (see
    :mod:`.names`), ``day`` (days since 1970-01-01), ``day_until``, ``window_a`` and
    ``window_b`` (staggered 7-day buckets: any two days at most 3 apart share one),
    ``dob`` (ISO text), ``age_low`` and ``age_high`` (``age`` filled from the date of birth
    where it is missing; ``age_high`` is ``age_max`` or else ``age``), ``weapon_family`` (the
    top of the weapon's branch in the ``weapon`` taxonomy: a pistol is a firearm) and
    ``point_exact`` (a point located exactly, not a settlement's centre).
    """
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise RecordFrameError(f"record frame lacks column(s): {', '.join(missing)}")
    if frame["record_id"].duplicated().any():
        raise RecordFrameError("record_id must be unique")
    out = frame.copy()
    for column in OPTIONAL:
        if column not in out.columns:
            out[column] = None
    out["record_id"] = out["record_id"].astype(str)
    _add_dates(out)
    _add_names(out)
    _add_person(out)
    _add_codes(out)
    return out


def _days(values: pd.Series) -> pd.Series:
    dates = pd.to_datetime(values, errors="coerce")
    return ((dates - pd.Timestamp(EPOCH)) // pd.Timedelta(days=1)).astype("Int64")


def _add_dates(out: pd.DataFrame) -> None:
    out["day"] = _days(out["occurred_on"])
    if out["day"].isna().any():
        raise RecordFrameError("every record needs a date of occurrence")
    until = _days(out["occurred_until"])
    out["day_until"] = until.fillna(out["day"]).astype("int64")
    out["day"] = out["day"].astype("int64")
    out["window_a"] = (2 * out["day"]) // (2 * WINDOW_DAYS)
    out["window_b"] = (2 * out["day"] + WINDOW_DAYS) // (2 * WINDOW_DAYS)


def _add_names(out: pd.DataFrame) -> None:
    forms = [
        name_forms(_text(g), _text(f))
        for g, f in zip(out["given_name"], out["family_name"], strict=True)
    ]
    out["name_clean"] = [f.clean for f in forms]
    out["name_phonetic"] = [f.phonetic for f in forms]
    out["name_skeleton"] = [f.skeleton for f in forms]
    out["name_tokens"] = [list(f.tokens) if f.tokens else None for f in forms]
    out["name_keys"] = [list(f.keys) if f.keys else None for f in forms]


def _add_person(out: pd.DataFrame) -> None:
    sex = out["sex"].astype("string").str.lower()
    out["sex"] = sex.where(sex.isin(["female", "male"]), None).astype(object)
    dob = pd.to_datetime(out["date_of_birth"], errors="coerce")
    occurred = pd.to_datetime(out["occurred_on"], errors="coerce")
    years = occurred.dt.year - dob.dt.year
    before_birthday = (occurred.dt.month * 100 + occurred.dt.day) < (
        dob.dt.month * 100 + dob.dt.day
    )
    from_dob = (years - before_birthday.astype(int)).astype("Int64")
    age = pd.to_numeric(out["age"], errors="coerce").astype("Int64").fillna(from_dob)
    top = pd.to_numeric(out["age_max"], errors="coerce").astype("Int64")
    out["age_low"] = age.astype("float64")
    out["age_high"] = top.fillna(age).astype("float64")
    out["dob"] = dob.dt.strftime("%Y-%m-%d").astype(object).where(dob.notna(), None)


def _add_codes(out: pd.DataFrame) -> None:
    for column in ("weapon", "cause", "area_code", "parent_code"):
        text = out[column].astype("string").str.strip()
        known = text.notna() & ~text.str.lower().isin(UNKNOWN_CODES)
        out[column] = text.where(known, None).astype(object)
    out["neighbours"] = [
        list(v) if isinstance(v, list | tuple | np.ndarray) and len(v) else None
        for v in out["neighbours"]
    ]
    for column in ("longitude", "latitude"):
        out[column] = pd.to_numeric(out[column], errors="coerce")
    out["weapon_family"] = [weapon_family(w) for w in out["weapon"]]
    precision = out["location_precision"].astype("string").str.lower()
    out["point_exact"] = (precision.isna() | (precision == "exact")).astype(bool)
    del out["location_precision"]


def weapon_family(code: object) -> str | None:
    """Top-level ancestor of a weapon code in the ``weapon`` taxonomy (the code itself when
    the taxonomy does not know it): ``revolver_pistol`` → ``firearm``."""
    if not isinstance(code, str):
        return None
    codes = taxonomy.load("weapon").codes
    while code in codes and codes[code].parent is not None:
        code = str(codes[code].parent)
    return code


def _text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return str(value)
