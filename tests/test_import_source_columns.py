"""Columns a mapping does not name are listed and kept, for every kind of import (issue 13).

Weapons: a registry officer bound to R1 uploads a registry CSV with a "Collecting agency" column
on the import page, sees the column listed as kept and the R2 row refused, commits the R1 rows
and finds the value on the weapon's page; the same through the API and the CLI. Areas and
population: the analyst's preview lists the extra column and the stored area or population cell
carries it. An HXL file read by its hashtags keeps an unmapped column under its hashtag.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import asdict
from pathlib import Path

import pytest
import sqlalchemy as sa
from import_clerk_support import (
    AGENCY,
    WEAPON_R1,
    WEAPON_R2,
    WEAPONS_HEADER,
    observatory,
    token_of,
    visible_text,
    weapon_uid,
)
from typer.testing import CliRunner
from web_support import client, sign_in

from salus.cli.app import app
from salus.domain.accounts.roles import Viewer
from salus.domain.incidents import model as m
from salus.ingestion.hashing import content_hash
from salus.usecases.imports.files import import_file


@pytest.fixture
def store(engine: sa.Engine) -> sa.Engine:
    return observatory(engine)


def _preview(c, csrf: str, kind: str, data: bytes, mapping: str = "",  # type: ignore[no-untyped-def]
             mapping_yaml: str = ""):
    return c.post("/imports/preview", files={"file": (f"{kind}.csv", data, "text/csv")},
                  data={"csrf_token": csrf, "kind": kind, "mapping": mapping,
                        "mapping_yaml": mapping_yaml})


def _json(value: object) -> object:
    return value if isinstance(value, dict | type(None)) else json.loads(str(value))


def test_a_registry_officer_imports_weapons_on_the_web_and_finds_the_kept_column(
        store: sa.Engine) -> None:
    c = client(store)
    csrf = sign_in(c, "rita")
    page = c.get("/imports").text
    assert '<option value="weapons">' in page and '<option value="incidents">' not in page
    both = (WEAPONS_HEADER + WEAPON_R1 + WEAPON_R2).encode()
    r = _preview(c, csrf, "weapons", both, "weapons-registry")
    assert r.status_code == 200, r.text[-1500:]
    assert f"<li>{AGENCY}</li>" in r.text
    errors = visible_text(r.text.split('id="preview-errors"')[1].split("</table>")[0])
    assert "3 Area code R2-A area.out_of_scope" in errors
    r = c.post(f"/imports/{token_of(r.text)}/commit", data={"csrf_token": csrf})
    assert "Nothing was written" in r.text and weapon_uid(store, "AB 1234") is None
    r = _preview(c, csrf, "weapons", (WEAPONS_HEADER + WEAPON_R1).encode(), "weapons-registry")
    r = c.post(f"/imports/{token_of(r.text)}/commit", data={"csrf_token": csrf})
    assert "1 new, 0 updated, 0 unchanged" in r.text, r.text[-1500:]
    assert AGENCY in r.text.split('id="kept-columns"')[1].split("</p>")[0]
    with store.connect() as conn:
        batches = conn.execute(sa.text("select actor, file_name from import_batch "
                                       "where kind = 'weapons'")).all()
    assert [tuple(b) for b in batches] == [("rita", "weapons.csv")]
    page = c.get(f"/weapons/{weapon_uid(store, 'AB 1234')}").text
    assert "Other columns from the source file" in page
    assert f"{AGENCY} Customs post 4" in visible_text(page.split('id="source-attributes"')[1])


def test_a_weapons_reimport_updates_the_kept_column_and_the_analyst_does_not_see_it(
        store: sa.Engine) -> None:
    c = client(store)
    csrf = sign_in(c, "rita")
    for row, expected in ((WEAPON_R1, "1 new, 0 updated"),
                          (WEAPON_R1, "0 new, 0 updated, 1 unchanged"),
                          (WEAPON_R1.replace("post 4", "post 5"), "0 new, 1 updated")):
        r = _preview(c, csrf, "weapons", (WEAPONS_HEADER + row).encode(), "weapons-registry")
        r = c.post(f"/imports/{token_of(r.text)}/commit", data={"csrf_token": csrf})
        assert expected in r.text, r.text[-1500:]
    uid = weapon_uid(store, "AB 1234")
    assert "Customs post 5" in c.get(f"/weapons/{uid}").text
    analyst = client(store)
    sign_in(analyst, "ana")                      # reads weapons, not owners' data
    page = analyst.get(f"/weapons/{uid}")
    assert page.status_code == 200 and "Customs post" not in page.text


def test_the_weapons_api_and_cli_list_the_kept_columns(store: sa.Engine, db_url: str,
                                                       tmp_path: Path) -> None:
    c = client(store)
    csrf = sign_in(c, "rita")
    data = (WEAPONS_HEADER + WEAPON_R1 + WEAPON_R2).encode()
    dry = c.post("/api/v1/imports", files={"file": ("w.csv", data, "text/csv")},
                 data={"kind": "weapons", "mapping": "weapons-registry"},
                 headers={"X-CSRF-Token": csrf}).json()
    assert dry["unmapped_columns"] == [AGENCY]
    assert [(e["row"], e["column"], e["value"], e["code"]) for e in dry["errors"]] == [
        (3, "Area code", "R2-A", "area.out_of_scope")]
    source = tmp_path / "w.csv"
    source.write_text(WEAPONS_HEADER + WEAPON_R1, encoding="utf-8")
    out = CliRunner().invoke(app, ["weapons", "import", str(source), "--user", "rita",
                                   "--db", db_url], catch_exceptions=False)
    assert out.exit_code == 0, out.output
    assert AGENCY in out.output and "1 new weapon(s)" in out.output
    got = c.get(f"/api/v1/weapons/{weapon_uid(store, 'AB 1234')}").json()
    assert got["source_attributes"] == {AGENCY: "Customs post 4"}


AREAS_MAPPING = """name: districts
kind: areas
columns:
  code: Code
  name: Name
  parent_code: Parent
  level: Level
