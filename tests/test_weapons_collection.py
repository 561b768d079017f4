"""Collection campaigns and destruction events (issue 13): a campaign and the surrenders into
it, a destruction batch holding weapons (each through the lifecycle rules), parts and
ammunition, a destruction list imported all or nothing, and the collection and destruction
report (signed-in and public), with area scope. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa
from weapons_support import (
    D,
    glock,
    m70,
    seed_registry,
    table_counts,
    weapons_engine,  # noqa: F401 - fixtures
    weapons_store,  # noqa: F401
)

from salus.domain import taxonomy
from salus.domain.accounts.roles import PUBLIC_VIEWER
from salus.domain.weapons.collection import CampaignKind, DestructionItem, ItemKind, part_kinds
from salus.domain.weapons.registry import DestructionMethod, EventType, WeaponStatus
from salus.storage.weapons import schema as w
from salus.usecases.errors import NotFound, ValidationFailed
from salus.usecases.weapons import campaigns as uc
from salus.usecases.weapons import records as weapons
from salus.usecases.weapons.collection_report import collection_report
from salus.usecases.weapons.destruction_import import import_destruction_list
from salus.usecases.weapons.history import history
from salus.usecases.weapons.lifecycle import EventInput, record_event

E = EventType


@pytest.fixture
def engine(weapons_engine: sa.Engine) -> sa.Engine:  # noqa: F811
    return weapons_engine


def _status(engine: sa.Engine, viewer: object, uid: str) -> str | None:
    return history(engine, viewer, uid).status  # type: ignore[arg-type]


def test_the_code_lists_hold_exactly_the_codes_the_rules_accept() -> None:
    assert tuple(taxonomy.load("destruction_method").codes) == tuple(
        m.value for m in DestructionMethod)
    assert tuple(taxonomy.load("collection_campaign_kind").codes) == tuple(
        k.value for k in CampaignKind)
    assert "magazine" in part_kinds() and "frame" in part_kinds()
    assert taxonomy.load("destruction_method").label("detonation", "fr").startswith(
        "Détonation")


def _campaign(engine: sa.Engine, viewer: object, name: str = "Amnesty 2024",
              area: str | None = "R1") -> int:
    return uc.add_campaign(engine, viewer, uc.CampaignInput(  # type: ignore[arg-type]
        name, D(2024, 3, 1), D(2024, 5, 31), area, ("Police HQ",), None, "amnesty",
        "National Police"))


def test_a_surrender_by_serial_joins_the_campaign_with_its_agency(engine: sa.Engine) -> None:
    reg = seed_registry(engine)
    officer = reg.officer
    _campaign(engine, officer)
    done = uc.record_surrender(engine, officer, "Amnesty 2024", "99 881", D(2024, 4, 2),
                               place="Police HQ")
    assert done.status == "surrendered"
    [view] = uc.list_campaigns(engine, officer)
    assert (view.kind, view.collecting_agency, view.surrendered) == (
        "amnesty", "National Police", 1)
    with engine.connect() as conn:
        agency = conn.scalar(sa.select(w.weapon_event.c.agency).where(
            w.weapon_event.c.id == done.event_id))
    assert agency == "National Police"


def test_a_surrender_outside_the_campaign_dates_is_refused_and_nothing_is_written(
        engine: sa.Engine) -> None:
    reg = seed_registry(engine)
    _campaign(engine, reg.officer)
    before = table_counts(engine)
    with pytest.raises(ValidationFailed) as caught:
        uc.record_surrender(engine, reg.officer, "Amnesty 2024", "99881", D(2024, 7, 1))
    assert caught.value.errors[0]["code"] == "campaign.outside_dates"
    assert table_counts(engine) == before


def test_an_officer_bound_to_a_region_sees_and_uses_only_its_campaigns_and_batches(
        engine: sa.Engine) -> None:
    reg = seed_registry(engine)
    north = reg.viewers["north_officer"]
    _campaign(engine, reg.officer, "South drive", "R2")
    _campaign(engine, north, "North drive", None)  # defaults to the officer's own area
    assert [c.name for c in uc.list_campaigns(engine, north)] == ["North drive"]
    assert {c.name for c in uc.list_campaigns(engine, reg.officer)} == {"North drive",
                                                                        "South drive"}
    with pytest.raises(ValidationFailed) as caught:
        uc.record_surrender(engine, north, "South drive", "99881", D(2024, 4, 2))
    assert caught.value.errors[0]["code"] == "campaign.unknown"
    with pytest.raises(ValidationFailed) as outside:
        _campaign(engine, north, "Elsewhere", "R2")
    assert outside.value.errors[0]["code"] == "area.out_of_scope"
    uc.add_destruction_batch(engine, reg.officer, uc.BatchInput(
        "DC-S", DestructionMethod.CUTTING, D(2024, 6, 1), "South depot", area_code="R2"))
    assert uc.list_batches(engine, north) == []
    with pytest.raises(ValidationFailed):
        uc.get_batch(engine, north, "DC-S")


def _seized(engine: sa.Engine, viewer: object, n: int, on: dt.date, agency: str,
            area: str = "R1-A") -> list[str]:
    uids = []
    for i in range(n):
        uid = weapons.record_weapon(engine, viewer, m70(  # type: ignore[arg-type]
            f"S{agency[:2]}{on.year}{i:04d}", area_code=area))
        record_event(engine, viewer, uid,  # type: ignore[arg-type]
                     EventInput(E.SEIZED, on, agency=agency))
        uids.append(uid)
    return uids


def test_a_batch_destroys_weapons_parts_and_ammunition_and_the_report_counts_them(
        engine: sa.Engine) -> None:
    reg = seed_registry(engine)
    officer = reg.officer
    seized = _seized(engine, officer, 6, D(2024, 2, 10), "Border Police")
    _campaign(engine, officer)
    uc.record_surrender(engine, officer, "Amnesty 2024", "99881", D(2024, 4, 2))
    before = collection_report(engine, officer, "2024")
    assert before.totals() == {"collected": 7, "surrendered": 1, "seized": 6, "found": 0,
                               "destroyed": 0}
    uc.add_destruction_batch(engine, officer, uc.BatchInput(
        "DC-2024-01", DestructionMethod.SMELTING, D(2024, 6, 5), "Steel works", ("J. Doe",),
        "R1", None, "UNDP verification team", "National Police"))
    serials = [f"sbo2024000{i}" for i in range(6)]  # as read: lower case, O for 0
    uc.destroy_listed(engine, officer, "DC-2024-01", [*serials, reg.weapons["w3"]])
    uc.add_items(engine, officer, "DC-2024-01", [
        DestructionItem(ItemKind.PART, 40, part_kind="barrel"),
        DestructionItem(ItemKind.AMMUNITION, 12000, calibre="7.62x39mm")])
    assert {_status(engine, officer, u) for u in seized} == {WeaponStatus.DESTROYED.value}
    batch = uc.get_batch(engine, officer, "DC-2024-01")
    assert (len(batch.weapons), batch.parts, batch.rounds) == (7, 40, 12000)
    assert batch.verifying_body == "UNDP verification team"
    after = collection_report(engine, officer, "2024")
    assert after.totals() == {"collected": 7, "surrendered": 1, "seized": 6, "found": 0,
                              "destroyed": 7}
    assert after.item_totals() == {"part": 40, "ammunition": 12000}
    rows = {(r["area"], r["category"], r["agency"]): r for r in after.rows()}
    assert rows[("R1", "assault_rifle", "Border Police")]["seized"] == 6
    assert rows[("R1", "assault_rifle", "National Police")]["destroyed"] == 6
    assert rows[("R1", "revolver_pistol", "National Police")]["surrendered"] == 1
    monthly = collection_report(engine, officer, "2024", grain="month", by=())
    assert {r["period"]: r["destroyed"] for r in monthly.rows()}["2024-06"] == 7
    chart = monthly.chart()
    assert chart["categories"] == ["2024-02", "2024-04", "2024-06"]


def test_a_batch_refuses_a_registered_weapon_and_writes_none_of_the_list(
        engine: sa.Engine) -> None:
    reg = seed_registry(engine)
    seized = _seized(engine, reg.officer, 2, D(2024, 2, 10), "Police")
    uc.add_destruction_batch(engine, reg.officer, uc.BatchInput(
        "DC-X", DestructionMethod.CRUSHING, D(2024, 6, 5), "Depot"))
    before = table_counts(engine)
    with pytest.raises(ValidationFailed) as caught:
        uc.destroy_listed(engine, reg.officer, "DC-X", [*seized, "12345", "NOPE-1"])
    messages = [e["message"] for e in caught.value.errors]
    assert any(m.startswith("line 4:") and "NOPE-1" in m for m in messages)
    assert table_counts(engine) == before
    with pytest.raises(ValidationFailed) as registered:
        uc.destroy_listed(engine, reg.officer, "DC-X", [*seized, "12345"])
    assert registered.value.errors[0]["line"] == 3
    assert "registered" in registered.value.errors[0]["message"]
    assert table_counts(engine) == before


def test_a_part_without_a_known_kind_or_ammunition_without_calibre_is_refused(
        engine: sa.Engine) -> None:
    reg = seed_registry(engine)
    uc.add_destruction_batch(engine, reg.officer, uc.BatchInput(
        "DC-P", DestructionMethod.DETONATION, D(2024, 6, 5), "Range"))
    before = table_counts(engine)
    with pytest.raises(ValidationFailed) as caught:
        uc.add_items(engine, reg.officer, "DC-P", [
            DestructionItem(ItemKind.PART, 3, part_kind="trigger-ish"),
            DestructionItem(ItemKind.AMMUNITION, 0, calibre="")])
    codes = {(e["line"], e["field"], e["code"]) for e in caught.value.errors}
    assert codes == {(1, "part_kind", "item.part_kind"), (2, "calibre", "required"),
                     (2, "quantity", "item.quantity")}
    assert table_counts(engine) == before


def test_the_public_report_suppresses_small_cells_and_withholds_their_sum(
        engine: sa.Engine) -> None:
    reg = seed_registry(engine)
    _seized(engine, reg.officer, 7, D(2024, 2, 10), "Police")
    _campaign(engine, reg.officer)
    uc.record_surrender(engine, reg.officer, "Amnesty 2024", "99881", D(2024, 4, 2))
    public = collection_report(engine, PUBLIC_VIEWER, "2024", by=("area",))
    assert public.public and public.totals() is None
    [row] = public.rows()
    assert (row["area"], row["seized"], row["surrendered"], row["collected"]) == (
        "R1", 7, "<5", "c")
    assert row["found"] == 0
    chart = public.chart()
    assert {s["name"]: s["data"] for s in chart["series"]}["surrendered"] == [None]
    signed_in = collection_report(engine, reg.officer, "2024", by=("area",))
    assert signed_in.rows()[0]["collected"] == 8


def test_every_public_answer_is_a_cell_of_one_table_so_none_is_a_margin_of_another(
        engine: sa.Engine) -> None:
    """Issue 15, item 3: ``by=area`` against ``by=area,category``, a region against its
    districts, a year against its quarters were margins of one another and gave a "<5" back."""
    reg = seed_registry(engine)
    _seized(engine, reg.officer, 7, D(2024, 2, 10), "Police")
    _campaign(engine, reg.officer)
    uc.record_surrender(engine, reg.officer, "Amnesty 2024", "99881", D(2024, 4, 2))
    answers = [collection_report(engine, PUBLIC_VIEWER, "2024", by=by, area_level=level)
               for by in (("area",), ("area", "category"), ("area", "category", "agency"), ())
               for level in (None, 1, 2)]
    answers.append(collection_report(engine, PUBLIC_VIEWER, "2024", "R1"))
    shapes = {(a.by, a.area_level, tuple(map(str, a.rows()))) for a in answers}
    assert len(shapes) == 1                                  # one table, whatever is asked
    with pytest.raises(ValidationFailed) as refused:
        collection_report(engine, PUBLIC_VIEWER, "2024", grain="quarter")
    assert "report.public_grain" in str(refused.value.errors)
    with pytest.raises(ValidationFailed) as refused:
        collection_report(engine, PUBLIC_VIEWER, "2024-Q2")
    assert "report.public_period" in str(refused.value.errors)
    with pytest.raises(ValidationFailed) as refused:
        collection_report(engine, PUBLIC_VIEWER, "2024", "R1-A")
    assert "report.public_area" in str(refused.value.errors)
    exact = collection_report(engine, reg.officer, "2024", by=("area", "category"))
    assert exact.by == ("area", "category")                  # staff keep every breakdown


def test_the_report_csv_neutralises_formulas(engine: sa.Engine) -> None:
    reg = seed_registry(engine)
    _seized(engine, reg.officer, 1, D(2024, 2, 10), "=HYPERLINK(\"x\")")
    text = collection_report(engine, reg.officer, "2024").csv()
    assert "'=HYPERLINK" in text and "\n=HYPERLINK" not in text.replace("\r", "")


def test_a_scoped_officer_reports_on_its_region_only(engine: sa.Engine) -> None:
    reg = seed_registry(engine)
    _seized(engine, reg.officer, 2, D(2024, 2, 10), "North", "R1-A")
    _seized(engine, reg.officer, 3, D(2024, 2, 10), "South", "R2-A")
    north = collection_report(engine, reg.viewers["north_officer"], "2024")
    assert north.totals() is not None and north.totals()["seized"] == 2  # type: ignore[index]
    assert {r["area"] for r in north.rows()} == {"R1-A"}
    with pytest.raises(ValidationFailed):
        collection_report(engine, reg.viewers["north_officer"], "2024", "R2")


def _list(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "destruction.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_destruction_list_with_bad_rows_is_refused_row_by_row_and_writes_nothing(
        engine: sa.Engine, tmp_path: Path) -> None:
    reg = seed_registry(engine)
    _seized(engine, reg.officer, 3, D(2024, 2, 10), "Police")
    uc.add_destruction_batch(engine, reg.officer, uc.BatchInput(
        "DC-L", DestructionMethod.CUTTING, D(2024, 6, 5), "Depot"))
    before = table_counts(engine)
    path = _list(tmp_path, "Serial number,Item,Part kind,Calibre,Quantity,Box\n"
                           "SPO20240000,,,,,B1\n"
                           "12345,,,,,B1\n"              # registered to Alice
                           "ZZ-404,,,,,B2\n"             # no such weapon
                           "SPO20240000,,,,,B2\n"        # twice
                           ",part,spring,,3,B3\n"        # unknown part kind
                           ",ammunition,9x19mm,,lots,B3\n")
    report = import_destruction_list(engine, reg.officer, path, "DC-L")
    assert not report.committed
    found = {(e.row, e.column, e.value, e.code) for e in report.errors}
    assert (3, "Serial number", "12345", "lifecycle.not_allowed") in found
    assert (4, "Serial number", "ZZ-404", "weapon.unknown") in found
    assert (5, "Serial number", "SPO20240000", "row.duplicate") in found
    assert (6, "Part kind", "spring", "item.part_kind") in found
    assert (7, "Quantity", "lots", "number.invalid") in found
    assert table_counts(engine) == before


def test_a_destruction_list_destroys_its_weapons_and_keeps_unmapped_columns(
        engine: sa.Engine, tmp_path: Path) -> None:
    reg = seed_registry(engine)
    uids = _seized(engine, reg.officer, 2, D(2024, 2, 10), "Police")
    uc.add_destruction_batch(engine, reg.officer, uc.BatchInput(
        "DC-OK", DestructionMethod.CUTTING, D(2024, 6, 5), "Depot"))
    path = _list(tmp_path, "serial,item,part kind,calibre,qty,Box\n"
                           "spo2024 0000,,,,,B1\n"
                           f"{uids[1]},,,,,B1\n"
                           ",part,barrel,,25,B2\n"
                           ",ammunition,,9x19mm,1500,B3\n")
    report = import_destruction_list(engine, reg.officer, path, "DC-OK")
    assert report.errors == [] and report.committed
    assert (report.weapons, report.parts, report.rounds) == (2, 25, 1500)
    assert report.unmapped_columns == ["Box"]
    assert {_status(engine, reg.officer, u) for u in uids} == {"destroyed"}
    with engine.connect() as conn:
        details = conn.scalars(sa.select(w.weapon_event.c.details).where(
            w.weapon_event.c.event_type == "destroyed")).all()
        kept = conn.scalars(sa.select(w.destruction_item.c.source_attributes)).all()
    assert {d["source_attributes"]["Box"] for d in details} == {"B1"}
    assert sorted(k["Box"] for k in kept) == ["B2", "B3"]


def test_an_unknown_batch_is_refused_before_anything_is_read(engine: sa.Engine,
                                                            tmp_path: Path) -> None:
    reg = seed_registry(engine)
    with pytest.raises(ValidationFailed) as caught:
        import_destruction_list(engine, reg.officer, _list(tmp_path, "serial\nX1\n"), "DC-NO")
    assert caught.value.errors[0]["code"] == "batch.unknown"


def test_a_campaign_that_does_not_exist_is_not_found(engine: sa.Engine) -> None:
    reg = seed_registry(engine)
    with pytest.raises(NotFound):
        uc.get_campaign(engine, reg.officer, "nothing")


def test_a_glock_is_found_by_serial_as_read(engine: sa.Engine) -> None:
    reg = seed_registry(engine)
    uid = weapons.record_weapon(engine, reg.officer, glock("XK-77"))
    with engine.connect() as conn:
        assert uc.resolve_weapon(conn, reg.officer, "xk 77") == uid


def test_control_characters_are_refused_by_field_before_the_database_sees_them(
        engine: sa.Engine) -> None:
    reg = seed_registry(engine)
    before = table_counts(engine)
    with pytest.raises(ValidationFailed) as campaign:
        _campaign(engine, reg.officer, "Amnesty\x00 2024")
    assert campaign.value.errors[0] == campaign.value.errors[0] | {
        "field": "name", "code": "text.control"}
    with pytest.raises(ValidationFailed) as batch:
        uc.get_batch(engine, reg.officer, "DC\x00")
    assert batch.value.errors[0]["code"] == "text.control"
    with pytest.raises(ValidationFailed) as report:
        collection_report(engine, reg.officer, "2024", "R1\x00")
    assert report.value.errors[0]["field"] == "area"
    assert table_counts(engine) == before
