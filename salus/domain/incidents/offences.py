"""What an incident's offence code is: an ICCS crime, a police action or a misdemeanour.

ICCS v1.0 (UNODC, 2015) classifies crimes only. What police also record — arrests in
flagrante, stops and searches, seizures as actions, minor offences that are not crimes — has
its own code list next to it, ``taxonomies/police_action.yaml``, based on national police
recording practice (the FBI UCR arrest counts and Part II categories; police codes of
coexistence such as Colombia's Law 1801 of 2016). Its codes carry a distinct prefix (``PA``
police actions, ``MI`` misdemeanours) that no ICCS code starts with, so both live in the
incident's one offence field and a prefix filter on ICCS codes never matches them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from salus.domain import taxonomy

ICCS = "iccs"
POLICE_ACTION = "police_action"
RECORD_TYPES = ("crime", "police_action", "misdemeanour")
POLICE_PREFIXES = ("PA", "MI")
"""First letters of the codes of the police-action list (ICCS codes are digits)."""


def offence_list(code: str) -> str:
    """The code list an offence code belongs to: ``police_action`` by prefix, else ``iccs``."""
    return POLICE_ACTION if code.upper().startswith(POLICE_PREFIXES) else ICCS


def known_offence(code: str) -> bool:
    """Whether ``code`` is a code of the ICCS list or of the police-action list."""
    return code in taxonomy.load(offence_list(code))


def record_type(code: str) -> str:
    """``crime`` (ICCS), ``police_action`` (PA…) or ``misdemeanour`` (MI…).

    A national sub-code absent from the list takes the type of its section prefix."""
    if offence_list(code) == ICCS:
        return "crime"
    return "police_action" if code.upper().startswith("PA") else "misdemeanour"


def names_police_codes(prefixes: Iterable[str]) -> bool:
    """Whether any of the offence-code ``prefixes`` (a filter's) belongs to the police-action
    list: a filter that names police actions or misdemeanours counts them."""
    return any(offence_list(prefix) == POLICE_ACTION for prefix in prefixes)


def crime_conditions(code: Any) -> list[Any]:
    """Conditions that keep crimes only: the offence code starts with no police prefix.

    The one rule by which crime counts leave police actions and misdemeanours out (the
    indicator engine, :mod:`salus.analytics.indicators.query`; the early-warning series; the
    community figures): they are not crimes (UNODC, ICCS v1.0, 2015, which classifies crimes
    only), so an arrest or a seizure must not count as one more incident. ``code`` is the
    offence-code column of any expression builder with ``startswith`` and ``~`` (SQLAlchemy,
    ibis); the conditions are to be and-ed. ICCS codes are digits, so no crime is lost."""
    return [~code.startswith(prefix) for prefix in POLICE_PREFIXES]


def offence_codes() -> list[taxonomy.Code]:
    """The codes a clerk may choose as the offence: ICCS, then police actions and
    misdemeanours."""
    return [*taxonomy.load(ICCS), *taxonomy.load(POLICE_ACTION)]


CONFLICT_OFFENCES = ("0107", "110133")
"""ICCS codes that are conflict-related by definition: 0107 unlawful killing associated with
armed conflict (every UCDP GED event is imported as 0107, see
``ingestion/mappings/ucdp-ged.yaml``) and 110133 conflict-related sexual violence."""
CONFLICT_CONTEXTS = ("armed_conflict",)
"""Firearm-misuse contexts (SEESAC) that make any incident conflict-related."""


def conflict_related(code: str, misuse_context: str | None) -> bool:
    """Whether an incident counts towards SDG 16.1.2 (conflict-related deaths).

    The indicator's metadata (OHCHR, SDG indicator 16.1.2, unstats.un.org/sdgs/metadata)
    counts deaths "directly related to conflict"; Salus reads it from the offence (ICCS 0107,
    110133, so every UCDP import) or the incident's context (``armed_conflict``)."""
    return code.startswith(CONFLICT_OFFENCES) or misuse_context in CONFLICT_CONTEXTS
