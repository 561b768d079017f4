"""The indicator engine on SQLite and PostgreSQL, against figures computed by hand.

The fictional observatory is described in ``test_indicators_support.py``; each expected
number below can be checked against its table of incidents and its population.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from numpy.testing import assert_allclose
from support_db import BACKENDS
from test_indicators_support import observatory_store

from salus.analytics.indicators.result import IndicatorResult
from salus.usecases.indicators.compute import IndicatorRequestError, compute_indicator


@pytest.fixture(scope="module", params=BACKENDS)
def observatory(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[sa.Engine]:
    yield from observatory_store(request, tmp_path_factory)


# Garwood 95% limits of small counts (published: Ulm 1990, Table 1)
GARWOOD = {
    0: (0.0, 3.6889),
    1: (0.0253, 5.5716),
    2: (0.2422, 7.2247),
    5: (1.6235, 11.6683),
    8: (3.4538, 15.7632),
}


@pytest.fixture
def store(observatory: sa.Engine) -> sa.Engine:
    return observatory


def sdg(store: sa.Engine, **kwargs: Any) -> IndicatorResult:
    kwargs.setdefault("period", "2023")
    return compute_indicator(store, "sdg-16-1-1", **kwargs)


def test_it_computes_homicide_rates_by_municipality_as_computed_by_hand(store: sa.Engine) -> None:
    result = sdg(store, by="area")
    assert [r.group["area"] for r in result.rows] == ["XC0101", "XC0102", "XC0201"]
    alfa, beta, gamma = result.rows
    assert (alfa.incidents, alfa.victims, alfa.population) == (4, 5, 60_000)
    assert_allclose(alfa.rate, 5 / 60_000 * 1e5)
    assert_allclose([alfa.ci_low, alfa.ci_high], [v / 60_000 * 1e5 for v in GARWOOD[5]], rtol=1e-4)
    assert_allclose([alfa.count_ci_low, alfa.count_ci_high], GARWOOD[5], rtol=1e-4)
    assert (beta.victims, beta.population, beta.rate) == (2, 40_000, 5.0)
    assert (gamma.victims, gamma.population, gamma.rate) == (0, 50_000, 0.0)
    assert_allclose(gamma.ci_high, GARWOOD[0][1] / 50_000 * 1e5, rtol=1e-4)


def test_an_incident_located_above_the_grouping_level_is_reported_not_lost(
    store: sa.Engine,
) -> None:
    by_municipality = sdg(store, by="area")
    assert by_municipality.metadata["unplaced"] == {"incidents": 1, "victims": 1}
    by_department = sdg(store, by="area", level=1)
    assert by_department.metadata["unplaced"] == {"incidents": 0, "victims": 0}
    assert by_department.find(area="XC02").victims == 1


def test_departments_use_their_own_population_or_the_sum_of_their_municipalities(
    store: sa.Engine,
) -> None:
    result = sdg(store, by="area", level=1)
    norte, sur = result.find(area="XC01"), result.find(area="XC02")
    assert (norte.victims, norte.population, norte.rate) == (7, 100_000, 7.0)
    assert (sur.victims, sur.population, sur.rate) == (1, 50_000, 2.0)


def test_the_country_total_sums_municipalities_whatever_the_shape_of_their_population(
    store: sa.Engine,
) -> None:
    (country,) = sdg(store, by=[]).rows
    assert (country.incidents, country.victims, country.population) == (7, 8, 150_000)
    assert_allclose(country.rate, 8 / 150_000 * 1e5)
    assert_allclose(
        [country.ci_low, country.ci_high], [v / 150_000 * 1e5 for v in GARWOOD[8]], rtol=1e-4
    )


def test_rates_by_sex_use_sex_cells_and_stay_empty_where_only_totals_exist(
    store: sa.Engine,
) -> None:
    result = sdg(store, by="area,sex")
    alfa_f, alfa_m = (
        result.find(area="XC0101", sex="female"),
        result.find(area="XC0101", sex="male"),
    )
    assert (alfa_f.victims, alfa_f.population) == (2, 30_000)
    assert_allclose([alfa_f.rate, alfa_m.rate], [2 / 30_000 * 1e5, 3 / 30_000 * 1e5])
    assert result.find(area="XC0102", sex="female").rate == 5.0
    gamma_f = result.find(area="XC0201", sex="female")
    assert (gamma_f.victims, gamma_f.population, gamma_f.rate, gamma_f.ci_high) == (
        0,
        None,
        None,
        None,
    )
    unknown = result.find(area="XC0102", sex="unknown")
    assert (unknown.victims, unknown.rate) == (1, None)
    # the country has no female population: Gamma has totals only, so no rate (not a wrong one)
    assert sdg(store, by="sex").find(sex="female").rate is None


def test_age_bands_take_a_victims_whole_age_range_and_the_matching_band_cells(
    store: sa.Engine,
) -> None:
    result = sdg(store, by="sex,age_band", filters={"area": "XC0101"})
    assert result.find(sex="female", age_band="sdg:30-44").population == 6_000
    assert_allclose(result.find(sex="female", age_band="sdg:60+").rate, 1 / 2_000 * 1e5)
    assert_allclose(result.find(sex="male", age_band="sdg:15-29").rate, 1 / 9_000 * 1e5)
    unknown = result.find(sex="male", age_band="unknown")
    assert (unknown.victims, unknown.population, unknown.rate) == (1, None, None)
    assert result.find(sex="female", age_band="sdg:0-14").victims == 0
    assert sum(r.victims or 0 for r in result.rows) == 5


def test_a_filter_on_sex_and_age_band_uses_that_cell_as_the_denominator(store: sa.Engine) -> None:
    (row,) = sdg(
        store, by=[], filters={"area": "XC0101", "sex": "male", "age_band": "sdg:15-29"}
    ).rows
    assert (row.victims, row.population) == (1, 9_000)


def test_each_group_compares_with_the_previous_period(store: sa.Engine) -> None:
    result = sdg(store, by="area")
    alfa, beta, gamma = result.rows
    assert (alfa.previous, alfa.change, alfa.change_pct) == (2, 3, 150.0)
    assert (beta.previous, beta.change, beta.change_pct) == (0, 2, None)
    assert (gamma.previous, gamma.change, gamma.change_pct) == (1, -1, -100.0)
    assert result.metadata["previous_period"] == {
        "label": "2022",
        "start": "2022-01-01",
        "end": "2022-12-31",
    }


def test_monthly_rows_use_the_years_population_and_say_it_is_not_annualised(
    store: sa.Engine,
) -> None:
    result = sdg(store, by="month")
    assert [r.group["month"] for r in result.rows][:3] == ["2023-01", "2023-02", "2023-03"]
    january, _, march = result.rows[:3]
    assert (january.victims, january.previous) == (0, 1)  # December 2022 had incident I
    assert (march.victims, march.incidents, march.previous) == (2, 1, 1)
    assert march.population == 150_000
    assert_allclose(march.rate, 2 / 150_000 * 1e5)
    assert result.metadata["denominator"]["period_shorter_than_a_year"] is True
    assert "not annualised" in result.metadata["denominator"]["note"]
    annual = sdg(store, by="month", annualise=True)
    assert_allclose(annual.rows[2].rate, 2 / (150_000 * 31 / 365) * 1e5)


def test_a_quarter_is_compared_with_the_quarter_before(store: sa.Engine) -> None:
    (row,) = sdg(store, by=[], period="2023-Q1").rows
    assert (row.victims, row.previous) == (3, 1)  # A, B (2) vs I on 2022-12-31
    assert row.population == 150_000


def test_a_multi_year_period_uses_the_mean_population_and_counts_every_year(
    store: sa.Engine,
) -> None:
    (row,) = sdg(store, by=[], period="2022..2023").rows
    assert row.victims == 11
    # 2022: 60 000 + 38 000 + 48 000; 2023: 60 000 + 40 000 + 50 000; both 365 days
    assert_allclose(row.population, (146_000 + 150_000) / 2)
    by_year = sdg(store, by="year", period="2022..2023")
    assert [(r.group["year"], r.victims, r.population) for r in by_year.rows] == [
        ("2022", 3, 146_000),
        ("2023", 8, 150_000),
    ]


def test_public_output_hides_counts_from_one_to_four_and_shows_zero(store: sa.Engine) -> None:
    result = sdg(store, by="area", public=True)
    alfa, beta, gamma = result.rows
    assert (beta.victims, beta.rate, beta.ci_low, beta.count_ci_high, beta.suppressed) == (
        None,
        None,
        None,
        None,
        True,
    )
    assert beta.hidden_label("victims", 5) == "<5"
    # their complements (issue 15, item 3) read "c": alfa (5) beside beta in Norte, gamma (0)
    # beside the victim located in Sur itself, so neither is Norte or Sur minus the rest
    assert (alfa.victims, alfa.rate, alfa.suppressed) == (None, None, True)
    assert alfa.hidden_label("victims", 5) == gamma.hidden_label("victims", 5) == "c"
    assert alfa.incidents is None and alfa.previous is None  # 4 incidents, 2 before
    by_sex = sdg(store, by="area,sex", period="2022", public=True)
    male = by_sex.find(area="XC0102", sex="male")
    assert (male.victims, male.rate, male.suppressed) == (0, 0.0, False)
    stricter = sdg(store, by="area", public=True, suppression_threshold=6)
    assert stricter.rows[0].victims is None


def test_homicide_incidents_count_each_incident_once(store: sa.Engine) -> None:
    result = compute_indicator(store, "homicide-incidents", period="2023", by="area")
    alfa = result.find(area="XC0101")
    assert (alfa.incidents, alfa.victims) == (4, 5)
    assert_allclose(alfa.rate, 4 / 60_000 * 1e5)
    assert result.measure == "incidents"


def test_firearm_deaths_take_the_whole_firearm_subtree_by_context_and_sex(store: sa.Engine) -> None:
    result = compute_indicator(store, "firearm-deaths-by-context", period="2023")
    assert result.group_columns == ("misuse_context", "sex")
    assert result.find(misuse_context="crime", sex="female").victims == 1  # assault rifle
    assert result.find(misuse_context="crime", sex="male").victims == 1  # revolver
    assert result.find(misuse_context="domestic_violence", sex="male").victims == 1  # firearm
    assert result.find(misuse_context="suicide", sex="female").victims == 0
    assert sum(r.victims or 0 for r in result.rows) == 3


def test_user_filters_narrow_the_definition_and_cannot_contradict_it(store: sa.Engine) -> None:
    (row,) = sdg(store, by=[], filters={"weapon": "firearm"}).rows
    assert row.victims == 3  # A, C, F
    with pytest.raises(IndicatorRequestError, match="attempted"):
        sdg(store, filters={"attempted": True})
    with pytest.raises(IndicatorRequestError, match="unknown area code 'XX'"):
        sdg(store, filters={"area": "XX"})


def test_an_area_filter_keeps_its_subtree_and_its_own_rows(store: sa.Engine) -> None:
    result = sdg(store, by="area", filters={"area": "XC01"})
    assert [r.group["area"] for r in result.rows] == ["XC0101", "XC0102"]
    (norte,) = sdg(store, by=[], filters={"area": "XC01"}).rows
    assert (norte.victims, norte.population) == (7, 100_000)
    assert sdg(store, by=[], filters={"area": "XC01"}).metadata["area"] == "XC01"
