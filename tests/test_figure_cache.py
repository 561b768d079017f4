"""Figures reused until the data change (issue 11): :mod:`salus.usecases.cache`.

The cache itself (bounded, single-flight, copies, failures not kept), then each cached figure on
SQLite and PostgreSQL: a second call is a hit (the cache's counter, not timing); after a write
through a real use case (an incident saved, a citizen report verified, a tension report, a
survey wave imported) the next call recomputes and shows the new figure; viewers of different
scopes (national analyst, monitor bound to R1, public) get their own results.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from citizen_reports_support import lift_limits, submit
from support_db import new_store
from surveys_support import ROLES, SAFE_4, kobo_csv, sample, xlsform
from web_support import add_cast, seed

from salus.domain.accounts.roles import PUBLIC_VIEWER, SYSTEM_VIEWER, Viewer
from salus.domain.surveys.design import DesignSpec
from salus.storage.alerts import TENSION_THEMES
from salus.usecases import cache, warm
from salus.usecases.alerts import clusters, hotspots, tension
from salus.usecases.citizen_reports import review
from salus.usecases.incidents.write import create_incident
from salus.usecases.indicators import dashboard, protection
from salus.usecases.indicators.compute import compute_indicator
from salus.usecases.indicators.dashboard import DashboardFilter
from salus.usecases.plans.community_page import community_page
from salus.usecases.surveys import data, design, forms
from salus.usecases.surveys import panel as survey_panel

ANA = Viewer.for_role("ana", "analyst")
SPEC = DesignSpec(weights="weight", strata="stratum", ids=("psu",))


# ---------------------------------------------------------------- the cache alone

def test_a_second_look_up_of_a_key_is_a_hit_and_computes_nothing() -> None:
    c = cache.FigureCache("t-hit")
    calls: list[int] = []

    def compute(value: int) -> int:
        calls.append(value)
        return value

    assert c.get("k", lambda: compute(41)) == 41
    assert c.get("k", lambda: compute(42)) == 41
    assert calls == [41] and (c.hits, c.misses) == (1, 1)


def test_fifty_concurrent_callers_of_a_cold_key_compute_it_once() -> None:
    c = cache.FigureCache("t-flight")
    release = threading.Event()
    calls: list[int] = []
    results: list[object] = []

    def compute() -> object:
        calls.append(1)
        release.wait(10)
        return object()

    threads = [threading.Thread(target=lambda: results.append(c.get("cold", compute)))
               for _ in range(50)]
    for th in threads:
        th.start()
    release.set()
    for th in threads:
        th.join()
    assert len(calls) == 1
    assert len(results) == 50 and len({id(r) for r in results}) == 1
    assert (c.hits, c.misses) == (49, 1)


def test_the_least_recently_used_entry_goes_first_when_the_cache_is_full() -> None:
    c = cache.FigureCache("t-lru", max_entries=2)
    c.get("a", lambda: 1)
    c.get("b", lambda: 2)
    c.get("a", lambda: 0)  # a is now the most recent
    c.get("c", lambda: 3)
    assert c.peek("a") and c.peek("c") and not c.peek("b")


def test_entries_beyond_the_byte_bound_are_evicted() -> None:
    c = cache.FigureCache("t-bytes", max_entries=100, max_bytes=10, sizeof=len)
    c.get("a", lambda: "xxxxxx")
    c.get("b", lambda: "yyyyyy")
    assert not c.peek("a") and c.peek("b") and c.stats().size == 6


def test_a_failed_computation_is_not_kept_and_the_next_caller_computes_again() -> None:
    c = cache.FigureCache("t-fail")

    def boom() -> int:
        raise RuntimeError("no")

    with pytest.raises(RuntimeError):
        c.get("k", boom)
    assert not c.peek("k") and c.get("k", lambda: 7) == 7


def test_a_copying_cache_gives_each_caller_its_own_value() -> None:
    c = cache.FigureCache("t-copy", copy=True)
    first = c.get("k", lambda: {"count": [1, 2]})
    first["count"].append(99)
    assert c.get("k", lambda: {}) == {"count": [1, 2]}


def test_a_cache_of_no_entries_is_refused() -> None:
    with pytest.raises(ValueError, match="max_entries"):
        cache.FigureCache("t-zero", max_entries=0)


# ---------------------------------------------------------------- figures on both backends

@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def observatory(request: pytest.FixtureRequest) -> Iterator[sa.Engine]:
    """Country C → R1, R2 → four districts with polygons, 6 incidents a district a year in
    2023 and 2024, the cast (monty bound to R1). Tests write to it: they compare figures
    before and after their own write."""
    engine = new_store(request, request.param)
    seed(engine, per_district=6)
    add_cast(engine, scoped_area="R1")
    lift_limits(engine)
    yield engine
    engine.dispose()


@pytest.fixture(autouse=True)
def _store_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Indicators count on the store (no background mirror builds during these tests)."""
    monkeypatch.setenv("SALUS_ANALYTICS_MIRROR", "off")


