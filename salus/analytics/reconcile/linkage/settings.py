"""Splink settings for victims of violence: what is compared, and which pairs are compared.

The model is Fellegi & Sunter's (1969): each comparison has ordered agreement levels, each level
an ``m`` probability (among true matches) and a ``u`` probability (among non-matches); the
match weight of a pair is ``log2(lambda / (1 - lambda)) + sum log2(m / u)`` over its levels.
Comparisons, in order (see :func:`comparisons`):

* **name** – same clean name; same after folding transliteration variants; same consonant
  skeleton (Arabic names); one name's tokens inside the other's (a second surname missing);
  Jaro–Winkler similarity ≥ 0.92; ≥ 0.80 (or skeletons ≥ 0.90). All forms are order-free, so
  a swapped given/family order agrees.
* **sex**; **age** – same date of birth, same age, ±2 years, ±5 years;
* **date** – same day, ±1, ±3 days, overlapping periods (a source that knows only the week or
  month), ±10 days;
* **place** – points within 1 km, same area, neighbouring areas, points within 10 km, same
  parent area;
* **weapon**, **cause**.

Only pairs that share an area and a 7-day date bucket, a name key, parent area and date bucket,
or a name skeleton and a date bucket, an area, or a parent area within a month, are compared
(:data:`PREDICTION_BLOCKS`), so the work grows with the records per area and week rather than
with the square of all records.
"""

from __future__ import annotations

from typing import Any

Level = dict[str, Any]

HAVERSINE_KM = (
    "(2 * 6371 * asin(sqrt(pow(sin(radians(latitude_r - latitude_l) / 2), 2) + "
    "cos(radians(latitude_l)) * cos(radians(latitude_r)) * "
    "pow(sin(radians(longitude_r - longitude_l) / 2), 2))))"
)
_POINTS = (
    "latitude_l IS NOT NULL AND latitude_r IS NOT NULL AND "
    "longitude_l IS NOT NULL AND longitude_r IS NOT NULL"
)

PREDICTION_BLOCKS: tuple[str, ...] = (
    "l.area_code = r.area_code AND l.window_a = r.window_a",
    "l.area_code = r.area_code AND l.window_b = r.window_b",
    "l.neighbours = r.area_code AND l.window_a = r.window_a",
    "l.neighbours = r.area_code AND l.window_b = r.window_b",
    "l.name_keys = r.name_keys AND l.parent_code = r.parent_code AND l.window_a = r.window_a",
    "l.name_keys = r.name_keys AND l.parent_code = r.parent_code AND l.window_b = r.window_b",
    "l.name_skeleton = r.name_skeleton AND l.window_a = r.window_a",
    "l.name_skeleton = r.name_skeleton AND l.window_b = r.window_b",
    "l.name_skeleton = r.name_skeleton AND l.area_code = r.area_code",
    "l.name_skeleton = r.name_skeleton AND l.parent_code = r.parent_code "
    "AND abs(l.day - r.day) <= 31",
)
"""Pairs compared: same area and date bucket; one name key (a skeleton token, see
:mod:`.names`), the parent area and a date bucket (a neighbouring municipality coded by mistake
and a dropped or misspelt name); or the same name skeleton and a date bucket (any place), the
same area (any date) or the same parent area within a month. ``name_keys`` is an array exploded
before the join (:data:`EXPLODED`)."""

EXPLODED = frozenset({"name_keys", "neighbours"})

TRAINING_BLOCKS: tuple[str, ...] = (
    "l.area_code = r.area_code AND l.window_a = r.window_a AND abs(l.day - r.day) <= 3",
    "l.name_skeleton = r.name_skeleton AND l.sex = r.sex AND l.age_low = r.age_low",
)
"""EM passes: the first estimates the name, person, weapon and cause levels, the second the
date and place levels (on the same name, sex and age: few non-matches even for common names).
Splink leaves out of a pass every comparison whose columns the blocking
rule names; the first rule names ``day`` so that the date comparison is left out too: among
pairs blocked on a 7-day window, close dates would otherwise pass for evidence of a match."""

DETERMINISTIC_RULES: tuple[str, ...] = (
    "l.name_phonetic = r.name_phonetic AND l.area_code = r.area_code "
    "AND abs(l.day - r.day) <= 3",
)
"""Near-certain matches, used to estimate the share of matching pairs before EM."""


