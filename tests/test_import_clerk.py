"""A police-station clerk imports the spreadsheet it holds (issue 13), on SQLite and PostgreSQL.

The clerk (data entry, bound to region R1) signs in, uploads a CSV on the import page, sees the
"Collecting agency" column listed as kept, sees the row of another region refused with its row,
column and value, commits, and finds the value on the incident's page; the same through the
API and the CLI. The batch and the audit event name the clerk.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from import_clerk_support import (
    AGENCY,
    STATION_CSV,
    STATION_MAPPING,
    incident_uid,
    observatory,
    token_of,
    visible_text,
)
from typer.testing import CliRunner
from web_support import client, sign_in

from salus.cli.app import app


@pytest.fixture
def store(engine: sa.Engine) -> sa.Engine:
    return observatory(engine)


def _preview(c, csrf: str, kind: str = "incidents", data: bytes = STATION_CSV,  # type: ignore[no-untyped-def]
             mapping_yaml: str = STATION_MAPPING, mapping: str = ""):
    return c.post("/imports/preview", files={"file": ("station.csv", data, "text/csv")},
                  data={"csrf_token": csrf, "kind": kind, "mapping_yaml": mapping_yaml,
                        "mapping": mapping})


def test_a_clerk_imports_the_rows_of_its_region_on_the_web_and_finds_the_kept_column(
        store: sa.Engine) -> None:
    c = client(store)
    csrf = sign_in(c, "clara")
    page = c.get("/imports")
    assert page.status_code == 200
    assert 'id="import-scope"' in page.text and "R1" in page.text
    assert '<option value="incidents">' in page.text
    assert '<option value="areas">' not in page.text          # reference data: not a clerk's
    r = _preview(c, csrf)
    assert r.status_code == 200
    assert "2 rows read, 1 records ready, 1 errors" in r.text
    assert f"<li>{AGENCY}</li>" in r.text                    # listed as a kept column
    errors = c.get(f"/imports/{token_of(r.text)}/errors.csv").text.splitlines()
    assert errors[1].startswith("3,District,R2-A,area.out_of_scope,")
    r = c.post(f"/imports/{token_of(r.text)}/commit", data={"csrf_token": csrf})
    assert "Nothing was written" in r.text and incident_uid(store, "S-1") is None
    r = _preview(c, csrf)
    r = c.post(f"/imports/{token_of(r.text)}/commit",
               data={"csrf_token": csrf, "skip_invalid": "on"})
    assert "1 new, 0 updated, 0 unchanged, 1 rejected rows" in r.text
    assert AGENCY in r.text.split('id="kept-columns"')[1].split("</p>")[0]
    assert incident_uid(store, "S-2") is None                 # the other region's row
    page = c.get(f"/incidents/{incident_uid(store, 'S-1')}").text
    assert "Other columns from the source file" in page
    assert f"{AGENCY} Station 7 North" in visible_text(page.split('id="source-attributes"')[1])


def test_the_clerk_is_named_by_the_batch_and_the_audit_event(store: sa.Engine) -> None:
    c = client(store)
    csrf = sign_in(c, "clara")
    r = _preview(c, csrf)
    c.post(f"/imports/{token_of(r.text)}/commit", data={"csrf_token": csrf, "skip_invalid": "on"})
    with store.connect() as conn:
        batch = conn.execute(sa.text("select id, actor, inserted, rejected from import_batch "
                                     "where file_name = 'station.csv'")).one()
        event = conn.execute(sa.text("select actor, after from audit_event where action = "
                                     "'import' and entity_id = :b"), {"b": str(batch.id)}).one()
    assert (batch.actor, batch.inserted, batch.rejected) == ("clara", 1, 1)
    after = event.after if isinstance(event.after, dict) else json.loads(event.after)
    assert event.actor == "clara" and after["unmapped_columns"] == [AGENCY]
    listed = c.get("/imports").text.split('id="batches"')[1]
    assert "clara" in listed and "station.csv" in listed


def test_a_clerk_may_not_import_areas_or_population_and_a_monitor_no_file(
        store: sa.Engine) -> None:
    c = client(store)
    csrf = sign_in(c, "clara")
    areas = b"code,name,parent,level\nR1-C,District C,R1,2\n"
    assert _preview(c, csrf, "areas", areas, "", "colombia-dane-departments").status_code == 403
    assert _preview(c, csrf, "population", b"area,year,population\nR1-A,2024,5\n", "",
                    "colombia-dane-population").status_code == 403
    monitor = client(store)
    sign_in(monitor, "monty")
    assert monitor.get("/imports").status_code == 403


def test_the_api_previews_the_kept_columns_and_the_scope_errors_then_commits(
        store: sa.Engine) -> None:
    c = client(store)
    csrf = sign_in(c, "clara")
    files = {"file": ("station.csv", STATION_CSV, "text/csv")}
    body = {"kind": "incidents", "mapping_yaml": STATION_MAPPING}
    dry = c.post("/api/v1/imports", files=files, data=body, headers={"X-CSRF-Token": csrf})
    assert dry.status_code == 200, dry.text
    assert dry.json()["unmapped_columns"] == [AGENCY]
    assert [(e["row"], e["column"], e["value"], e["code"]) for e in dry.json()["errors"]] == [
        (3, "District", "R2-A", "area.out_of_scope")]
    done = c.post("/api/v1/imports", files=files, headers={"X-CSRF-Token": csrf},
                  data=body | {"dry_run": "false", "skip_invalid": "true"}).json()
    assert (done["inserted"], done["rows_rejected"], done["unmapped_columns"]) == (1, 1, [AGENCY])
    record = c.get(f"/api/v1/incidents/{incident_uid(store, 'S-1')}").json()
    assert record["fields"]["source_attributes"] == {AGENCY: "Station 7 North"}


def test_the_cli_imports_as_the_clerk_with_its_scope(store: sa.Engine, db_url: str,
                                                     tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    source = tmp_path / "station.csv"
    source.write_bytes(STATION_CSV)
    mapping = tmp_path / "station.yaml"
    mapping.write_text(STATION_MAPPING, encoding="utf-8")
    runner = CliRunner()
    args = ["import", "incidents", str(source), "--mapping", str(mapping), "--db", db_url]
    refused = runner.invoke(app, [*args, "--user", "clara"], catch_exceptions=False)
    assert refused.exit_code == 1, refused.output
    assert "area.out_of_scope" in refused.output and AGENCY in refused.output
    report = (tmp_path / "station.csv.errors.csv").read_text(encoding="utf-8").splitlines()
    assert report[1].startswith("3,District,R2-A,area.out_of_scope,")
    done = runner.invoke(app, [*args, "--user", "clara", "--skip-invalid"],
                         catch_exceptions=False)
    assert done.exit_code == 0, done.output
    assert "1 inserted" in done.output
    monitor = runner.invoke(app, [*args, "--user", "monty"], catch_exceptions=False)
    assert monitor.exit_code == 2 and "does not import" in monitor.output
    with store.connect() as conn:
        kept = conn.execute(sa.text("select i.source_attributes from incident i join "
                                    "import_batch b on b.id = i.import_batch_id "
                                    "where b.actor = 'clara'")).scalar()
    assert (kept if isinstance(kept, dict) else json.loads(kept)) == {AGENCY: "Station 7 North"}


def test_a_reimport_keeps_the_columns_and_updates_a_changed_cell(store: sa.Engine) -> None:
    c = client(store)
    csrf = sign_in(c, "clara")
    only_r1 = b"\n".join(STATION_CSV.split(b"\n")[:2]) + b"\n"
    for data, expected in ((only_r1, "1 new, 0 updated, 0 unchanged"),
                           (only_r1, "0 new, 0 updated, 1 unchanged"),
                           (only_r1.replace(b"Station 7 North", b"Station 7 East"),
                            "0 new, 1 updated, 0 unchanged")):
        r = _preview(c, csrf, data=data)
        r = c.post(f"/imports/{token_of(r.text)}/commit", data={"csrf_token": csrf})
        assert expected in r.text, r.text[-2000:]
    page = visible_text(c.get(f"/incidents/{incident_uid(store, 'S-1')}").text)
    assert f"{AGENCY} Station 7 East" in page and "Station 7 North" not in page


def test_an_edit_on_the_form_keeps_the_source_columns(store: sa.Engine) -> None:
    c = client(store)
    csrf = sign_in(c, "clara")
    r = _preview(c, csrf)
    c.post(f"/imports/{token_of(r.text)}/commit", data={"csrf_token": csrf, "skip_invalid": "on"})
    uid = incident_uid(store, "S-1")
    r = c.put(f"/api/v1/incidents/{uid}", headers={"X-CSRF-Token": csrf},
              json={"occurred_on": "2024-03-05", "area_code": "R1-B", "iccs_code": "0101"})
    assert r.status_code == 200, r.text
    record = c.get(f"/api/v1/incidents/{uid}").json()["fields"]
    assert record["occurred_on"] == "2024-03-05"
    assert record["source_attributes"] == {AGENCY: "Station 7 North"}


def test_a_role_without_identities_does_not_see_the_source_columns(store: sa.Engine) -> None:
    clerk = client(store)
    csrf = sign_in(clerk, "clara")
    r = _preview(clerk, csrf)
    clerk.post(f"/imports/{token_of(r.text)}/commit",
               data={"csrf_token": csrf, "skip_invalid": "on"})
    monitor = client(store)
    sign_in(monitor, "monty")
    page = monitor.get(f"/incidents/{incident_uid(store, 'S-1')}").text
    assert "Station 7 North" not in page and 'id="identities-hidden"' in page
