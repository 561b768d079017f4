"""Issue 13: the incident form holds any number of victims, perpetrators and witnesses with their
relationship, the weapon's legal status and registry link, an area chosen by name, and the page
shows the derived femicide / domestic-violence classification (web form, API, SQLite and
PostgreSQL)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from web_support import add_cast, client, seed, sign_in

from salus.domain.accounts.roles import SYSTEM_VIEWER
from salus.domain.weapons.registry import WeaponRecord
from salus.usecases.weapons import records


@pytest.fixture
def observatory(engine: sa.Engine) -> sa.Engine:
    seed(engine, per_district=2)
    add_cast(engine, scoped_area="R1")
    records.record_weapon(engine, SYSTEM_VIEWER, WeaponRecord(
        category="revolver_pistol", manufacturer="Crvena Zastava", model="M57",
        serial_number="ZB-40417", area_code="R1-A"))
    return engine


PERSONS = [  # (role, sex, age, outcome, relationship, of victim no.)
    ("victim", "female", "34", "killed", "", ""),
    ("victim", "male", "36", "killed", "", ""),
    ("victim", "male", "12", "injured", "", ""),
    ("perpetrator", "male", "38", "unharmed", "intimate_partner", "1"),
    ("perpetrator", "male", "22", "unharmed", "stranger", ""),
    ("witness", "female", "60", "unharmed", "", ""),
]


def _form(csrf: str, **extra: str) -> dict[str, str]:
    data = {"csrf_token": csrf, "occurred_on": "2024-03-09", "date_precision": "day",
            "area_code": "District R1-B", "iccs_code": "0101", "weapon": "revolver_pistol",
            "weapon_legal_status": "illegal", "weapon_serial": "zb 40417",
            "sensitivity": "restricted", "source_type": "other"}
    for n, (role, sex, age, outcome, rel, of) in enumerate(PERSONS):
        data |= {f"persons-{n}-role": role, f"persons-{n}-sex": sex, f"persons-{n}-age": age,
                 f"persons-{n}-outcome": outcome, f"persons-{n}-relationship": rel,
                 f"persons-{n}-related_victim": of}
    return data | extra


def _cells(html: str, table: str) -> list[list[str]]:
    body = html.split(f'id="{table}"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)[1:]
    return [[re.sub(r"<[^>]+>|\s+", " ", c).strip() for c in re.findall(r"<td>(.*?)</td>", r, re.S)]
            for r in rows]


def test_a_data_entry_user_records_six_persons_and_the_page_shows_a_femicide(
        observatory: sa.Engine) -> None:
    c = client(observatory)
    csrf = sign_in(c, "dora")
    r = c.post("/incidents/new", data=_form(csrf), follow_redirects=True)
    assert r.status_code == 200 and 'id="saved"' in r.text, r.text[-2000:]
    persons = _cells(r.text, "persons")
    assert [p[0] for p in persons] == ["Victim 1", "Victim 2", "Victim 3", "Perpetrator",
                                       "Perpetrator", "Witness"]
    assert persons[3][4] == "Intimate partner (current or former) (of victim 1)"
    assert persons[4][4].startswith("Perpetrator unknown to the victim")
    assert "District R1-B" in r.text and ">R1-B<" in r.text          # the area chosen by name
    assert "gender-related killing (femicide)" in r.text
    assert "domestic violence" in r.text
    reasons = re.findall(r"<li>(.*?)</li>", r.text.split('id="classification-reasons"')[1]
                         .split("</ul>")[0], re.S)
    assert len(reasons) == 2 and all("Victim 1" in x for x in reasons)   # victim 2 is a man
    assert "killed in an intentional homicide by her intimate partner" in reasons[1]
    weapons = r.text.split('id="weapons"')[1].split("</dd>")[0]
    assert "Illegal (unregistered or illicitly held)" in weapons
    assert "serial zb 40417" in weapons and "registry weapon" in weapons and "ZB-40417" in weapons


def test_the_edit_form_shows_every_person_with_the_relationship_and_the_serial(
        observatory: sa.Engine) -> None:
    c = client(observatory)
    csrf = sign_in(c, "dora")
    saved = c.post("/incidents/new", data=_form(csrf), follow_redirects=False)
    uid = saved.headers["location"].split("/")[2].split("?")[0]
    page = c.get(f"/incidents/{uid}/edit").text
    assert page.count('class="row person"') == len(PERSONS) + 2
    row = page.split('id="person-3"')[1].split('id="person-4"')[0]
    assert '<option value="intimate_partner" selected>' in row
    assert 'name="persons-3-related_victim"' in row and 'value="1"' in row
    assert 'value="zb 40417"' in page
    r = c.post(f"/incidents/{uid}/edit", data=_form(csrf, **{"persons-0-sex": "male"}),
               follow_redirects=True)
    assert 'id="saved"' in r.text and 'id="femicide"' not in r.text    # victim 1 now a man
    assert 'id="domestic-violence"' in r.text


def test_the_same_perpetrator_related_to_the_male_victim_is_domestic_violence_not_femicide(
        observatory: sa.Engine) -> None:
    c = client(observatory)
    csrf = sign_in(c, "dora")
    r = c.post("/incidents/new", data=_form(csrf, **{"persons-3-related_victim": "2"}),
               follow_redirects=True)
    assert 'id="saved"' in r.text
    assert "gender-related killing (femicide)" not in r.text
    assert 'id="domestic-violence"' in r.text and "Victim 2: the perpetrator" in r.text


def test_an_unknown_serial_and_a_victim_number_past_the_list_are_refused_by_name(
        observatory: sa.Engine) -> None:
    c = client(observatory)
    csrf = sign_in(c, "dora")
    r = c.post("/incidents/new", data=_form(csrf, weapon_serial="QQ-999",
                                            **{"persons-4-related_victim": "7"}))
    assert r.status_code == 422
    fields = dict(re.findall(r'data-field="([^"]+)">([^<]+)<', r.text))
    assert "QQ-999" in fields["weapon_serial"].replace("&#39;", "'")
    assert "no victim 7" in fields["persons-4-related_victim"]
    assert r.text.count('class="row person"') == len(PERSONS) + 2      # every row shown again
    assert 'value="38"' in r.text and 'value="60"' in r.text
    with observatory.connect() as conn:
        assert conn.execute(sa.text("select count(*) from incident where iccs_code = '0101' "
                                    "and occurred_on = '2024-03-09'")).scalar() == 0


def test_add_another_person_without_javascript_shows_one_more_row_and_saves_nothing(
        observatory: sa.Engine) -> None:
    c = client(observatory)
    csrf = sign_in(c, "dora")
    data = _form(csrf, add_person="1", **{"persons-5-remove": "1"})
    r = c.post("/incidents/new", data=data)
    assert r.status_code == 200
    assert r.text.count('class="row person"') == len(PERSONS) - 1 + 1 + 2
    assert 'name="persons-7-role"' in r.text and 'value="60"' not in r.text


def test_the_area_picker_finds_areas_by_name_in_the_users_scope(
        observatory: sa.Engine) -> None:
    c = client(observatory)
    sign_in(c, "dora")
    found = c.get("/incidents/areas?q=district r1").json()
    assert [a["code"] for a in found] == ["R1-A", "R1-B"] and found[0]["parent_name"] == "North"
    assert c.get("/incidents/areas?q=north").json()[0] == {
        "code": "R1", "name": "North", "level": 1, "parent_name": "Verdania"}
    monty = client(observatory)
    sign_in(monty, "monty")                                   # bound to R1
    assert [a["code"] for a in monty.get("/incidents/areas?q=district").json()] == [
        "R1-A", "R1-B"]


def test_the_area_maps_shapes_are_the_finest_areas_drawn_in_the_users_scope(
        observatory: sa.Engine) -> None:
    c = client(observatory)
    sign_in(c, "dora")
    page = c.get("/incidents/new").text
    assert '<div id="area-map-box" class="area-map" hidden>' in page     # shown by the script
    assert 'data-source="/incidents/areas.geojson"' in page
    r = c.get("/incidents/areas.geojson")
    assert r.headers["content-type"].startswith("application/geo+json")
    features = r.json()["features"]
    assert [f["properties"]["code"] for f in features] == ["R1-A", "R1-B", "R2-A", "R2-B"]
    assert features[1]["properties"]["name"] == "District R1-B"
    assert features[1]["geometry"]["coordinates"][0][:2] == [[1.0, 0.0], [2.0, 0.0]]
    monty = client(observatory)
    sign_in(monty, "monty")                                   # bound to R1
    assert [f["id"] for f in monty.get("/incidents/areas.geojson").json()["features"]] == [
        "R1-A", "R1-B"]
    public = client(observatory)
    sign_in(public, "pub")                                    # reads no records, writes none
    assert public.get("/incidents/areas.geojson").status_code == 403


def test_the_api_takes_persons_relationships_and_a_weapon_list(observatory: sa.Engine) -> None:
    c = client(observatory)
    c.headers["X-CSRF-Token"] = sign_in(c, "dora")
    body = {"occurred_on": "2024-03-09", "area_code": "R1-A", "iccs_code": "0101",
            "persons": [{"role": "victim", "sex": "female", "outcome": "killed"},
                        {"role": "perpetrator", "sex": "male", "relationship": "family_member",
                         "related_victim": 1}],
            "weapons": [{"category": "revolver_pistol", "legal_status": "stolen",
                         "serial_number": "ZB40417"}]}
    r = c.post("/api/v1/incidents", json=body)
    assert r.status_code == 201, r.text
    got = c.get(f"/api/v1/incidents/{r.json()['uid']}").json()
    assert got["classification"]["femicide"] is True
    assert got["classification"]["reasons"][-1] == {
        "kind": "femicide", "victim": 1, "basis": "family_member", "perpetrator": 1}
    weapon = got["weapons"][0]
    assert weapon["legal_status"] == "stolen" and weapon["registry"]["serial_number"] == "ZB-40417"
    assert got["persons"][1]["related_victim"] == 1
    r = c.post("/api/v1/incidents", json=body | {"weapons": [{"serial_number": "ZB-4041"}]},
               )
    assert r.status_code == 422 and "ZB-4041" in r.text



IMPORT_MAPPING = """name: partner-killings
kind: incidents
columns:
  record_id: id
  occurred_on: date
  area_code: area
  iccs_code: offence
  sex: victim_sex
  outcome: victim_outcome
  relationship: perpetrator_is
  weapon: weapon
  weapon_legal_status: weapon_status
  weapon_serial: serial
