"""Issue 13, unified reporting: police actions and misdemeanours are recorded and counted apart
from ICCS crimes; SDG 16.1.2 (conflict-related deaths) is computed from the incident's context
and from UCDP imports; place type filters and groups incidents and indicators. Every figure is
checked against a raw SQL count over the store (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
import sqlalchemy as sa
from web_support import add_cast, client, seed, sign_in

from salus.domain.incidents import model as m
from salus.storage import repository
from salus.usecases.imports.files import import_file

CONFLICT = ("(i.iccs_code LIKE '0107%' OR i.iccs_code LIKE '110133%' "
            "OR i.misuse_context = 'armed_conflict')")


def _victim(sex: str, age: int, status: str | None = None) -> m.Person:
    return m.Person(m.Role.VICTIM, m.Sex(sex), m.AgeRange.exact(age), outcome=m.Outcome.KILLED,
                    conflict_status=status)


def _incident(record: str, day: dt.date, area: str, code: str, **extra: object) -> m.Incident:
    return m.Incident(occurred=m.OccurrenceDate(day), area_code=area, iccs_code=code,
                      source=m.SourceRecord("police", "unified", record), **extra)  # type: ignore[arg-type]


CONFLICT_INCIDENTS = [
    # a homicide in a conflict context, at a school, by explosive: two civilians killed
    _incident("c1", dt.date(2024, 3, 2), "R1-A", "0101", misuse_context="armed_conflict",
              location_type="school", weapons=[m.Weapon("explosive")],
              persons=[_victim("female", 9, "civilian"), _victim("male", 40, "civilian")]),
    # an unlawful killing in armed conflict with a soldier listed, by rifle, in the street
    _incident("c2", dt.date(2024, 6, 9), "R2-A", "0107", location_type="street_public",
              weapons=[m.Weapon("assault_rifle")],
              persons=[_victim("male", 23, "armed_forces")]),
    # declared deaths only (as UCDP gives them): 7 killed, no one listed, no weapon
    _incident("c3", dt.date(2024, 8, 1), "R2-B", "0107", declared_killed=7),
    # declared 5 but 1 listed: the listed person counts, not the declaration
    _incident("c4", dt.date(2024, 9, 1), "R1-B", "0107", declared_killed=5,
              persons=[_victim("female", 70)]),
    # not conflict-related: a homicide at a school (16.1.1, not 16.1.2)
    _incident("h1", dt.date(2024, 4, 4), "R1-A", "0101", location_type="school",
              weapons=[m.Weapon("sharp")], persons=[_victim("male", 15)]),
    # a conflict-related death in the year before
    _incident("p1", dt.date(2023, 4, 4), "R1-A", "0107", persons=[_victim("male", 33)]),
]


@pytest.fixture
def store(engine: sa.Engine) -> sa.Engine:
    seed(engine, per_district=3)
    add_cast(engine, scoped_area="R1")
    with engine.begin() as conn:
        repository.save_incidents(conn, CONFLICT_INCIDENTS)
    return engine


def _scalar(engine: sa.Engine, sql: str, **params: object) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.text(sql), params).scalar_one() or 0)


def _sql_conflict_deaths(engine: sa.Engine, start: str, end: str, extra: str = "") -> int:
    """Listed killed victims of conflict-related incidents, plus declared deaths of those that
    list none, in [start, end]."""
    listed = _scalar(engine, f"""
        SELECT COUNT(*) FROM person p JOIN incident i ON i.id = p.incident_id
        WHERE p.role = 'victim' AND p.outcome = 'killed' AND {CONFLICT}
          AND i.occurred_on BETWEEN :a AND :b {extra}""", a=start, b=end)
    declared = _scalar(engine, f"""
        SELECT SUM(i.declared_killed) FROM incident i
        WHERE i.declared_killed > 0 AND {CONFLICT} AND i.occurred_on BETWEEN :a AND :b
          AND NOT EXISTS (SELECT 1 FROM person p WHERE p.incident_id = i.id
                          AND p.role = 'victim' AND p.outcome = 'killed') {extra}""",
        a=start, b=end)
    return listed + declared


def _api(engine: sa.Engine, user: str = "admin"):  # type: ignore[no-untyped-def]
    c = client(engine)
    c.headers["X-CSRF-Token"] = sign_in(c, user)
    return c


def _records(c, path: str, **params: object) -> list[dict[str, object]]:  # type: ignore[no-untyped-def]
    r = c.get(path, params=params)
    assert r.status_code == 200, r.text
    return r.json()["records"]  # type: ignore[no-any-return]


# ------------------------------------------------------------------------ SDG 16.1.2


def test_sdg_16_1_2_by_number_counts_conflict_deaths_as_raw_sql_does(store: sa.Engine) -> None:
    c = _api(store)
    total = _records(c, "/api/v1/indicators/16.1.2", period="2024", by="year")
    assert len(total) == 1
    expected = _sql_conflict_deaths(store, "2024-01-01", "2024-12-31")
    assert total[0]["victims"] == expected == 2 + 1 + 7 + 1
    population = _scalar(store, "SELECT SUM(p.population) FROM population p JOIN area a "
                                "ON a.id = p.area_id WHERE a.level = 2 AND p.year = 2024")
    assert total[0]["rate"] == pytest.approx(expected / population * 100_000)
    assert total[0]["ci_low"] < total[0]["rate"] < total[0]["ci_high"]
    assert total[0]["previous"] == _sql_conflict_deaths(store, "2023-01-01", "2023-12-31")


def test_sdg_16_1_2_splits_deaths_by_sex_age_cause_and_status(store: sa.Engine) -> None:
    c = _api(store)
    rows = _records(c, "/api/v1/indicators/sdg-16-1-2", period="2024")
    by_cause: dict[str, int] = {}
    for r in rows:
        by_cause[str(r["cause"])] = by_cause.get(str(r["cause"]), 0) + int(r["victims"])  # type: ignore[call-overload]
    assert by_cause["heavy_weapons"] == _sql_conflict_deaths(
        store, "2024-01-01", "2024-12-31", "AND i.weapon_category = 'explosive'") == 2
    assert by_cause["salw"] == 1                                   # the assault rifle
    assert by_cause["unknown"] == 7 + 1                            # no weapon recorded
    assert by_cause["incendiary"] == 0                             # listed, at zero
    girls = [r for r in rows if r["sex"] == "female" and r["age_band"] == "sdg:0-14"]
    assert sum(int(r["victims"]) for r in girls) == 1  # type: ignore[call-overload]
    declared = [r for r in rows if r["sex"] == "unknown"]
    assert sum(int(r["victims"]) for r in declared) == 7  # type: ignore[call-overload]
    status = _records(c, "/api/v1/indicators/16.1.2", period="2024", by="conflict_status")
    counts = {r["conflict_status"]: r["victims"] for r in status}
    assert counts["civilian"] == _scalar(store, f"""
        SELECT COUNT(*) FROM person p JOIN incident i ON i.id = p.incident_id
        WHERE p.conflict_status = 'civilian' AND p.outcome = 'killed' AND {CONFLICT}""") == 2
    assert counts["armed_forces"] == 1 and counts["unknown"] == 7 + 1
    civilians = _records(c, "/api/v1/indicators/16.1.2", period="2024", by="year",
                         conflict_status="civilian")
    assert civilians[0]["victims"] == 2


def test_the_indicators_page_shows_16_1_2_with_the_store_s_figure(store: sa.Engine) -> None:
    c = _api(store)
    page = c.get("/indicators", params={"id": "16.1.2", "period": "2024", "by": "area",
                                        "level": "1"})
    assert page.status_code == 200
    assert "Conflict-related deaths per 100,000 population" in page.text
    body = page.text.split('id="indicator-table"', 1)[1].split("</table>", 1)[0]
    north = body.split("North", 1)[1].split("</tr>", 1)[0]
    cells = [part.split("</td>", 1)[0] for part in north.split('<td class="num">')[1:]]
    expected = _sql_conflict_deaths(store, "2024-01-01", "2024-12-31", """
        AND i.area_id IN (SELECT aa.area_id FROM area_ancestor aa JOIN area a
                          ON a.id = aa.ancestor_id WHERE a.code = 'R1')""")
    assert int(cells[1]) == expected == 3 + 0  # c1's two children and man, c4's woman


def test_an_unknown_filter_names_the_keys_16_1_2_accepts(store: sa.Engine) -> None:
    c = _api(store)
    r = c.get("/api/v1/indicators/16.1.2", params={"period": "2024",
                                                   "conflict_status": "bystander"})
    assert r.status_code == 422 and "unknown conflict_status code(s) 'bystander'" in r.text


@pytest.fixture
def ged_slice(tmp_path: Path) -> Path:
    from support_db import DATA_DIR

    source = DATA_DIR / "ucdp_ged_syria" / "ucdp_ged191_syria_slim.csv"
    if not source.is_file():
        pytest.skip(f"UCDP file not found at {source}")
    with source.open(encoding="utf-8", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["date_start"].startswith("2016-01-0")]
    path = tmp_path / "ged-2016-jan.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_ucdp_events_count_as_conflict_related_deaths(engine: sa.Engine, ged_slice: Path) -> None:
    with ged_slice.open(encoding="utf-8", newline="") as handle:
        events = list(csv.DictReader(handle))
    assert not import_file(engine, "areas", ged_slice, "ucdp-ged-areas").errors
    report = import_file(engine, "incidents", ged_slice, "ucdp-ged")
    assert report.written
    with engine.begin() as conn:
        repository.save_population(conn, [m.PopulationCount("syria", 2016, 18_000_000)])
    add_cast(engine)
    c = _api(engine)
    total = _records(c, "/api/v1/indicators/16.1.2", period="2016-01", by="month")
    in_period = [e for e in events if e["date_start"] <= "2016-01-31"]
    assert total[0]["victims"] == sum(int(e["best"]) for e in in_period)
    assert total[0]["victims"] == _sql_conflict_deaths(engine, "2016-01-01", "2016-01-31")
    assert total[0]["incidents"] == len(in_period)
    assert total[0]["population"] == 18_000_000
    assert total[0]["rate"] == pytest.approx(total[0]["victims"] / 18_000_000 * 100_000)


# ------------------------------------------------------------- police actions, misdemeanours


def _form(csrf: str, **extra: str) -> dict[str, str]:
    return {"csrf_token": csrf, "occurred_on": "2024-05-10", "date_precision": "day",
            "area_code": "R1-A", "iccs_code": "PA01", "location_type": "street_public",
            "sensitivity": "restricted", "source_type": "police", "source_name": "Station 4",
            "record_id": "A-77", "persons-0-role": "perpetrator", "persons-0-sex": "male",
            "persons-0-age": "24", "persons-0-outcome": "unharmed"} | extra


def test_a_clerk_records_an_arrest_in_flagrante_and_sees_it_counted(store: sa.Engine,
                                                                   tmp_path: Path) -> None:
    c = client(store)
    csrf = sign_in(c, "dora")
    form = c.get("/incidents/new")
    assert "PA01 Arrest in flagrante delicto" in form.text
    saved = c.post("/incidents/new", data=_form(csrf), follow_redirects=True)
    assert saved.status_code == 200 and 'id="saved"' in saved.text, saved.text[-1500:]
    assert "Arrest in flagrante delicto" in saved.text
    crimes_before = _scalar(store, "SELECT COUNT(*) FROM incident WHERE iccs_code NOT LIKE 'PA%'"
                                   " AND iccs_code NOT LIKE 'MI%'")
    # and two more from a police file: an arrest and a misdemeanour, through an import
    data = tmp_path / "station4.csv"
    data.write_text("id,date,district,code\nB-1,2024-05-11,R1-A,pa01\nB-2,2024-05-12,R1-B,MI02\n"
                    "B-3,2024-05-12,R1-B,PA77\n", encoding="utf-8")
    mapping = tmp_path / "station4.yaml"
    mapping.write_text("name: station4\nkind: incidents\ncolumns:\n  record_id: id\n"
                       "  occurred_on: date\n  area_code: district\n  iccs_code: code\n"
                       "defaults:\n  source_type: police\n  source_name: Station 4\n",
                       encoding="utf-8")
    report = import_file(store, "incidents", data, mapping, skip_invalid=True)
    assert [(e.row, e.column, e.value) for e in report.errors] == [(4, "code", "PA77")]
    assert report.written
    page = c.get("/incidents", params={"record_type": "police_action"})
    assert '<b id="count-police_action">2</b>' in page.text
    assert '<b id="count-crime">0</b>' in page.text          # the filter keeps only actions
    everything = c.get("/incidents")
    expected = _scalar(store, "SELECT COUNT(*) FROM incident WHERE iccs_code LIKE 'MI%'")
    assert f'<b id="count-misdemeanour">{expected}</b>' in everything.text and expected == 1
    api = _api(store)
    listed = api.get("/api/v1/incidents", params={"record_type": "police_action"}).json()
    assert listed["total"] == 2
    assert {i["record_type"] for i in listed["items"]} == {"police_action"}
    actions = _records(api, "/api/v1/indicators/police-actions", period="2024", by="year")
    assert actions[0]["incidents"] == _scalar(
        store, "SELECT COUNT(*) FROM incident WHERE iccs_code LIKE 'PA%'") == 2
    minor = _records(api, "/api/v1/indicators/misdemeanours", period="2024", by="year")
    assert minor[0]["incidents"] == 1
    # not mixed into ICCS crime counts
    assert crimes_before == _scalar(store, "SELECT COUNT(*) FROM incident WHERE iccs_code NOT "
                                           "LIKE 'PA%' AND iccs_code NOT LIKE 'MI%'")
    homicides = _records(api, "/api/v1/indicators/homicide-incidents", period="2024", by="year")
    assert homicides[0]["incidents"] == _scalar(
        store, "SELECT COUNT(*) FROM incident WHERE iccs_code LIKE '0101%' AND attempted = :f "
               "AND occurred_on BETWEEN '2024-01-01' AND '2024-12-31'", f=False)


def test_an_unknown_police_code_is_refused_naming_both_lists(store: sa.Engine) -> None:
    api = _api(store)
    r = api.post("/api/v1/incidents", json={"occurred_on": "2024-05-02", "area_code": "R1-A",
                                            "iccs_code": "PA77"})
    assert r.status_code == 422
    error = next(e for e in r.json()["errors"] if e["field"] == "iccs_code")
    assert error["code"] == "code.unknown" and "police_action" in error["message"]
    ok = api.post("/api/v1/incidents", json={"occurred_on": "2024-05-02", "area_code": "R1-A",
                                             "iccs_code": "MI04"})
    assert ok.status_code == 201, ok.text


# ------------------------------------------------------------------------------ place type


def test_incidents_filter_by_place_type_as_raw_sql_counts(store: sa.Engine) -> None:
    api = _api(store)
    expected = _scalar(store, "SELECT COUNT(*) FROM incident WHERE location_type = 'school'")
    listed = api.get("/api/v1/incidents", params={"place_type": "school"}).json()
    assert listed["total"] == expected == 2
    assert {i["location_type"] for i in listed["items"]} == {"school"}
    page = client(store)
    sign_in(page, "admin")
    html = page.get("/incidents", params={"place_type": "school"}).text
    assert f"{expected} incidents" in html
    assert 'value="school" selected' in html


def test_16_1_1_grouped_by_place_type_equals_raw_sql(store: sa.Engine) -> None:
    api = _api(store)
    rows = _records(api, "/api/v1/indicators/sdg-16-1-1", period="2024", by="place_type")
    got = {r["place_type"]: r["victims"] for r in rows}
    with store.connect() as conn:
        expected = dict(conn.execute(sa.text("""
            SELECT COALESCE(i.location_type, 'not_recorded'), COUNT(*) FROM person p
            JOIN incident i ON i.id = p.incident_id
            WHERE p.role = 'victim' AND p.outcome = 'killed' AND i.iccs_code LIKE '0101%'
              AND i.attempted = :f AND i.occurred_on BETWEEN '2024-01-01' AND '2024-12-31'
            GROUP BY COALESCE(i.location_type, 'not_recorded')"""), {"f": False}).all())
    assert {k: v for k, v in got.items() if v} == expected
    assert expected["school"] == 3                     # c1's two victims and h1's
    assert set(got) >= {"dwelling", "school", "detention"}
    schools = _records(api, "/api/v1/indicators/sdg-16-1-1", period="2024", by="year",
                       place_type="school")
    assert schools[0]["victims"] == 3
    page = client(store)
    sign_in(page, "admin")
    html = page.get("/indicators", params={"id": "sdg-16-1-1", "period": "2024",
                                           "by": "place_type"}).text
    assert "Educational establishment" in html and "Place of detention" in html


def test_the_cli_counts_conflict_deaths_at_schools_by_cause(store: sa.Engine) -> None:
    from typer.testing import CliRunner

    from salus.cli.app import app

    url = store.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(app, ["indicators", "16.1.2", "--period", "2024", "--by", "cause",
                                      "--filter", "place_type=school", "--format", "csv",
                                      "--db", url])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    victims = {r["cause"]: int(r["victims"]) for r in rows}
    assert victims["heavy_weapons"] == _sql_conflict_deaths(
        store, "2024-01-01", "2024-12-31", "AND i.location_type = 'school'") == 2
    assert sum(victims.values()) == 2
