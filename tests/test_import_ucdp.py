"""UCDP GED 19.1 Syria: areas from the adm_1/adm_2 names, one incident per event.

Expected values are computed from the CSV itself with the csv module (an independent reading).
58 events of GED 19.1 have a low estimate above the high one (mostly by one death): the domain
rule keeps them with a ``victims.inconsistent`` warning, so every event is imported and exactly
those events are reported.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa

from salus.ingestion.text import slug
from salus.storage import schema as t
from salus.storage.db import open_store
from salus.usecases.imports.files import ImportReport, import_file


@pytest.fixture(scope="module")
def ged_file() -> Path:
    from support_db import DATA_DIR

    path = DATA_DIR / "ucdp_ged_syria" / "ucdp_ged191_syria_slim.csv"
    if not path.is_file():
        pytest.skip(f"UCDP file not found at {path}")
    return path


@pytest.fixture(scope="module")
def events(ged_file: Path) -> list[dict[str, str]]:
    with ged_file.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def imported(tmp_path_factory, ged_file) -> tuple[sa.Engine, ImportReport, ImportReport]:
    engine = open_store(f"sqlite:///{tmp_path_factory.mktemp('ged') / 'salus.db'}")
    areas = import_file(engine, "areas", ged_file, "ucdp-ged-areas")
    incidents = import_file(engine, "incidents", ged_file, "ucdp-ged")
    yield engine, areas, incidents
    engine.dispose()


def test_the_area_tree_comes_from_the_country_and_admin_names(imported, events):
    engine, areas, _ = imported
    adm1 = {e["adm_1"] for e in events if e["adm_1"]}
    adm2 = {(e["adm_1"], e["adm_2"]) for e in events if e["adm_1"] and e["adm_2"]}
    assert areas.written and not areas.errors
    assert areas.inserted == 1 + len(adm1) + len(adm2)
    with engine.connect() as conn:
        codes = set(conn.execute(sa.select(t.area.c.code)).scalars())
    assert "syria/homs-governorate/ar-rastan-district" in codes
    assert {f"syria/{slug(a)}" for a in adm1} <= codes


def test_every_event_becomes_one_incident_and_incoherent_ranges_are_warned(imported, events):
    _, _, report = imported
    incoherent = {e["id"] for e in events if int(e["low"]) > int(e["high"])}
    assert len(incoherent) == 58
    assert report.written and report.rows_read == len(events)
    assert report.inserted == len(events)
    assert not report.errors and report.rows_rejected == 0
    low_warnings = [w for w in report.warnings if w.column == "low"]
    assert {w.code for w in low_warnings} == {"victims.inconsistent"}
    assert len(low_warnings) == len(incoherent)


def test_fatalities_dates_places_and_ids_follow_the_codebook(imported, events):
    engine, _, _ = imported
    kept = {e["id"]: e for e in events}
    with engine.connect() as conn:
        rows = conn.execute(sa.select(
            t.incident_source.c.record_id, t.incident.c.declared_killed, t.incident.c.killed_low,
            t.incident.c.killed_high, t.incident.c.iccs_code, t.incident.c.occurred_on,
            t.incident.c.date_precision, t.incident.c.location_precision,
            t.incident_source.c.source_name)
            .join(t.incident, t.incident.c.id == t.incident_source.c.incident_id)).all()
    assert {r.record_id for r in rows} == set(kept)
    assert sum(r.declared_killed for r in rows) == sum(int(e["best"]) for e in kept.values())
    assert {r.iccs_code for r in rows} == {"0107"}
    assert {r.source_name for r in rows} == {"UCDP GED 19.1"}
    where = {"1": "exact", "2": "settlement", "3": "admin2", "4": "admin1", "5": "unknown",
             "6": "country"}
    assert Counter(r.location_precision for r in rows) == Counter(
        where[e["where_prec"]] for e in kept.values())
    one = next(r for r in rows if r.record_id == "214797")
    assert (one.declared_killed, one.killed_low, one.killed_high) == (4, 4, 4)
    assert (one.occurred_on, one.date_precision) == (dt.date(2016, 1, 1), "day")


def test_every_stored_period_holds_the_events_date_range(imported, events):
    engine, _, _ = imported
    kept = {e["id"]: e for e in events}
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(t.incident_source.c.record_id, t.incident.c.occurred_on,
                      t.incident.c.occurred_until, t.incident.c.date_precision)
            .join(t.incident, t.incident.c.id == t.incident_source.c.incident_id)).all()
    for r in rows:
        event = kept[r.record_id]
        start, end = (dt.date.fromisoformat(event[k]) for k in ("date_start", "date_end"))
        assert r.occurred_on <= start and end <= r.occurred_until, event["id"]
    ranged = [r for r in rows if kept[r.record_id]["date_start"] != kept[r.record_id]["date_end"]]
    assert ranged and all(r.date_precision != "day" for r in ranged)