DIALECTS = ("duckdb", "spark")
"""SQL dialects the settings are written for: DuckDB's list functions and Jaro–Winkler, or
Spark SQL's array functions and the ``jaro_winkler`` UDF of the jar shipped inside Splink."""


def _jaro_winkler(a: str, b: str, dialect: str) -> str:
    name = "jaro_winkler" if dialect == "spark" else "jaro_winkler_similarity"
    return f"{name}({a}, {b})"


def _has_all(outer: str, inner: str, dialect: str) -> str:
    """Every element of the array ``inner`` is in ``outer`` (null when either is null)."""
    if dialect == "spark":
        return f"size(array_except({inner}, {outer})) = 0"
    return f"list_has_all({outer}, {inner})"


def _contains(array: str, value: str, dialect: str) -> str:
    name = "array_contains" if dialect == "spark" else "list_contains"
    return f"{name}({array}, {value})"


def _null(condition: str) -> Level:
    return {"sql_condition": condition, "label_for_charts": "unknown", "is_null_level": True}


def _level(condition: str, label: str) -> Level:
    return {"sql_condition": condition, "label_for_charts": label}


def _else(label: str = "disagree") -> Level:
    return {"sql_condition": "ELSE", "label_for_charts": label}


def _comparison(name: str, description: str, levels: list[Level]) -> dict[str, Any]:
    return {
        "output_column_name": name,
        "comparison_description": description,
        "comparison_levels": levels,
    }


def name_comparison(dialect: str = "duckdb") -> dict[str, Any]:
    """Victim's full name, order-free, with transliteration and compound surnames."""
    jw = _jaro_winkler("name_phonetic_l", "name_phonetic_r", dialect)
    skeleton_jw = _jaro_winkler("name_skeleton_l", "name_skeleton_r", dialect)
    return _comparison("name", "victim's name", [
        _null("name_phonetic_l IS NULL OR name_phonetic_r IS NULL"),
        _level("name_clean_l = name_clean_r", "same name"),
        _level("name_phonetic_l = name_phonetic_r", "same name, other transliteration"),
        _level("name_skeleton_l = name_skeleton_r", "same consonants (vowels differ)"),
        _level(
            f"{_has_all('name_tokens_l', 'name_tokens_r', dialect)} OR "
            f"{_has_all('name_tokens_r', 'name_tokens_l', dialect)}",
            "one name contains the other",
        ),
        _level(f"{jw} >= 0.92", "names very similar"),
        _level(
            f"{jw} >= 0.80 OR {skeleton_jw} >= 0.90",
            "names similar",
        ),
        _else("names differ"),
    ])


def sex_comparison() -> dict[str, Any]:
    return _comparison("sex", "victim's sex", [
        _null("sex_l IS NULL OR sex_r IS NULL"),
        _level("sex_l = sex_r", "same sex"),
        _else("sex differs"),
    ])


def age_comparison() -> dict[str, Any]:
    """Date of birth if both have it, else age in years or age bands (±2, ±5)."""

    def within(years: int) -> str:
        return f"age_low_l <= age_high_r + {years} AND age_low_r <= age_high_l + {years}"

    return _comparison("age", "victim's age or date of birth", [
        _null("(dob_l IS NULL OR dob_r IS NULL) AND (age_low_l IS NULL OR age_low_r IS NULL)"),
        _level("dob_l = dob_r", "same date of birth"),
        _level("age_low_l = age_low_r AND age_high_l = age_high_r AND age_low_l = age_high_l",
               "same age"),
        _level(within(2), "ages within 2 years"),
        _level(within(5), "ages within 5 years"),
        _else("ages differ"),
    ])


def date_comparison() -> dict[str, Any]:
    """Date of death or incident; imprecise dates agree when their periods overlap."""
    diff = "abs(day_l - day_r)"
    return _comparison("date", "date of death or incident", [
        _level(f"{diff} = 0 AND day_until_l = day_l AND day_until_r = day_r", "same day"),
        _level(f"{diff} <= 1 AND day_until_l = day_l AND day_until_r = day_r", "dates 1 day apart"),
        _level(f"{diff} <= 3 AND day_until_l = day_l AND day_until_r = day_r",
               "dates 2–3 days apart"),
        _level("day_l <= day_until_r AND day_r <= day_until_l", "periods overlap"),
        _level(f"{diff} <= 10", "dates 4–10 days apart"),
        _else("dates far apart"),
    ])


