"""The indicators' DuckDB mirror (issue 11): the same figures as the store, never stale.

Every figure computed on the mirror (``SALUS_ANALYTICS_MIRROR=sync``) must equal the figure
computed on the store itself (``off``): every shipped YAML indicator and the dashboard's
panels, with groupings, filters and public suppression, after any sequence of writes through
the real use cases (form saves, corrections, file imports, re-imports of a record), on SQLite
and PostgreSQL. A write moves the store's data version, so the mirror built before it is never
used after it.
"""

from __future__ import annotations

import csv
import datetime as dt
import threading
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from test_indicators_support import build_observatory
from typer.testing import CliRunner

from salus.analytics.indicators.result import IndicatorResult
from salus.domain.accounts.roles import SYSTEM_VIEWER, UserRole, Viewer
from salus.storage import schema as t
from salus.usecases.imports.files import import_file
from salus.usecases.incidents.write import create_incident, update_incident
from salus.usecases.indicators import dashboard, mirror, protection
from salus.usecases.indicators.compute import compute_indicator, list_indicators

AREAS = ("XC0101", "XC0102", "XC0201", "XC02")
MAPPING = """
name: mirror-test
kind: incidents
columns:
  record_id: id
  occurred_on: date
  area_code: area
  weapon: weapon
  sex: sex
  count: count
defaults:
  iccs_code: "0101"
  source_type: police
  source_name: Mirror test police
  outcome: killed
dates:
  formats: ["%Y-%m-%d"]
"""
REQUESTS: list[dict[str, Any]] = [
    {"period": "2023", "by": "area,sex,year"},
    {"period": "2022..2024", "by": "month"},
    {"period": "2023", "by": "sex,age_band", "filters": {"area": "XC01", "weapon": "firearm"}},
]
"""Asked of every indicator: 16.1.1's area × sex × year, by month, with filters."""


@pytest.fixture
def observatory(engine: sa.Engine, tmp_path: Path,
                monkeypatch: pytest.MonkeyPatch) -> sa.Engine:
    """The fictional observatory, its mirrors in this test's folder."""
    monkeypatch.setenv("SALUS_ANALYTICS_MIRROR_DIR", str(tmp_path / "mirror"))
    build_observatory(engine)
    return engine


def _both(monkeypatch: pytest.MonkeyPatch, engine: sa.Engine, indicator: str,
          **request: Any) -> tuple[IndicatorResult, IndicatorResult]:
    """(store, mirror) results of one request; the public cube cache is emptied between
    them so that the suppression really runs on each."""
    monkeypatch.setenv("SALUS_ANALYTICS_MIRROR", "off")
    protection.clear()
    stored = compute_indicator(engine, indicator, **request)
    monkeypatch.setenv("SALUS_ANALYTICS_MIRROR", "sync")
    protection.clear()
    mirrored = compute_indicator(engine, indicator, **request)
    monkeypatch.setenv("SALUS_ANALYTICS_MIRROR", "off")
    assert mirrored.metadata["backend"] == "duckdb"
    assert stored.metadata["backend"] in ("sqlite", "postgres")
    return stored, mirrored


def _same(stored: IndicatorResult, mirrored: IndicatorResult) -> None:
    assert mirrored.records() == stored.records()
    assert ({k: v for k, v in mirrored.metadata.items() if k != "backend"}
            == {k: v for k, v in stored.metadata.items() if k != "backend"})