"""
POPULATION_MAPPING = """name: census
kind: population
columns:
  area_code: District
  year: Year
  population: People
"""


def test_an_areas_import_lists_and_keeps_the_unmapped_column(store: sa.Engine) -> None:
    c = client(store)
    csrf = sign_in(c, "ana")
    data = b"Code,Name,Parent,Level,Census code\nR1-C,District C,R1,2,CEN-0042\n"
    r = _preview(c, csrf, "areas", data, mapping_yaml=AREAS_MAPPING)
    assert "<li>Census code</li>" in r.text
    r = c.post(f"/imports/{token_of(r.text)}/commit", data={"csrf_token": csrf})
    assert "1 new" in r.text and "Census code" in r.text.split('id="kept-columns"')[1]
    assert c.get("/api/v1/areas/R1-C").json()["source_attributes"] == {"Census code": "CEN-0042"}
    public = client(store)
    sign_in(public, "pub")                         # reference data, but not the file's extras
    assert public.get("/api/v1/areas/R1-C").json()["source_attributes"] == {}


def test_a_population_import_keeps_the_column_and_a_scoped_analyst_stays_in_its_region(
        store: sa.Engine, tmp_path: Path) -> None:
    c = client(store)
    csrf = sign_in(c, "ana")
    data = b"District,Year,People,Source table\nR1-A,2025,21500,T-7\n"
    r = _preview(c, csrf, "population", data, mapping_yaml=POPULATION_MAPPING)
    assert "<li>Source table</li>" in r.text
    r = c.post(f"/imports/{token_of(r.text)}/commit", data={"csrf_token": csrf})
    assert "1 new" in r.text
    cells = c.get("/api/v1/population?area=R1-A&year=2025").json()["items"]
    assert [(p["population"], p["source_attributes"]) for p in cells] == [
        (21500, {"Source table": "T-7"})]
    scoped = Viewer.for_role("north", "analyst", area_id=_area_id(store, "R1"), area_code="R1")
    source = tmp_path / "p.csv"
    source.write_text("District,Year,People\nR1-B,2025,100\nR2-B,2025,200\n", encoding="utf-8")
    mapping = tmp_path / "p.yaml"
    mapping.write_text(POPULATION_MAPPING, encoding="utf-8")
    report = import_file(store, "population", source, str(mapping), viewer=scoped)
    assert not report.written
    assert [(e.row, e.column, e.value, e.code) for e in report.errors] == [
        (3, "District", "R2-B", "area.out_of_scope")]


def _area_id(engine: sa.Engine, code: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.text("select id from area where code = :c"),
                                {"c": code}).scalar_one())


def test_an_hxl_file_read_by_its_hashtags_keeps_its_unmapped_column_under_its_hashtag(
        store: sa.Engine, tmp_path: Path) -> None:
    source = tmp_path / "events.csv"
    source.write_text("Event,Date,District,Offence,Collecting agency\n"
                      "#event+id,#date+occurred,#adm2+code,#crime+code,#org+collector\n"
                      "H-1,2024-05-01,R2-B,0101,Red Cross desk\n", encoding="utf-8")
    mapping = tmp_path / "hxl.yaml"
    mapping.write_text("name: hxl\nkind: incidents\ncolumns:\n  record_id: '#event+id'\n"
                       "  occurred_on: '#date+occurred'\n  area_code: '#adm2+code'\n"
                       "  iccs_code: '#crime+code'\ndefaults:\n  source_type: police\n"
                       "  source_name: desk\n", encoding="utf-8")
    report = import_file(store, "incidents", source, str(mapping))
    # the mapping names hashtags, so the tag row is the header the file is read by
    assert report.written and report.unmapped_columns == ["#org+collector"]
    with store.connect() as conn:
        kept = conn.execute(sa.text("select i.source_attributes from incident i join "
                                    "incident_source s on s.incident_id = i.id "
                                    "where s.record_id = 'H-1'")).scalar()
    assert _json(kept) == {"#org+collector": "Red Cross desk"}


def test_a_record_without_source_columns_keeps_the_digest_it_had() -> None:
    incident = m.Incident(m.OccurrenceDate(dt.date(2024, 1, 2)), "R1-A", "0101",
                          m.SourceRecord("police", "x", "1"))
    data = asdict(incident)
    for key in ("uid", "source_attributes"):
        data.pop(key)
    data["source"].pop("record_id")
    data["source"].pop("url")
    before = hashlib.sha256(json.dumps(data, sort_keys=True, default=str,
                                       ensure_ascii=False).encode()).hexdigest()
    assert incident.content_hash() == content_hash(incident) == before
    incident.source_attributes = {AGENCY: "Station 7"}
    assert incident.content_hash() == content_hash(incident) != before


def test_rows_collapsed_into_one_record_keep_the_columns_they_agree_on(
        store: sa.Engine, tmp_path: Path) -> None:
    areas = tmp_path / "districts.csv"
    areas.write_text("Code,Name,Parent,Level,Province,Year\nR1-C,District C,R1,2,North,2023\n"
                     "R1-C,District C,R1,2,North,2024\n", encoding="utf-8")
    mapping = tmp_path / "districts.yaml"
    mapping.write_text(AREAS_MAPPING + "duplicates: collapse_identical\n", encoding="utf-8")
    report = import_file(store, "areas", areas, str(mapping))
    assert report.written and report.inserted == 1
    incidents = tmp_path / "events.csv"
    incidents.write_text("Case,Date,District,Offence,Desk,Shift\n"
                         "C-1,2024-05-01,R1-A,0101,North desk,night\n"
                         "C-1,2024-05-01,R1-A,0101,North desk,day\n", encoding="utf-8")
    events = tmp_path / "events.yaml"
    events.write_text("name: desk\nkind: incidents\ncolumns:\n  record_id: Case\n"
                      "  occurred_on: Date\n  area_code: District\n  iccs_code: Offence\n"
                      "defaults:\n  source_type: police\n  source_name: desk\n"
                      "duplicates: collapse_identical\n", encoding="utf-8")
    report = import_file(store, "incidents", incidents, str(events))
    assert report.written and report.inserted == 1 and report.unmapped_columns == ["Desk",
                                                                                   "Shift"]
    again = import_file(store, "incidents", incidents, str(events))
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 1)
    with store.connect() as conn:
        area = conn.execute(sa.text("select source_attributes from area "
                                    "where code = 'R1-C'")).scalar()
        incident = conn.execute(sa.text("select i.source_attributes from incident i join "
                                        "incident_source s on s.incident_id = i.id "
                                        "where s.record_id = 'C-1'")).scalar()
    assert _json(area) == {"Province": "North"}
    assert _json(incident) == {"Desk": "North desk"}