defaults:
  source_type: police
  source_name: partner file
"""


def test_an_imported_row_carries_the_relationship_the_weapon_status_and_its_serial(
        observatory: sa.Engine, tmp_path: object) -> None:
    from pathlib import Path

    from salus.usecases.imports.files import import_file
    from salus.usecases.incidents.detail import get_incident

    folder = Path(str(tmp_path))
    (folder / "m.yaml").write_text(IMPORT_MAPPING, encoding="utf-8")
    (folder / "f.csv").write_text(
        "id,date,area,offence,victim_sex,victim_outcome,perpetrator_is,weapon,weapon_status,"
        "serial\nP1,2024-02-01,R1-A,0101,female,killed,intimate_partner,revolver_pistol,"
        "stolen,ZB 40417\nP2,2024-02-02,R1-A,0101,female,killed,stranger,,,\n",
        encoding="utf-8")
    report = import_file(observatory, "incidents", folder / "f.csv", folder / "m.yaml")
    assert report.inserted == 2 and not report.errors, report.errors
    with observatory.connect() as conn:
        uids = dict(conn.execute(sa.text(
            "select s.record_id, i.uid from incident i join incident_source s "
            "on s.incident_id = i.id where s.source_name = 'partner file'")).all())
    first = get_incident(observatory, SYSTEM_VIEWER, uids["P1"])
    assert first.classification["femicide"] and first.classification["domestic_violence"]
    assert first.weapons[0]["legal_status"] == "stolen"
    assert first.weapons[0]["serial_number"] == "ZB 40417"
    assert first.weapons[0]["registry"]["serial_number"] == "ZB-40417"    # linked on import
    second = get_incident(observatory, SYSTEM_VIEWER, uids["P2"])
    assert not second.classification["femicide"] and not second.classification["reasons"]