def _monty(engine: sa.Engine) -> Viewer:
    with engine.connect() as conn:
        r1 = conn.scalar(sa.text("SELECT id FROM area WHERE code = 'R1'"))
    return Viewer.for_role("monty", "community_monitor", area_id=r1, area_code="R1")


def _homicide(engine: sa.Engine, area: str, day: str) -> None:
    create_incident(engine, SYSTEM_VIEWER, {
        "occurred_on": day, "area_code": area, "iccs_code": "0101", "source_type": "police",
        "source_name": "cache-test", "record_id": f"{area}-{day}-{_serial()}",
        "persons": [{"role": "victim", "sex": "male", "age": "40", "outcome": "killed"}]})


_COUNTER = iter(range(10**6))


def _serial() -> int:
    return next(_COUNTER)


def _stats(name: str) -> tuple[int, int]:
    s = cache.cache(name).stats()
    return s.hits, s.misses


def test_a_dashboard_panel_is_reused_then_recomputed_after_an_incident_is_saved(
        observatory: sa.Engine) -> None:
    f = dashboard.scoped(observatory, ANA, DashboardFilter(2024))
    first = dashboard.panel(observatory, ANA, f, "headline")
    hits, misses = _stats("dashboard-panel")
    again = dashboard.panel(observatory, ANA, f, "headline")
    assert _stats("dashboard-panel") == (hits + 1, misses)
    assert again.records() == first.records()
    _homicide(observatory, "R2-B", "2024-07-04")
    after = dashboard.panel(observatory, ANA, f, "headline")
    assert _stats("dashboard-panel")[1] == misses + 1
    assert after.rows[0].victims == first.rows[0].victims + 1  # type: ignore[operator]


def test_viewers_of_different_scopes_get_their_own_dashboard_panels(
        observatory: sa.Engine) -> None:
    monty = _monty(observatory)
    national = dashboard.scoped(observatory, ANA, DashboardFilter(2023))
    bound = dashboard.scoped(observatory, monty, DashboardFilter(2023))
    assert bound.area == "R1"
    _, misses = _stats("dashboard-panel")
    ana = dashboard.panel(observatory, ANA, national, "map")
    mon = dashboard.panel(observatory, monty, bound, "map")
    public = dashboard.panel(observatory, PUBLIC_VIEWER, national, "map")
    # the same filter as the analyst's, but a public viewer: its own (suppressed) entry
    assert _stats("dashboard-panel")[1] == misses + 3
    assert {r.group["area"] for r in mon.rows} <= {"R1", "R1-A", "R1-B"}
    assert {r.group["area"] for r in ana.rows} >= {"R2"}
    assert public.public and not ana.public
    # a second round is served from the cache, each viewer its own figure
    hits, _ = _stats("dashboard-panel")
    assert dashboard.panel(observatory, monty, bound, "map").records() == mon.records()
    assert dashboard.panel(observatory, PUBLIC_VIEWER, national, "map").public
    assert _stats("dashboard-panel")[0] == hits + 2


def test_a_cached_panel_cannot_be_altered_by_its_caller(observatory: sa.Engine) -> None:
    f = dashboard.scoped(observatory, ANA, DashboardFilter(2023))
    first = dashboard.panel(observatory, ANA, f, "sex")
    first.metadata["suppression"] = {"public": True}  # type: ignore[index]
    assert not dashboard.panel(observatory, ANA, f, "sex").public


def test_public_cubes_are_built_once_per_data_version(observatory: sa.Engine) -> None:
    request: dict[str, Any] = {"period": "2023", "by": [], "public": True,
                               "definitions": [dashboard.definitions_folder()]}
    first = compute_indicator(observatory, dashboard.INDICATOR, **request)
    hits, misses = _stats("public-cube")
    again = compute_indicator(observatory, dashboard.INDICATOR, **request)
    assert again.records() == first.records()
    assert _stats("public-cube") == (hits + 2, misses)  # this year's cube and last year's
    raw = {**request, "public": False}
    before = compute_indicator(observatory, dashboard.INDICATOR, **raw).rows[0].victims
    _homicide(observatory, "R1-A", "2023-03-03")
    after = compute_indicator(observatory, dashboard.INDICATOR, **request)
    assert _stats("public-cube")[1] == misses + 2
    # the small store's public cells are all withheld (month, sex... cells under 5 cascade),
    # so the new figure is checked against a recomputation and the unsuppressed count
    protection.clear()
    assert compute_indicator(observatory, dashboard.INDICATOR, **request).records() == \
        after.records()
    assert compute_indicator(observatory, dashboard.INDICATOR, **raw).rows[0].victims == \
        before + 1  # type: ignore[operator]