def test_every_indicator_and_panel_reads_the_same_on_the_mirror_as_on_the_store(
        observatory: sa.Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    for definition in list_indicators():
        _same(*_both(monkeypatch, observatory, definition.id, **REQUESTS[0]))
    for request in REQUESTS[1:]:
        _same(*_both(monkeypatch, observatory, "sdg-16-1-1", **request))
        _same(*_both(monkeypatch, observatory, "homicide-incidents", **request))
    folder = [dashboard.definitions_folder()]
    for name, by in dashboard.PANELS.items():
        _same(*_both(monkeypatch, observatory, dashboard.INDICATOR, period="2023", by=by,
                     filters={"area": "XC01"} if name == "map" else None,
                     definitions=folder))


def test_a_public_answer_is_suppressed_alike_on_the_mirror(
        observatory: sa.Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    stored, mirrored = _both(monkeypatch, observatory, "sdg-16-1-1", period="2023",
                             by="area,sex", public=True)
    _same(stored, mirrored)
    assert any(row.suppressed for row in mirrored.rows)  # small counts are hidden


# --------------------------------------------------------------------- the property test

_victim = st.fixed_dictionaries({
    "role": st.just("victim"),
    "sex": st.sampled_from(["male", "female", "unknown"]),
    "age": st.sampled_from(["", "9", "17", "30", "64", "81"]),
    "outcome": st.sampled_from(["killed", "killed", "injured"]),
})
_incident = st.fixed_dictionaries({
    "occurred_on": st.dates(dt.date(2022, 11, 1), dt.date(2024, 2, 28)).map(str),
    "area_code": st.sampled_from(AREAS),
    "iccs_code": st.sampled_from(["0101", "0101", "0102", "02011"]),
    "weapon": st.sampled_from(["", "firearm", "sharp", "revolver_pistol"]),
    "iccs_context": st.sampled_from(["", "crime_related", "intimate_partner"]),
    "misuse_context": st.sampled_from(["", "crime", "armed_conflict"]),
    "source_type": st.sampled_from(["police", "forensic"]),
    "source_name": st.just("Mirror test"),
    "persons": st.lists(_victim, min_size=0, max_size=3),
})
_import_row = st.tuples(st.integers(1, 6), st.dates(dt.date(2023, 1, 1), dt.date(2023, 12, 31)),
                        st.sampled_from(AREAS), st.sampled_from(["firearm", "sharp", ""]),
                        st.sampled_from(["male", "female"]), st.integers(1, 3))
_write = st.one_of(
    st.tuples(st.just("create"), _incident),
    st.tuples(st.just("correct"), st.integers(0, 50), _incident),
    st.tuples(st.just("import"), st.lists(_import_row, min_size=1, max_size=4)),
)


def _apply(engine: sa.Engine, folder: Path, write: tuple[Any, ...]) -> None:
    """One write through the real use case: a form save, a correction of a stored record (its
    victims replaced: some removed), or a file import (a row id seen before re-imports and
    replaces that record)."""
    kind = write[0]
    if kind == "create":
        create_incident(engine, SYSTEM_VIEWER, write[1])
    elif kind == "correct":
        with engine.connect() as conn:
            uids = conn.execute(sa.select(t.incident.c.uid).order_by(t.incident.c.id)).scalars()
            known = list(uids)
        update_incident(engine, SYSTEM_VIEWER, known[write[1] % len(known)], write[2])
    else:
        path = folder / "rows.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            out = csv.writer(handle)
            out.writerow(["id", "date", "area", "weapon", "sex", "count"])
            for n, day, area, weapon, sex, count in write[1]:
                out.writerow([f"R{n}", day.isoformat(), area, weapon, sex, count])
        mapping = folder / "mapping.yaml"
        mapping.write_text(MAPPING, encoding="utf-8")
        report = import_file(engine, "incidents", path, mapping)
        assert not report.errors, report.errors


@settings(max_examples=3, derandomize=True, deadline=None, database=None,
          phases=[Phase.explicit, Phase.generate],  # no shrinking: an example takes seconds
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(writes=st.lists(_write, min_size=1, max_size=4))
def test_after_any_writes_the_mirror_gives_the_raw_computation_s_figures(
        observatory: sa.Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        writes: list[tuple[Any, ...]]) -> None:
    # examples accumulate on one store: each is a further sequence of writes
    for write in writes:
        _apply(observatory, tmp_path, write)
    for request in REQUESTS:
        _same(*_both(monkeypatch, observatory, "sdg-16-1-1", **request))
    _same(*_both(monkeypatch, observatory, "sdg-16-1-2", **REQUESTS[0]))
    _same(*_both(monkeypatch, observatory, "homicide-incidents", **REQUESTS[1]))
    _same(*_both(monkeypatch, observatory, dashboard.INDICATOR, period="2023",
                 by=["iccs_context"], definitions=[dashboard.definitions_folder()]))
    # public answers: test_a_public_answer_is_suppressed_alike_on_the_mirror (a cube each)


# ------------------------------------------------------------------------ never stale


def test_after_a_write_the_stale_mirror_is_not_used_and_is_rebuilt_in_the_background(
        observatory: sa.Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    built = mirror.build(observatory)
    monkeypatch.setenv("SALUS_ANALYTICS_MIRROR", "on")
    first = compute_indicator(observatory, "sdg-16-1-1", period="2023", by=[])
    assert first.metadata["backend"] == "duckdb"
    create_incident(observatory, SYSTEM_VIEWER, {
        "occurred_on": "2023-06-01", "area_code": "XC0102", "iccs_code": "0101",
        "source_type": "police", "source_name": "t", "record_id": "new",
        "persons": [{"role": "victim", "sex": "male", "age": "40", "outcome": "killed"}]})
    stale = compute_indicator(observatory, "sdg-16-1-1", period="2023", by=[])
    assert stale.metadata["backend"] in ("sqlite", "postgres")  # not the old copy
    assert stale.rows[0].victims == (first.rows[0].victims or 0) + 1
    mirror.wait_for_refresh()
    fresh = compute_indicator(observatory, "sdg-16-1-1", period="2023", by=[])
    assert fresh.metadata["backend"] == "duckdb"
    assert fresh.records() == stale.records()
    again = compute_indicator(observatory, "sdg-16-1-1", period="2023", by=[])
    assert again.rows is fresh.rows  # kept for this data version: not computed again
    assert first.rows is not fresh.rows  # the result kept before the write was not reused
    assert not built.path.exists()  # the older version was removed
    assert len(list(built.path.parent.glob("*.duckdb"))) == 1


def test_the_mirror_is_off_when_the_setting_says_so(
        observatory: sa.Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    mirror.build(observatory)
    monkeypatch.setenv("SALUS_ANALYTICS_MIRROR", "off")
    result = compute_indicator(observatory, "sdg-16-1-1", period="2023", by=[])
    assert result.metadata["backend"] in ("sqlite", "postgres")
    monkeypatch.setenv("SALUS_ANALYTICS_MIRROR", "fast")
    with pytest.raises(mirror.MirrorError, match="SALUS_ANALYTICS_MIRROR='fast'"):
        compute_indicator(observatory, "sdg-16-1-1", period="2023", by=[])


def test_builders_racing_for_one_version_make_one_file(
        observatory: sa.Engine) -> None:
    results: list[mirror.MirrorFile] = []
    threads = [threading.Thread(target=lambda: results.append(mirror.build(observatory)))
               for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({r.path for r in results}) == 1
    assert sum(1 for r in results if r.rows) == 1  # one built it, the others found it built
    files = sorted(p.name for p in results[0].path.parent.iterdir())
    assert files == sorted([results[0].path.name, results[0].path.name.split("-i")[0] + ".lock"])


# --------------------------------------------------------------------- scope and roles


def _panel(engine: sa.Engine, viewer: Viewer, f: dashboard.DashboardFilter,
           name: str) -> IndicatorResult:
    """The computation of :func:`dashboard.panel` (whose result may be kept in a cache)."""
    return compute_indicator(
        engine, dashboard.INDICATOR, period=str(f.year), by=dashboard.PANELS[name],
        filters=dashboard._filters(f), level=f.level if name == "map" else None,
        public=viewer.public, definitions=[dashboard.definitions_folder()])


@pytest.mark.parametrize("role", [UserRole.ANALYST, UserRole.PUBLIC])
def test_a_viewer_bound_to_an_area_sees_the_same_panels_on_the_mirror(
        observatory: sa.Engine, monkeypatch: pytest.MonkeyPatch, role: UserRole) -> None:
    with observatory.connect() as conn:
        norte = conn.execute(sa.select(t.area.c.id).where(t.area.c.code == "XC01")).scalar()
    bound = Viewer.for_role("ana", role, area_id=norte, area_code="XC01")
    everywhere = Viewer.for_role("eve", role)
    shown: dict[str, list[Any]] = {}
    for viewer in (bound, everywhere):
        f = dashboard.scoped(observatory, viewer, dashboard.DashboardFilter(year=2023,
                                                                            area="XC02"))
        # a public panel builds suppression cubes (dozens of runs): one is enough here
        for name in dashboard.PANELS if role is UserRole.ANALYST else ("headline",):
            results = []
            protection.clear()  # the mirror may reuse the store's public cube: same data
            for setting in ("off", "sync"):
                monkeypatch.setenv("SALUS_ANALYTICS_MIRROR", setting)
                results.append(_panel(observatory, viewer, f, name))
            assert results[1].metadata["backend"] == "duckdb"
            _same(*results)
            shown[f"{viewer.username}/{name}"] = results[1].records()
    # the bound viewer asked for Sur and got Norte: its scope, on the mirror too
    assert shown["ana/headline"] != shown["eve/headline"]
    assert set(shown) >= {"ana/headline", "eve/headline"}


# ------------------------------------------------------------------------------ the CLI


@pytest.mark.parametrize("backend", ["sqlite"])
def test_salus_indicators_mirror_builds_the_copy_then_says_it_is_current(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, backend: str) -> None:
    from salus.cli.app import app
    from salus.storage.db import open_store

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    engine = open_store(url)
    build_observatory(engine)
    engine.dispose()
    monkeypatch.delenv("SALUS_ANALYTICS_MIRROR_DIR", raising=False)
    runner = CliRunner()
    first = runner.invoke(app, ["indicators", "mirror", "--db", url])
    assert first.exit_code == 0, first.output
    assert "Built" in first.output and "incident 12" in first.output.replace(",", "")
    assert len(list((tmp_path / "cli.db.mirror").glob("*.duckdb"))) == 1
    again = runner.invoke(app, ["indicators", "mirror", "--db", url])
    assert again.exit_code == 0 and "Already current" in again.output
