"""Serial-number search over the registry on SQLite and PostgreSQL (issue 6, search)."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from weapon_search_support import add_owner_holding, add_weapon, fresh_store
from weapons_support import add_areas

from salus.domain.accounts.roles import Viewer
from salus.domain.weapons.serials import parse_pattern
from salus.storage import schema as t
from salus.storage.weapons import search as store
from salus.storage.weapons.schema import weapon
from salus.usecases.errors import PermissionDenied, ValidationFailed
from salus.usecases.weapons.search import WeaponHit, search_weapons

OFFICER = Viewer.for_role("officer", "registry_officer")
SERIALS = {
    "zastava": ("Zastava Arms", "BOS-1234-ZIG"),
    "glock": ("Glock GmbH", "ABC123"),
    "glock2": ("Glock", "ABC1234"),
    "glock3": ("Glock", "XABC123Y"),
    "cz": ("Česká zbrojovka", "A 567890"),
    "norinco": ("China North Industries Corp.", "56-1234567"),
    "makarov": ("Baikal", "ЕН 4321"),
}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest) -> Iterator[sa.Engine]:
    """One store per backend for the module, seeded with the cast of :data:`SERIALS` (tests
    that add weapons use serials of their own)."""
    store = fresh_store(request.param, request)
    yield store
    store.dispose()


@pytest.fixture(scope="module")
def ids(engine: sa.Engine) -> dict[str, int]:
    with engine.begin() as conn:
        out = {name: add_weapon(conn, serial, maker) for name, (maker, serial) in SERIALS.items()}
        out["obliterated"] = add_weapon(conn, "XY??77", "Zastava", obliterated=True)
    return out


def _found(engine: sa.Engine, query: str, manufacturer: str | None = None,
           limit: int = 50) -> list[tuple[str | None, str]]:
    result = search_weapons(engine, OFFICER, query, manufacturer, limit)
    return [(h.serial_number, h.match) for h in result.hits]


@pytest.mark.parametrize("misread", [
    "B0S-1234-ZIG",   # O read as 0
    "BOS-I234-ZIG",   # 1 read as I
    "BOS-L234-ZIG",   # 1 read as L
    "B05-1234-ZIG",   # S read as 5
    "8OS-1234-ZIG",   # B read as 8
    "BOS-1234-2IG",   # Z read as 2
    "BOS-1234-Z16",   # G read as 6, I read as 1
    "bos 1234 zig",   # case and separators
    "BQS1234ZIG",     # O read as Q
])
def test_every_confusable_misreading_finds_the_weapon_as_an_exact_match(
        engine: sa.Engine, ids: dict[str, int], misread: str) -> None:
    result = search_weapons(engine, OFFICER, misread)
    assert result.hits[0].weapon_id == ids["zastava"]
    assert result.hits[0].match == "exact"
    assert result.hits[0].manufacturer_name == "Zastava Oružje (Kragujevac)"


def test_cyrillic_markings_are_found_from_latin_look_alikes(
        engine: sa.Engine, ids: dict[str, int]) -> None:
    assert _found(engine, "EH4321")[0] == ("ЕН 4321", "exact")


def test_wildcards_stand_for_obliterated_characters_and_unknown_runs(
        engine: sa.Engine, ids: dict[str, int]) -> None:
    assert _found(engine, "A?C123") == [("ABC123", "pattern")]
    assert _found(engine, "?BC12?") == [("ABC123", "pattern")]
    assert _found(engine, "*1234") == [("ABC1234", "pattern")]
    assert {s for s, _ in _found(engine, "*1234*")} == {"ABC1234", "BOS-1234-ZIG", "56-1234567"}
    assert {s for s, _ in _found(engine, "ABC*")} == {"ABC123", "ABC1234"}
    assert {s for s, _ in _found(engine, "A*7890")} == {"A 567890"}
    assert _found(engine, "56?1234567") == []  # the hyphen is not a character of the key


def test_a_partial_serial_ranks_exact_then_longer_serials_and_stars_find_it_anywhere(
        engine: sa.Engine, ids: dict[str, int]) -> None:
    assert _found(engine, "ABC123") == [("ABC123", "exact"), ("ABC1234", "partial")]
    assert _found(engine, "*ABC123*") == [("ABC123", "pattern"), ("ABC1234", "pattern"),
                                          ("XABC123Y", "pattern")]


def test_near_matches_are_offered_only_when_nothing_matches_exactly(
        engine: sa.Engine, ids: dict[str, int]) -> None:
    assert _found(engine, "ABC124") == [("ABC123", "near"), ("ABC1234", "near")]
    assert _found(engine, "ABC123") == [("ABC123", "exact"), ("ABC1234", "partial")]


def test_one_character_wrong_missing_extra_or_swapped_is_a_near_match(
        engine: sa.Engine, ids: dict[str, int]) -> None:
    assert _found(engine, "A567891") == [("A 567890", "near")]   # one wrong
    assert _found(engine, "A56789") == [("A 567890", "partial")]  # missing, but inside
    assert _found(engine, "A5678900") == [("A 567890", "near")]  # one extra
    assert _found(engine, "A567980") == [("A 567890", "near")]   # adjacent swap
    assert _found(engine, "A576980") == []                       # two swaps: too far


def test_manufacturer_name_variants_narrow_the_search(engine: sa.Engine,
                                                      ids: dict[str, int]) -> None:
    with engine.begin() as conn:
        zastava = add_weapon(conn, "77001", "Zavodi Crvena Zastava")
        add_weapon(conn, "77001", "Kalashnikov Concern")
    for variant in ("Crvena Zastava", "ZASTAVA ARMS", "Zastava Oružje a.d."):
        result = search_weapons(engine, OFFICER, "77001", variant)
        assert [h.weapon_id for h in result.hits] == [zastava]
        assert result.manufacturer_key == "zastava"
    assert len(search_weapons(engine, OFFICER, "77001").hits) == 2
    assert [h.manufacturer for h in search_weapons(engine, OFFICER, "77O01", "Izhmash").hits] \
        == ["Kalashnikov Concern"]


def test_results_carry_no_owner_data(engine: sa.Engine, ids: dict[str, int]) -> None:
    with engine.begin() as conn:
        add_owner_holding(conn, ids["glock"], "Milica", "Petrović")
    result = search_weapons(engine, OFFICER, "ABC123")
    assert result.hits[0].weapon_id == ids["glock"]
    fields = {f.name for f in dataclasses.fields(WeaponHit)}
    assert not fields & {"owner", "owner_id", "given_name", "family_name", "licence",
                         "holder", "id_document_number", "address"}
    assert "Petrovi" not in repr(result) and "Milica" not in repr(result)


def test_searching_without_the_weapons_permission_is_refused_and_not_audited(
        engine: sa.Engine, ids: dict[str, int]) -> None:
    for role in ("data_entry", "community_monitor", "public"):
        with pytest.raises(PermissionDenied, match="'weapons' permission"):
            search_weapons(engine, Viewer.for_role("outsider", role), "ABC123")
    with engine.connect() as conn:
        audited = conn.scalar(sa.select(sa.func.count()).select_from(t.audit_event)
                              .where(t.audit_event.c.actor == "outsider"))
    assert audited == 0


def test_every_search_is_written_to_the_audit_log(engine: sa.Engine,
                                                  ids: dict[str, int]) -> None:
    search_weapons(engine, Viewer.for_role("auditee", "registry_officer"), "A?C123", "Glock")
    with engine.connect() as conn:
        event = conn.execute(sa.select(t.audit_event).where(
            t.audit_event.c.actor == "auditee")).mappings().one()
    assert event["action"] == "search" and event["entity"] == "weapon"
    assert event["after"] == {"query": "A?C123", "manufacturer": "Glock", "hits": 1}


@pytest.mark.parametrize(("query", "limit", "field", "code"), [
    ("?*", 50, "query", "too_vague"),
    ("A", 50, "query", "too_vague"),
    ("--", 50, "query", "too_vague"),
    ("A" * 101, 50, "query", "too_long"),
    ("ABC123", 0, "limit", "invalid"),
    ("ABC123", 501, "limit", "invalid"),
])
def test_a_bad_query_is_refused_naming_the_field(engine: sa.Engine, query: str, limit: int,
                                                 field: str, code: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        search_weapons(engine, OFFICER, query, limit=limit)
    assert [(e["field"], e["code"]) for e in refused.value.errors] == [(field, code)]


def test_more_matches_than_the_limit_are_truncated(engine: sa.Engine,
                                                   ids: dict[str, int]) -> None:
    with engine.begin() as conn:
        for n in range(12):
            add_weapon(conn, f"RK{n:04d}", "Tula")
    result = search_weapons(engine, OFFICER, "RK*", limit=5)
    assert len(result.hits) == 5 and result.truncated
    assert [h.serial_key for h in result.hits] == sorted(h.serial_key or "" for h in result.hits)
    assert not search_weapons(engine, OFFICER, "RK*", limit=12).truncated


def test_an_obliterated_serial_on_record_is_not_keyed(engine: sa.Engine,
                                                      ids: dict[str, int]) -> None:
    assert _found(engine, "XY??77") == []
    assert _found(engine, "XY1277") == []


def test_the_search_index_follows_updates_and_deletes(engine: sa.Engine,
                                                      ids: dict[str, int]) -> None:
    with engine.begin() as conn:
        moved = add_weapon(conn, "TT-404040", "TOZ")
        gone = add_weapon(conn, "TT-505050", "TOZ")
    assert {s for s, _ in _found(engine, "*T40*")} == {"TT-404040"}
    with engine.begin() as conn:
        conn.execute(weapon.update().where(weapon.c.id == moved)
                     .values(serial_number="TT-999777", serial_key="TT999777"))
        conn.execute(weapon.delete().where(weapon.c.id == gone))
    assert _found(engine, "*T9997*") == [("TT-999777", "pattern")]
    assert _found(engine, "*T40*") == []
    assert _found(engine, "*T50*") == []


CLASSES = ["O0Qoq", "I1Lil", "S5s", "B8b", "Z2z", "G6g"]
_CLASS_OF = {ch: members for members in CLASSES for ch in members}


@st.composite
def serial_and_misreading(draw: st.DrawFn) -> tuple[str, str]:
    """A serial as marked and the same serial as someone misread it: every confusable character
    possibly swapped for another of its class, case changed, separators added or lost."""
    serial = draw(st.text("ABCDEFGHJKMNPRSTUVXYZ0123456789OQIL-", min_size=3, max_size=14)
                  .filter(lambda s: len(s.replace("-", "")) >= 3))
    read = []
    for ch in serial:
        if ch == "-":
            read.append(draw(st.sampled_from(["-", "", " ", "/"])))
            continue
        options = _CLASS_OF.get(ch, ch + ch.lower())
        read.append(draw(st.sampled_from(options)))
    return serial, "".join(read)


@given(pair=serial_and_misreading())
@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_a_serial_is_always_found_from_any_confusable_misreading_of_it(
        engine: sa.Engine, pair: tuple[str, str]) -> None:
    serial, misread = pair
    maker = f"Propmaker {uuid.uuid4().hex[:10]}"
    with engine.begin() as conn:
        weapon_id = add_weapon(conn, serial, maker)
    hits = search_weapons(engine, OFFICER, misread, maker).hits
    assert (hits[0].weapon_id, hits[0].match) == (weapon_id, "exact")


@pytest.mark.parametrize(("query", "index"), [
    ("ABC*", {"sqlite": "ix_weapon_serial_key", "postgresql": "ix_weapon_serial_key_pattern"}),
    ("AB?1*", {"sqlite": "ix_weapon_serial_key", "postgresql": "ix_weapon_serial_key_pattern"}),
    ("*C123", {"sqlite": "weapon_serial_fts", "postgresql": "ix_weapon_serial_key_trgm"}),
    ("?BC12?", {"sqlite": "weapon_serial_fts", "postgresql": "ix_weapon_serial_key_trgm"}),
])
def test_patterns_are_served_by_an_index(engine: sa.Engine, query: str,
                                         index: dict[str, str]) -> None:
    """On PostgreSQL the table is tiny, so the planner would scan it, or scan a whole B-tree for
    an infix: in a transaction rolled back afterwards, sequential scans are disabled and, for
    infix patterns, the B-trees on ``serial_key`` dropped, to ask whether the index *can* serve
    the pattern."""
    with engine.connect() as conn, conn.begin() as transaction:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
            if index["postgresql"].endswith("_trgm"):
                conn.exec_driver_sql("DROP INDEX ix_weapon_serial_key, "
                                     "ix_weapon_serial_key_pattern, "
                                     "ix_weapon_manufacturer_serial_pattern")
                conn.exec_driver_sql("ALTER TABLE weapon DROP CONSTRAINT "
                                     "uq_weapon_manufacturer_serial")
        query_ = store.pattern_query(conn, parse_pattern(query), store.Scope(), 51)
        plan = store.explain(conn, query_)
        transaction.rollback()
    assert index[engine.dialect.name] in plan, plan


def test_a_viewer_bound_to_an_area_finds_only_weapons_registered_in_its_subtree(
        engine: sa.Engine, ids: dict[str, int]) -> None:
    areas = add_areas(engine)
    with engine.begin() as conn:
        north = add_weapon(conn, "NR-880011", "Zastava", area_id=areas["R1-A"])
        add_weapon(conn, "NR-880012", "Zastava", area_id=areas["R2-A"])
    north_officer = Viewer.for_role("north", "registry_officer", area_id=areas["R1"],
                                    area_code="R1")
    assert [h.weapon_id for h in search_weapons(engine, north_officer, "NR88001?").hits] \
        == [north]
    assert len(search_weapons(engine, OFFICER, "NR88001?").hits) == 2