def test_on_the_analytical_mirror_a_cube_is_keyed_by_the_version_the_mirror_holds(
        observatory: sa.Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from salus.storage import versions
    from salus.usecases.indicators import mirror

    monkeypatch.setenv("SALUS_ANALYTICS_MIRROR", "sync")
    monkeypatch.setenv("SALUS_ANALYTICS_MIRROR_DIR", str(tmp_path / "mirror"))
    with mirror.open_current(observatory) as opened:
        assert opened is not None
        con = opened[0]  # the connection, then what the mirror module adds
        assert con.name == "duckdb"
        assert protection.data_versions(con) == versions.of_engine(observatory)


def test_hot_spots_are_reused_then_recomputed_and_kept_apart_per_scope(
        observatory: sa.Engine) -> None:
    start, end = dt.date(2024, 1, 1), dt.date(2024, 12, 31)
    first = hotspots.hotspots(observatory, ANA, 2, start, end)
    hits, misses = _stats("hotspots")
    assert hotspots.hotspots(observatory, ANA, 2, start, end) == first
    assert _stats("hotspots") == (hits + 1, misses)
    # monty's scope (R1) holds two districts: too few for Gi*, so nothing, not the analyst's
    assert hotspots.hotspots(observatory, _monty(observatory), 2, start, end) == {}
    assert _stats("hotspots")[1] == misses + 1
    _homicide(observatory, "R2-A", "2024-05-05")
    after = hotspots.hotspots(observatory, ANA, 2, start, end)
    assert after["R2-A"]["count"] == first["R2-A"]["count"] + 1


def test_clusters_are_reused_equal_a_recomputation_and_follow_a_verified_citizen_report(
        observatory: sa.Engine) -> None:
    first = clusters.clusters(observatory, ANA, level=2, days=730)
    hits, misses = _stats("clusters")
    assert clusters.clusters(observatory, ANA, level=2, days=730) == first
    assert _stats("clusters") == (hits + 1, misses)
    cache.cache("clusters").clear()
    assert clusters.clusters(observatory, ANA, level=2, days=730) == first  # fixed seed
    mine = clusters.clusters(observatory, _monty(observatory), level=2, days=730)
    assert mine.areas == 2 and first.areas == 4
    receipt = submit(observatory, f"cache-report-{observatory.dialect.name}-0001",
                     occurred_on="2024-12-30", area_code="R1-B")
    review.verify(observatory, ANA, review.report_id_for(observatory, receipt.reference),
                  iccs_code="0101")
    after = clusters.clusters(observatory, ANA, level=2, days=730)
    assert after.total == first.total + 1


def test_the_community_page_figures_are_reused_and_follow_a_new_incident(
        observatory: sa.Engine) -> None:
    public = community_page(observatory, PUBLIC_VIEWER, "R2")
    hits, misses = _stats("community-figures")
    again = community_page(observatory, PUBLIC_VIEWER, "R2")
    assert _stats("community-figures") == (hits + 1, misses)
    assert again.figures == public.figures and again.sections == public.sections
    # an analyst's page of the same area is computed for the analyst (no suppression)
    first = community_page(observatory, ANA, "R2")
    assert _stats("community-figures")[1] == misses + 1
    assert first.figures != public.figures
    _homicide(observatory, "R2-B", f"{first.year}-11-11")
    after = community_page(observatory, ANA, "R2")
    assert _stats("community-figures")[1] == misses + 2

    def total(page: Any) -> int:
        return next(int(f.count) for f in page.figures
                    if f.indicator == "sdg-16-1-1" and f.group_key is None)

    assert total(after) == total(first) + 1


def test_the_tension_index_is_reused_and_follows_a_new_report(observatory: sa.Engine) -> None:
    monty = _monty(observatory)
    scores = dict.fromkeys(TENSION_THEMES, 2)
    tension.submit(observatory, monty, "R1-A", dt.date(2024, 1, 1), scores)
    first = tension.index(observatory, monty)
    hits, misses = _stats("tension-index")
    assert tension.index(observatory, monty) == first
    assert _stats("tension-index") == (hits + 1, misses)
    tension.submit(observatory, ANA, "R2-A", dt.date(2024, 1, 1), dict.fromkeys(TENSION_THEMES,
                                                                                  4))
    assert [p.area_code for p in tension.index(observatory, monty)] == ["R1-A"]  # R1 only
    national = tension.index(observatory, ANA)
    assert {p.area_code for p in national} == {"R1-A", "R2-A"}


def test_the_survey_panel_is_reused_and_shows_a_newly_imported_wave(
        observatory: sa.Engine) -> None:
    code = f"CS{observatory.dialect.name[:2].upper()}"
    forms.create_survey(observatory, SYSTEM_VIEWER, forms.SurveySpec(code, "Safety", "C"))
    forms.import_form(observatory, SYSTEM_VIEWER, code, xlsform(), "safety.xlsx")
    data.import_data(observatory, SYSTEM_VIEWER, code, "2024",
                     [("export.csv", kobo_csv(sample(per_psu=10)))], ROLES)
    design.set_design(observatory, SYSTEM_VIEWER, code, "2024", SPEC)
    forms.set_indicator_mapping(observatory, SYSTEM_VIEWER, code, str(SAFE_4["indicator"]),
                                SAFE_4["mapping"])  # type: ignore[arg-type]
    first = [f for f in survey_panel.latest_figures(observatory, ANA) if f.survey == code]
    hits, misses = _stats("survey-panel")
    assert [f for f in survey_panel.latest_figures(observatory, ANA) if f.survey == code] == first
    assert _stats("survey-panel") == (hits + 1, misses)
    assert [f.wave for f in first] == ["2024"]
    data.import_data(observatory, SYSTEM_VIEWER, code, "2025",
                     [("export.csv", kobo_csv(sample(seed=15, per_psu=6)))], ROLES)
    design.set_design(observatory, SYSTEM_VIEWER, code, "2025", SPEC)
    after = [f for f in survey_panel.latest_figures(observatory, ANA) if f.survey == code]
    assert [f.wave for f in after] == ["2025"]
    assert after[0].row.n_unweighted != first[0].row.n_unweighted


def test_each_figure_key_names_the_viewers_scope_and_the_data_versions(
        observatory: sa.Engine) -> None:
    monty = _monty(observatory)
    a = cache.key("x", observatory, ("incidents",), cache.viewer_scope(ANA), 1)
    m = cache.key("x", observatory, ("incidents",), cache.viewer_scope(monty), 1)
    p = cache.key("x", observatory, ("incidents",), cache.viewer_scope(PUBLIC_VIEWER), 1)
    assert len({a, m, p}) == 3
    _homicide(observatory, "R1-A", "2024-02-02")
    assert cache.key("x", observatory, ("incidents",), cache.viewer_scope(ANA), 1) != a


def test_clearing_the_public_cubes_is_still_possible_for_tests() -> None:
    protection.clear()
    assert cache.cache("public-cube").stats().entries == 0


def test_the_warm_up_fills_the_public_dashboard_so_the_first_visitor_hits_the_cache(
        observatory: sa.Engine) -> None:
    _homicide(observatory, "R1-B", "2024-08-08")  # new data: nothing cached for it yet
    report = warm.warm(observatory, communities=False)
    assert report.failures == {} and len(report.timings) == 2
    f = dashboard.scoped(observatory, PUBLIC_VIEWER, DashboardFilter(
        dashboard.default_year(observatory)))
    hits, misses = _stats("dashboard-panel")
    for name in dashboard.PANELS:
        dashboard.panel(observatory, PUBLIC_VIEWER, f, name)
    assert _stats("dashboard-panel") == (hits + len(dashboard.PANELS), misses)


def test_salus_cache_warm_prints_the_figures_it_computed(observatory: sa.Engine) -> None:
    from typer.testing import CliRunner

    from salus.cli.app import app

    url = observatory.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(app, ["cache", "warm", "--db", url, "--no-communities"])
    assert result.exit_code == 0, result.output
    assert "public dashboard" in result.output and "analyst dashboard" in result.output


def test_two_in_memory_sqlite_stores_never_share_a_key() -> None:
    from sqlalchemy.pool import StaticPool

    from salus.storage import schema as t

    engines = [sa.create_engine("sqlite://", poolclass=StaticPool) for _ in range(2)]
    for engine in engines:
        t.data_version.create(engine)
        t.observatory_setting.create(engine)
    first, second = (cache.key("x", e, ("incidents",), None, 1) for e in engines)
    assert first != second
    assert cache.key("x", engines[0], ("incidents",), None, 1) == first
