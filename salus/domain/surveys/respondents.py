"""One respondent (a submission's main row) and the rules for its classifying fields.

A survey file names, for each *role*, the column that holds it: the respondent's area (an area
code or name of the Salus area tree), sex, age (years, or an age band), disability, and the
design variables (stratum, PSU, weight, finite population correction). The other columns are
the form's answers; columns the form does not know are kept as they came (``extra``).

Sex is read into the ``sex`` code list (female, male, other, unknown), either from the value or
from the label of the form's choice (``1`` labelled "Female"); ages are put into the SDG age
groups of UNODC (0–14, 15–29, 30–44, 45–59, 60+), the bands SDG 16 survey indicators are
disaggregated by; disability is yes or no (the Washington Group short set gives a yes where
"a lot of difficulty" or "cannot do at all" is answered to any domain, coded by the survey).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

ROLES = ("area", "sex", "age", "age_band", "disability", "stratum", "psu", "weight", "fpc")
"""What a column may stand for besides an answer."""

DEFAULT_COLUMNS: Mapping[str, tuple[str, ...]] = {
    "area": ("area", "area_code", "community", "location"),
    "sex": ("sex", "gender", "respondent_sex"),
    "age": ("age", "respondent_age"),
    "age_band": ("age_band", "age_group"),
    "disability": ("disability", "disabled"),
    "stratum": ("stratum", "strata"),
    "psu": ("psu", "cluster", "ea"),
    "weight": ("weight", "wt", "final_weight"),
    "fpc": ("fpc",),
}
"""Column names taken for a role when the user names none (compared without case; a group
prefix such as ``respondent/age`` is ignored)."""

SEX_WORDS: Mapping[str, str] = {
    "female": "female", "f": "female", "woman": "female", "women": "female", "femme": "female",
    "mujer": "female", "femenino": "female", "féminin": "female",
    "male": "male", "m": "male", "man": "male", "men": "male", "homme": "male",
    "hombre": "male", "masculino": "male", "masculin": "male",
    "other": "other", "x": "other", "intersex": "other", "autre": "other", "otro": "other",
    "unknown": "unknown", "prefer_not_to_say": "unknown", "refused": "unknown",
    "dont_know": "unknown", "": "unknown",
}
YES = frozenset({"yes", "y", "1", "true", "oui", "si", "sí", "да", "نعم", "是"})
NO = frozenset({"no", "n", "0", "false", "non", "нет", "لا", "否"})
SDG_BANDS: tuple[tuple[int, int | None], ...] = ((0, 14), (15, 29), (30, 44), (45, 59), (60, None))


class RespondentRuleError(ValueError):
    """A classifying value cannot be read; ``code`` is a row-error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class Respondent:
    """One submission as stored: classifying fields, design variables, answers, the rest."""

    row: int
    key: str
    area_code: str | None = None
    sex: str = "unknown"
    age: int | None = None
    age_band: str | None = None
    disability: bool | None = None
    stratum: str | None = None
    psu: str | None = None
    weight: float | None = None
    fpc: float | None = None
    answers: Mapping[str, Any] = field(default_factory=dict)
    extra: Mapping[str, str] = field(default_factory=dict)
    repeats: Mapping[str, list[dict[str, Any]]] = field(default_factory=dict)


def read_sex(value: str, labels: Mapping[str, str] | None = None) -> str:
    """``female``/``male``/``other``/``unknown`` from a value or its choice labels."""
    candidates = [value, *(labels or {}).values()]
    for text in candidates:
        found = SEX_WORDS.get(text.strip().lower())
        if found is not None:
            return found
    raise RespondentRuleError("code.unknown", f"{value!r} is not a sex the survey can use "
                                              "(female, male, other or unknown)")


def read_age(value: str) -> int | None:
    """Completed years of age (0–120) or None when empty."""
    text = value.strip()
    if not text:
        return None
    try:
        age = float(text)
    except ValueError:
        raise RespondentRuleError("number.invalid", f"{value!r} is not an age in years") from None
    if not age.is_integer() or not 0 <= age <= 120:
        raise RespondentRuleError("age.impossible", f"{value!r} is not an age from 0 to 120")
    return int(age)


def sdg_band(age: int | None) -> str | None:
    """The SDG age group of ``age`` as an ``age_band`` code (``sdg:15-29``)."""
    if age is None:
        return None
    for low, high in SDG_BANDS:
        if (high is None or age <= high) and age >= low:
            return f"sdg:{low}+" if high is None else f"sdg:{low}-{high}"
    return None


def read_band(value: str) -> str | None:
    """An age band given as ``15-29``, ``15–29``, ``60+`` or ``sdg:15-29``."""
    text = value.strip().replace("–", "-").replace(" ", "")
    if not text:
        return None
    code = text if ":" in text else f"sdg:{text}"
    if code not in {sdg_band(low) for low, _ in SDG_BANDS}:
        raise RespondentRuleError("code.unknown", f"{value!r} is not an SDG age group "
                                                  "(0-14, 15-29, 30-44, 45-59, 60+)")
    return code


def read_flag(value: str) -> bool | None:
    """Yes/no in the usual spellings; None when empty."""
    text = value.strip().lower()
    if not text:
        return None
    if text in YES:
        return True
    if text in NO:
        return False
    raise RespondentRuleError("value.invalid", f"{value!r} is neither yes nor no")


def read_number(value: str, positive: bool = False) -> float | None:
    text = value.strip()
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        raise RespondentRuleError("number.invalid", f"{value!r} is not a number") from None
    if number != number or (positive and number <= 0):
        raise RespondentRuleError("number.invalid", f"{value!r} is not a positive number")
    return number
