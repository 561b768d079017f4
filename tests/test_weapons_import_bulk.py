"""The registry import's set-based path (issue 11) against the row-by-row use cases: the same
refusals (code, row, column, value, message) for every kind of bad row, and the same store,
table by table, for good files — on two stores seeded alike, one per path."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from support_db import new_store
from weapons_support import Registry, seed_registry, table_counts

from salus.storage import schema as t
from salus.storage.weapons import schema as w
from salus.usecases.weapons.imports import ImportReport, import_registry
from salus.usecases.weapons.search import search_weapons

HEADER = ("Record id,Category,Manufacturer,Model,Serial number,Country of manufacture,"
          "Year of manufacture,Import year,Area code,Marking,Owner kind,Given name,Family name,"
          "Entity name,Registration number,ID document type,ID document number,Licence number,"
          "Licence type,Licence issued on,Licence expires on,Registered on,Event,Event date,"
          "Event place,Collecting agency")
NEW = "{rec},pistol,{maker},{model},{serial},AT,2015,,R1-A,{mark}"
PERSON = ",individual,Nora,{family},,,passport,{doc},{lic},possession,{issued},{expires},{on}"
ENTITY = ",company,,,{name},{reg},,,{lic},security_company,{issued},{expires},{on}"
NOBODY = ",,,,,,,,,,,,"
TAIL = ",{event},{date},{place},{agency}"


def row(weapon: str = "", owner: str = NOBODY, event: str = "", date: str = "",
        place: str = "", agency: str = "") -> str:
    return weapon + owner + TAIL.format(event=event, date=date, place=place, agency=agency)


def new(serial: str, maker: str = "Glock", model: str = "19", rec: str = "", mark: str = "",
        **kw: Any) -> str:
    return row(NEW.format(rec=rec, maker=maker, model=model, serial=serial, mark=mark), **kw)


def person(doc: str, lic: str, family: str = "Vale", issued: str = "2021-01-01",
           expires: str = "2031-01-01", on: str = "2021-03-01") -> str:
    return PERSON.format(family=family, doc=doc, lic=lic, issued=issued, expires=expires, on=on)


def entity(reg: str, lic: str, name: str, issued: str = "2019-01-10",
           expires: str = "2029-01-09", on: str = "2021-03-01") -> str:
    return ENTITY.format(name=name, reg=reg, lic=lic, issued=issued, expires=expires, on=on)


W1 = ",assault_rifle,Zastava Arms,M70,12345,RS,1998,,R1-A,"
W2 = ",revolver_pistol,Glock,17,ABC-0042,AT,2015,,R2-A,"
W3 = ",revolver_pistol,Česká zbrojovka,CZ 75,99881,CZ,2010,,R1-B,"
ALICE = person("KG-1001", "L-100", "Marin", "2020-01-10", "2030-01-09", "2021-02-01")\
    .replace("passport", "national_id")

GOOD = [
    new("N-1", mark="GLOCK N-1", owner=person("P-9001", "L-900"), event="imported",
        date="2016-05-01", place="Port", agency="Customs"),
    new("N-2", owner=person("P-9001", "L-900"), event="imported", date="2016-05-01"),
    new("N-3", maker="Beretta", model="92", owner=entity("ENT-77", "L-300", "Safeguard LLC")),
    row(W3, ALICE),                                          # a recorded weapon registered
    row(W1, ALICE, event="reported_lost", date="2022-01-01", agency="Police"),  # new attributes
    row(W2, person("P-9002", "L-901", on="2022-06-01")),     # a transfer
    row("REC-7,rifle_carbine,,,,,,,R2-B,", event="found", date="2020-01-01"),  # no serial
    new("N-1", owner=person("P-9001", "L-900")),             # row 1's weapon again
    new("N-4", maker="Beretta", owner=entity("ENT-88", "L-902", "Guard Co"),
        event="stored", date="2020-04-01"),
    new("N-5", model="17", event="seized", date="2023-01-01", place="Checkpoint 4"),
]

BAD = [
    new("B-1").replace(",pistol,", ",catapult,"),                         # category.unknown
    new("B-2").replace(",AT,", ",ZQ,"),                                   # country.unknown
    new("B-3").replace(",2015,,", ",1700,,"),                             # year.out_of_range
    new("B-4").replace(",2015,,", ",2015,2010,"),                         # import before made
    row(",pistol,,M,,,,,R1-A,"),                                          # import.no_key
    row(W1.replace("M70", "M71")),                                        # import.differs
    new("B-5").replace("R1-A", "ZZ-9"),                                   # area.unknown
    new("B-6", owner=person("P-7001", "L-700", family="")),               # owner: required
    new("B-7", owner=person("KG-1001", "L-100", "Other").replace("passport", "national_id")),
    new("B-8", owner=person("P-7002", "L-701", expires="2020-01-01")),    # expiry before issue
    new("B-9", owner=person("P-7003", "L-200")),                          # another's licence
    new("B-10", owner=ALICE.replace("2020-01-10", "2020-01-11")),         # licence dates differ
    new("B-11", owner=person("P-7004", "L-702", issued="2000-01-01", expires="2005-01-01",
                             on="2010-01-01")),                           # licence expired
    new("B-12", owner=person("P-7005", "L-703", issued="2022-01-01", on="2021-06-01")),
    new("B-13", event="imported", date="2099-01-01"),                     # date.future
    new("B-14", event="imported", date="2010-01-01"),                     # before manufacture
    row(W3, event="manufactured", date="2020-01-01"),                     # lifecycle refused
    new("B-15", event="registered", date="2020-01-01"),                   # event.use_dedicated
    new("B-16", event="destroyed", date="2020-01-01"),                    # needs a batch
    row(W1, event="reported_lost", date="2019-01-01"),                    # before previous
    new("B-17", owner=person("P-7006", "L-704")).replace("R1-A", "R2-A"),  # scope (north)
    new("B-18"), new("B-18", model="26"),                                 # differs within file
]

UID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@pytest.fixture(params=["sqlite", "postgresql"])
def seeded_pair(request: pytest.FixtureRequest) -> tuple[tuple[sa.Engine, Registry], ...]:
    """Two stores seeded alike (``weapons_support.seed_registry``): one per path.

    Not named ``stores``: a parametrised fixture that shares the name of conftest's session
    ``stores`` makes pytest key that one by this one's parameter, so it tore the session's store
    factory down (dropping every database of the process, the weapons tests' shared store among
    them) and built a new one around each test here."""
    out = []
    for _ in range(2):
        engine = new_store(request, request.param)
        request.addfinalizer(engine.dispose)
        out.append((engine, seed_registry(engine)))
    return tuple(out)


def csv_file(folder: Path, name: str, rows: list[str]) -> Path:
    path = folder / name
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def refusals(report: ImportReport) -> list[tuple[Any, ...]]:
    return [(e.row, e.column, e.value, e.code, UID.sub("<uid>", e.message))
            for e in report.errors]


def counts(report: ImportReport) -> tuple[int, ...]:
    return (report.rows_read, report.weapons_added, report.weapons_existing,
            report.owners_added, report.licences_added, report.registrations,
            report.transfers, report.events, report.attributes_updated, report.committed)


def dump(engine: sa.Engine) -> dict[str, list[str]]:
    """Every registry table and the audit log, row by row in id order, with the random uids
    named by their record's id and the clock's columns left out."""
    names: dict[str, str] = {}
    with engine.connect() as conn:
        for table, tag in ((w.weapon, "weapon"), (w.arms_owner, "owner")):
            for uid, id_ in conn.execute(sa.select(table.c.uid, table.c.id)):
                names[uid] = f"{tag}#{id_}"
        out: dict[str, list[str]] = {}
        for table in (*w.REGISTRY_TABLES, t.audit_event):
            kept = [c for c in table.c if not isinstance(c.type, sa.DateTime)]
            rows = conn.execute(sa.select(*kept).order_by(table.c.id)).mappings().all()
            out[table.name] = [UID.sub(lambda m: names.get(m.group(), "?"), json.dumps(
                dict(r), default=str, sort_keys=True)) for r in rows]
    return out


def test_every_kind_of_bad_row_is_refused_alike_by_the_bulk_path_and_row_by_row(
        seeded_pair: tuple[tuple[sa.Engine, Registry], ...], tmp_path: Path) -> None:
    (bulk, reg), (rows, _) = seeded_pair
    path = csv_file(tmp_path, "bad.csv", BAD)
    for viewer in ("officer", "north_officer"):
        before = table_counts(bulk)
        fast = import_registry(bulk, reg.viewers[viewer], path, bulk=True)
        slow = import_registry(rows, reg.viewers[viewer], path, bulk=False)
        assert refusals(fast) == refusals(slow)
        assert counts(fast) == counts(slow)
        assert table_counts(bulk) == before
    codes = {e.code for e in fast.errors} | {e.code for e in slow.errors}
    assert len(refusals(slow)) >= len(BAD) - 1
    assert {"category.unknown", "country.unknown", "year.out_of_range",
            "year.import_before_manufacture", "import.no_key", "import.differs",
            "area.unknown", "required", "licence.expiry_before_issue", "licence.other_owner",
            "licence.not_active", "licence.not_yet_valid", "date.future",
            "event.before_manufacture", "lifecycle.not_allowed", "event.use_dedicated",
            "event.before_previous", "area.out_of_scope"} <= codes


def test_a_good_file_leaves_the_same_store_both_ways_and_again_on_re_import(
        seeded_pair: tuple[tuple[sa.Engine, Registry], ...], tmp_path: Path) -> None:
    (bulk, reg), (rows, _) = seeded_pair
    path = csv_file(tmp_path, "good.csv", GOOD)
    for _ in range(2):  # the second pass is the idempotent re-import
        fast = import_registry(bulk, reg.officer, path, bulk=True)
        slow = import_registry(rows, reg.officer, path, bulk=False)
        assert fast.errors == [] and counts(fast) == counts(slow)
        assert dump(bulk) == dump(rows)
    first = dump(bulk)
    assert len(first["weapon"]) == 3 + 6 and len(first["weapon_holding"]) > 2


def test_the_first_pass_writes_what_each_row_says(
        seeded_pair: tuple[tuple[sa.Engine, Registry], ...], tmp_path: Path) -> None:
    (bulk, reg), _ = seeded_pair
    report = import_registry(bulk, reg.officer, csv_file(tmp_path, "good.csv", GOOD))
    assert report.committed
    assert (report.weapons_added, report.weapons_existing, report.owners_added,
            report.licences_added, report.registrations, report.transfers,
            report.attributes_updated) == (6, 4, 3, 3, 5, 1, 1)


def test_weapons_written_by_the_bulk_path_are_found_by_a_serial_pattern(
        seeded_pair: tuple[tuple[sa.Engine, Registry], ...], tmp_path: Path) -> None:
    (bulk, reg), _ = seeded_pair
    import_registry(bulk, reg.officer, csv_file(tmp_path, "good.csv", GOOD))
    found = search_weapons(bulk, reg.officer, "*N-4*")
    assert [h.serial_number for h in found.hits] == ["N-4"]


def triggers(engine: sa.Engine) -> list[tuple[str, str]]:
    """Every trigger of the store with its definition."""
    q = ("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name"
         if engine.dialect.name == "sqlite" else
         "SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal "
         "ORDER BY tgname")
    with engine.connect() as conn:
        return [(str(n), str(d)) for n, d in conn.exec_driver_sql(q).all()]


def weapons_version(engine: sa.Engine) -> int | None:
    """The ``weapons`` data-version counter (None on a store without counters)."""
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table("data_version"):
            return None
        return int(conn.exec_driver_sql(
            "SELECT version FROM data_version WHERE name = 'weapons'").scalar_one())


def test_a_bulk_import_moves_the_weapons_counter_and_leaves_every_trigger_as_it_was(
        seeded_pair: tuple[tuple[sa.Engine, Registry], ...], tmp_path: Path) -> None:
    (bulk, reg), _ = seeded_pair
    kept, before = triggers(bulk), weapons_version(bulk)
    refused = import_registry(bulk, reg.officer, csv_file(tmp_path, "bad.csv", GOOD + BAD))
    assert not refused.committed and triggers(bulk) == kept
    assert weapons_version(bulk) == before
    report = import_registry(bulk, reg.officer, csv_file(tmp_path, "good.csv", GOOD))
    assert report.committed and triggers(bulk) == kept
    if before is not None:
        assert (weapons_version(bulk) or 0) > before
