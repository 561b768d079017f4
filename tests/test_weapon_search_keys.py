"""Serial and manufacturer search keys (salus.domain.weapons.serials): pure functions, no
database."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salus.domain.weapons import serials
from salus.domain.weapons.serials import (
    expand_unknowns,
    manufacturer_key,
    near_distance,
    near_variants,
    parse_pattern,
    serial_key,
)

CONFUSABLE_CLASSES = [("O", "0", "Q", "o", "q"), ("I", "1", "L", "i", "l"), ("S", "5", "s"),
                      ("B", "8", "b"), ("Z", "2", "z"), ("G", "6", "g")]


@pytest.mark.parametrize("members", CONFUSABLE_CLASSES, ids=lambda m: "/".join(m[:2]))
def test_every_member_of_a_confusable_class_gives_the_same_key(members: tuple[str, ...]) -> None:
    keys = {serial_key(f"AX{m}77") for m in members}
    assert len(keys) == 1


def test_letters_outside_the_confusable_classes_stay_distinct() -> None:
    assert len({serial_key(f"X{c}1") for c in "ADUVT47"}) == 7


def test_spaces_hyphens_dots_and_slashes_are_ignored_and_case_folded() -> None:
    assert serial_key(" ab-12.34/x ") == serial_key("AB1234X") == "A81234X"


def test_cyrillic_and_fullwidth_look_alikes_read_as_latin() -> None:
    assert serial_key("НЕ 1234") == serial_key("HE 1234")
    assert serial_key("АВ-О12") == serial_key("AB-012")
    assert serial_key("ＡＢ１２") == serial_key("AB12")


def test_an_unreadable_character_of_a_recorded_serial_is_kept() -> None:
    assert serial_key("AB?123") == "A8?123"
    assert serial_key("AB*123") == "A8123"


def test_a_query_keeps_its_wildcards_and_collapses_runs_of_stars() -> None:
    pattern = parse_pattern("ab-?12**x*")
    assert pattern.text == "A8?12*X*"
    assert pattern.literal_prefix == "A8"
    assert not pattern.is_prefix
    assert parse_pattern("ab1*").is_prefix
    assert pattern.literal_runs == ["A8", "12", "X"]


def test_a_pattern_matches_whole_keys_only() -> None:
    pattern = parse_pattern("A?C1*")
    assert pattern.matches("A7C1")
    assert pattern.matches("AXC1999")
    assert not pattern.matches("A7C")
    assert not pattern.matches("ZA7C1")


@pytest.mark.parametrize(("query", "key", "distance"), [
    ("ABC123", "ABC123", 0),
    ("ABC123", "ABX123", 1),   # one substitution
    ("ABC123", "ABC1234", 1),  # one character missing from the query
    ("ABC123", "AB123", 1),    # one extra character in the query
    ("ABC123", "ABC213", 1),   # adjacent transposition
    ("ABC123", "AB?123", 0),   # an obliterated character on record fits any
    ("ABC123", "AXC12Y", 2),
    ("ABC123", "ABC", 2),
])
def test_near_distance_counts_one_edit_or_more(query: str, key: str, distance: int) -> None:
    assert near_distance(query, key) == distance
    assert near_distance(key, query) == distance


def _one_edit(key: str, data: st.DataObject) -> str:
    kind = data.draw(st.sampled_from(["sub", "ins", "del", "swap"]))
    i = data.draw(st.integers(0, len(key) - 1))
    c = data.draw(st.sampled_from("ACDEFHJK0123456789"))
    if kind == "sub":
        return key[:i] + c + key[i + 1:]
    if kind == "ins":
        return key[:i] + c + key[i:]
    if kind == "del":
        return key[:i] + key[i + 1:]
    j = min(i + 1, len(key) - 1)
    return key[:i] + key[j] + key[i] + key[j + 1:] if j > i else key


@given(st.text("ACDEFHJK0123456789", min_size=4, max_size=14), st.data())
@settings(max_examples=300)
def test_any_single_edit_of_a_key_is_among_the_near_variants_of_the_edited_key(
        key: str, data: st.DataObject) -> None:
    other = _one_edit(key, data)
    assert other == key or key in near_variants(other)
    assert near_distance(other, key) <= 1


def test_near_variants_are_all_one_edit_away() -> None:
    variants = near_variants("A81234")
    assert "A81234" not in variants
    assert {"A8124", "A812345", "A82134", "X81234"} <= variants
    assert all(near_distance("A81234", v) == 1 for v in variants)


def test_manufacturer_variants_share_one_key() -> None:
    groups = [
        ["Zastava", "Zastava Arms", "Crvena Zastava", "Zavodi Crvena Zastava", "ZASTAVA ORUŽJE AD"],
        ["Izhmash", "Kalashnikov Concern", "Концерн Калашников", "IZHMASH JSC"],
        ["CZ", "Česká zbrojovka", "Ceska Zbrojovka Uhersky Brod", "CZUB a.s."],
        ["Glock", "Glock GmbH", "GLOCK Ges.m.b.H."],
        ["Beretta", "Fabbrica d'Armi Pietro Beretta", "Beretta S.p.A."],
        ["FN Herstal", "Fabrique Nationale", "FN", "Fabrique Nationale d'Herstal SA"],
        ["Heckler & Koch", "HK", "H&K", "Heckler und Koch GmbH"],
        ["Norinco", "China North Industries", "China North Industries Corp."],
        ["Tula", "TOZ", "Tula Arms Plant"],
        ["Baikal", "IZHMEKH", "Makarov factory", "Izhevsk Mechanical Plant"],
        ["Smith & Wesson", "S&W", "Smith and Wesson Inc."],
        ["Colt", "Colt's Manufacturing Company", "COLT'S MFG CO LLC"],
        ["Sig Sauer", "SIG", "SIG-Sauer GmbH", "SIG Arms"],
        ["Taurus", "Forjas Taurus S.A."],
        ["Walther", "Carl Walther GmbH"],
    ]
    for group in groups:
        assert len({manufacturer_key(name) for name in group}) == 1, group
    assert len({manufacturer_key(group[0]) for group in groups}) == len(groups)


def test_an_unknown_maker_keeps_a_folded_name_that_groups_its_own_spellings() -> None:
    assert manufacturer_key("Acme Arms Co. Ltd") == manufacturer_key("ACME") == "acme"
    assert manufacturer_key("Arms Co.") == "armsco"
    assert manufacturer_key("  ") == ""


def test_the_alias_table_refuses_two_makers_folding_to_one_alias() -> None:
    doc = {"generic_words": ["arms"], "manufacturers": [
        {"key": "a", "name": "Acme", "aliases": []},
        {"key": "b", "name": "Acme Arms", "aliases": []}]}
    with pytest.raises(ValueError, match="'Acme Arms' of 'b' folds to 'acme'"):
        serials.build_manufacturer_table(doc)


def test_the_packaged_alias_table_loads_and_names_makers() -> None:
    table = serials.manufacturer_table()
    assert len(table.makers) >= 30
    assert serials.manufacturer_name("zastava") == "Zastava Oružje (Kragujevac)"
    assert serials.manufacturer_name("nobody") is None


@given(st.text(st.characters(max_codepoint=127)))
def test_the_ascii_fast_path_folds_like_the_unicode_path(text: str) -> None:
    for keep in ("?", "?*"):
        assert serials._fold_chars(text, keep) == serials._fold_unicode(text, keep)


def test_one_or_two_unknown_characters_expand_to_every_key_they_can_stand_for() -> None:
    one = expand_unknowns(parse_pattern("AB?12"), 2500)
    assert one is not None and len(one) == 47 and {"A8012", "A8X12", "A8Ж12"} <= one
    two = expand_unknowns(parse_pattern("?B?12"), 2500)
    assert two is not None and len(two) == 47 * 47 and "Z8Y12".replace("Z", "2") in two
    assert expand_unknowns(parse_pattern("A??12?"), 2500) is None  # 47**3 keys
    assert expand_unknowns(parse_pattern("AB*12"), 2500) is None
    assert expand_unknowns(parse_pattern("AB12"), 2500) is None