def place_comparison(dialect: str = "duckdb") -> dict[str, Any]:
    """Points within 1 km, same area, neighbouring areas, within 10 km, same parent area."""
    return _comparison("place", "place of death or incident", [
        _null(f"(area_code_l IS NULL OR area_code_r IS NULL) AND NOT ({_POINTS})"),
        _level(f"{_POINTS} AND point_exact_l AND point_exact_r AND {HAVERSINE_KM} <= 0.1",
               "same exact point"),
        _level(f"{_POINTS} AND {HAVERSINE_KM} <= 1", "within 1 km"),
        _level("area_code_l = area_code_r", "same area"),
        _level(
            f"{_contains('neighbours_l', 'area_code_r', dialect)} OR "
            f"{_contains('neighbours_r', 'area_code_l', dialect)}",
            "neighbouring areas",
        ),
        _level(f"{_POINTS} AND {HAVERSINE_KM} <= 10", "within 10 km"),
        _level("parent_code_l = parent_code_r", "same parent area"),
        _else("places differ"),
    ])


def weapon_comparison() -> dict[str, Any]:
    """Same weapon category; same branch of the weapon taxonomy (a source that writes
    ``firearm`` where another writes ``revolver_pistol``); differ. Unknown is neutral."""
    return _comparison("weapon", "weapon", [
        _null("weapon_l IS NULL OR weapon_r IS NULL"),
        _level("weapon_l = weapon_r", "same weapon"),
        _level("weapon_family_l = weapon_family_r", "same kind of weapon"),
        _else("weapons differ"),
    ])


def source_comparison() -> dict[str, Any]:
    """Whether the two records come from the same source.

    A source rarely records one death twice (a newspaper's second report is the common case),
    while two victims of one incident usually reach each source: EM learns how much less likely
    a match is within a source than across sources, rather than one prior for every pair.
    """
    return _comparison("source", "same or different source", [
        _level("source_l = source_r", "same source"),
        _else("different sources"),
    ])


def code_comparison(column: str, description: str) -> dict[str, Any]:
    """Exact agreement of a code (weapon category, cause); unknown codes are null."""
    return _comparison(column, description, [
        _null(f"{column}_l IS NULL OR {column}_r IS NULL"),
        _level(f"{column}_l = {column}_r", f"same {column}"),
        _else(f"{column} differs"),
    ])


def comparisons(dialect: str = "duckdb") -> list[dict[str, Any]]:
    return [
        name_comparison(dialect), sex_comparison(), age_comparison(), date_comparison(),
        place_comparison(dialect), weapon_comparison(),
        code_comparison("cause", "cause of death or offence"), source_comparison(),
    ]


def _blocking_rule(rule: str, dialect: str = "duckdb") -> dict[str, Any]:
    out: dict[str, Any] = {"blocking_rule": rule, "sql_dialect": dialect}
    exploded = sorted(c for c in EXPLODED if f"l.{c} " in rule)
    if exploded:
        out["arrays_to_explode"] = exploded
    return out


def violence_settings(
    link_type: str = "link_and_dedupe",
    blocking_rules: tuple[str, ...] = PREDICTION_BLOCKS,
    dialect: str = "duckdb",
) -> dict[str, Any]:
    """A Splink settings dictionary for victims' records (see the module docstring), in the
    SQL of ``dialect`` (one of :data:`DIALECTS`)."""
    if dialect not in DIALECTS:
        raise ValueError(f"unknown SQL dialect {dialect!r}: use one of {', '.join(DIALECTS)}")
    return {
        "link_type": link_type,
        "unique_id_column_name": "record_id",
        "source_dataset_column_name": "source_dataset",
        "comparisons": comparisons(dialect),
        "blocking_rules_to_generate_predictions": [
            _blocking_rule(r, dialect) for r in blocking_rules
        ],
        "retain_matching_columns": True,  # Splink keeps gamma_ columns only with it
        "retain_intermediate_calculation_columns": True,
        "additional_columns_to_retain": ["source"],
        "probability_two_random_records_match": 1e-4,
        "em_convergence": 0.001,
        "max_iterations": 25,
    }
