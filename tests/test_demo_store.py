"""The demo written to a real store (SQLite and PostgreSQL), its use case and its command.

Each build is small (a few hundred true events); the statistical properties are checked on a
larger demo in memory in ``test_demo_generator.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from salus.demo import StoreNotEmptyError, build_demo, clear_demo, stored_params
from salus.demo.observatory import DemoConflict, run_demo
from salus.domain.incidents.model import Area
from salus.storage import repository
from salus.storage import schema as t
from salus.storage.db import create_engine

SMALL = 400


def _count(conn: sa.Connection, table: sa.Table) -> int:
    return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def test_build_demo_writes_everything_and_the_same_seed_stores_the_same_content(
    engine: sa.Engine,
) -> None:
    summary = build_demo(engine, incidents=SMALL)
    assert summary.areas_by_level == (1, 6, 40, 250)
    assert summary.true_events == SMALL
    with engine.connect() as conn:
        assert _count(conn, t.area) == 297
        assert _count(conn, t.population) == summary.population_rows
        assert _count(conn, t.incident) == summary.records
        q = sa.select(t.incident_source.c.source_type, sa.func.count()).group_by(
            t.incident_source.c.source_type
        )
        assert dict(conn.execute(q).all()) == summary.records_by_source
        assert set(summary.records_by_source) == {"police", "forensic", "media"}
        assert stored_params(conn) == {"seed": 20240601, "incidents": SMALL, "years": [2020, 2024]}
    with engine.begin() as conn:
        clear_demo(conn)
        assert _count(conn, t.incident) == _count(conn, t.area) == _count(conn, t.person) == 0
    assert build_demo(engine, incidents=SMALL).digest == summary.digest


def test_the_demo_is_only_written_into_an_empty_store(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        repository.save_areas(conn, [Area("XX", "Elsewhere", 0)])
    with pytest.raises(StoreNotEmptyError):
        build_demo(engine, incidents=SMALL)
    with engine.begin() as conn, pytest.raises(StoreNotEmptyError):
        clear_demo(conn)
    with engine.connect() as conn:
        assert _count(conn, t.area) == 1


def test_run_demo_builds_once_keeps_the_demo_and_rebuilds_on_request(
    db_url: str, tmp_path: Path
) -> None:
    built = run_demo(db_url, incidents=SMALL, manifest_dir=tmp_path / "key")
    assert built.built and built.summary is not None
    assert {p.name for p in built.manifest_files} >= {"manifest.json", "records.csv"}
    kept = run_demo(db_url)
    assert not kept.built and kept.records_by_source == built.records_by_source
    assert kept.headline == built.headline
    with pytest.raises(DemoConflict):
        run_demo(db_url, seed=3)
    rebuilt = run_demo(db_url, seed=3, incidents=50, rebuild=True)
    assert rebuilt.built and rebuilt.params == {"seed": 3, "incidents": 50, "years": [2020, 2024]}


def test_the_headline_counts_homicide_victims_of_the_police_series_only(db_url: str) -> None:
    result = run_demo(db_url, incidents=SMALL)
    assert result.summary is not None
    manifest = result.summary.manifest
    events = {e["event_id"]: e for e in manifest.events}
    police = [r for r in manifest.records if r.source_type == "police"]
    expected = sum(
        events[r.event_id]["killed"]
        for r in police
        if events[r.event_id]["iccs"] == "0101" and r.recorded_date.startswith("2024")
    )
    line = result.headline
    assert line.year == 2024 and line.victims == expected == sum(line.by_sex.values())
    assert line.population is not None and 11_000_000 < line.population < 13_000_000
    assert line.rate == pytest.approx(expected / line.population * 100_000)


def test_run_demo_refuses_a_store_with_other_data(db_url: str) -> None:
    engine = create_engine(db_url)
    with engine.begin() as conn:
        repository.save_areas(conn, [Area("XX", "Elsewhere", 0)])
    engine.dispose()
    with pytest.raises(DemoConflict):
        run_demo(db_url, incidents=SMALL)
    with pytest.raises(DemoConflict):
        run_demo(db_url, incidents=SMALL, rebuild=True)


def test_salus_demo_builds_and_prints_the_headline(tmp_path: Path) -> None:
    from salus.cli import app

    url = f"sqlite:///{tmp_path / 'demo.db'}"
    runner = CliRunner()
    result = runner.invoke(
        app, ["demo", "--db", url, "--incidents", str(SMALL), "--no-serve",
              "--manifest", str(tmp_path / "key")]
    )
    assert result.exit_code == 0, result.output
    assert "Demo built" in result.output
    text = " ".join(result.output.split())
    assert "victims of intentional homicide in 2024 (police series)" in text
    assert "rate per 100,000" in text and "95% CI" in text
    assert (tmp_path / "key" / "record_persons.csv").is_file()
    again = runner.invoke(app, ["demo", "--db", url, "--seed", "9", "--no-serve"])
    assert again.exit_code == 1
    assert "--rebuild" in again.output
