"""The code-list files in ``salus/domain/taxonomies`` are well formed.

Read straight from disk with PyYAML (not through ``salus.domain.taxonomy``), so a broken file
is reported with its name even where the loader would fail differently.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

FOLDER = Path(__file__).resolve().parents[1] / "salus" / "domain" / "taxonomies"
FILES = sorted(FOLDER.glob("*.yaml"))
LANGUAGES = ("en", "fr", "es", "ru", "ar", "zh")

EXPECTED_IDS = {
    "iccs", "iccs_context", "misuse_context", "weapon", "firearm_legal_status", "person_role",
    "sex", "outcome", "relationship", "source_type", "date_precision", "location_precision",
    "sensitivity", "age_band", "gbv_type", "conflict_death_cause", "conflict_status",
    "location_type", "tension_theme",
}

# The ICCS codes that /work/shared/DESIGN.md ("Standards the data speaks") names.
DESIGN_ICCS_CODES = (
    "0101", "0102", "0103", "0104", "0107", "0201", "020111", "020112", "020121", "0204",
    "0208", "03011", "03012", "0302", "0401", "090111", "090121", "0903", "11011", "110133",
)

ARABIC = re.compile(r"[\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF]")
CJK = re.compile(r"[\u3400-\u4DBF\u4E00-\u9FFF]")
CYRILLIC = re.compile(r"[\u0400-\u04FF]")
SCRIPTS = {"ar": ARABIC, "zh": CJK, "ru": CYRILLIC}


def _load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{path.name}: the top level is not a mapping"
    return data


def _codes(path: Path) -> list[dict[str, Any]]:
    codes = _load(path).get("codes")
    assert isinstance(codes, list) and codes, f"{path.name}: no codes"
    return codes


by_file = pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])


def test_every_expected_taxonomy_has_a_file() -> None:
    missing = EXPECTED_IDS - {p.stem for p in FILES}
    assert not missing


@by_file
def test_the_id_equals_the_file_name(path: Path) -> None:
    assert _load(path)["id"] == path.stem


@by_file
def test_the_version_is_a_non_empty_string(path: Path) -> None:
    version = _load(path).get("version")
    assert isinstance(version, str) and version.strip(), f"{path.name}: version {version!r}"


@by_file
def test_the_title_has_all_six_languages_and_a_source_is_named(path: Path) -> None:
    data = _load(path)
    title = data.get("title") or {}
    assert all(isinstance(title.get(lang), str) and title[lang].strip() for lang in LANGUAGES)
    assert isinstance(data.get("source"), str) and data["source"].strip()


@by_file
def test_every_code_is_a_string_and_unique(path: Path) -> None:
    codes = [entry.get("code") for entry in _codes(path)]
    assert all(isinstance(c, str) and c for c in codes), f"{path.name}: non-string code"
    duplicates = sorted({c for c in codes if codes.count(c) > 1})
    assert not duplicates, f"{path.name}: duplicate codes {duplicates}"


@by_file
def test_every_parent_is_a_code_of_the_same_file(path: Path) -> None:
    entries = _codes(path)
    known = {entry["code"] for entry in entries}
    for entry in entries:
        assert "parent" in entry, f"{path.name}: {entry['code']} has no parent key"
        parent = entry["parent"]
        assert parent is None or parent in known, f"{path.name}: {entry['code']} -> {parent!r}"
        assert parent != entry["code"], f"{path.name}: {entry['code']} is its own parent"


@by_file
def test_the_parents_form_a_tree_without_cycles(path: Path) -> None:
    parents = {entry["code"]: entry["parent"] for entry in _codes(path)}
    for code in parents:
        seen, current = {code}, parents[code]
        while current is not None:
            assert current not in seen, f"{path.name}: cycle through {code}"
            seen.add(current)
            current = parents[current]


@by_file
def test_every_code_has_all_six_non_empty_labels(path: Path) -> None:
    for entry in _codes(path):
        labels = entry.get("labels") or {}
        missing = [
            lang for lang in LANGUAGES
            if not (isinstance(labels.get(lang), str) and labels[lang].strip())
        ]
        assert not missing, f"{path.name}: {entry['code']} lacks {missing}"


@by_file
def test_arabic_chinese_and_russian_labels_are_written_in_their_scripts(path: Path) -> None:
    for entry in _codes(path):
        for lang, script in SCRIPTS.items():
            label = entry["labels"][lang]
            assert script.search(label), f"{path.name}: {entry['code']} {lang} label {label!r}"


def test_age_bands_have_integer_bounds_with_max_at_least_min_or_open() -> None:
    for entry in _codes(FOLDER / "age_band.yaml"):
        low, high = entry.get("min"), entry.get("max", "absent")
        assert type(low) is int and low >= 0, entry["code"]
        assert high is None or (type(high) is int and high >= low), entry["code"]
        assert isinstance(entry.get("scheme"), str) and entry["scheme"], entry["code"]


def test_age_band_codes_spell_their_scheme_and_bounds() -> None:
    for entry in _codes(FOLDER / "age_band.yaml"):
        low, high = entry["min"], entry["max"]
        bounds = f"{low}+" if high is None else f"{low}-{high}"
        assert entry["code"] == f"{entry['scheme']}:{bounds}"


def test_the_bands_of_each_age_scheme_cover_every_age_without_gaps_or_overlaps() -> None:
    schemes: dict[str, list[tuple[int, int | None]]] = {}
    for entry in _codes(FOLDER / "age_band.yaml"):
        schemes.setdefault(entry["scheme"], []).append((entry["min"], entry["max"]))
    assert {"sdg", "five_year", "child_adult", "colombia_law_1098"} <= set(schemes)
    for scheme, bands in schemes.items():
        bands.sort(key=lambda band: band[0])
        assert bands[0][0] == 0, scheme
        assert bands[-1][1] is None, scheme
        for (_, high), (next_low, _) in itertools.pairwise(bands):
            assert high is not None and next_low == high + 1, scheme


def test_iccs_contains_every_code_named_in_the_design() -> None:
    codes = {entry["code"] for entry in _codes(FOLDER / "iccs.yaml")}
    missing = [c for c in DESIGN_ICCS_CODES if c not in codes]
    assert not missing


def test_iccs_has_the_eleven_sections_and_codes_nest_by_prefix() -> None:
    entries = _codes(FOLDER / "iccs.yaml")
    sections = sorted(e["code"] for e in entries if e["parent"] is None)
    assert sections == [f"{n:02d}" for n in range(1, 12)]
    for entry in entries:
        code, parent = entry["code"], entry["parent"]
        assert code.isdigit() and len(code) in (2, 4, 5, 6), code
        if parent is not None:
            assert code.startswith(parent), code
            assert len(parent) == {4: 2, 5: 4, 6: 5}[len(code)], code
