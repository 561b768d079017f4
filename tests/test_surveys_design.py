"""Survey designs and estimates from the user's side: bad input, domains, flags, intervals.

The figures themselves are checked against R in tests/test_surveys_reference.py; here: the
errors a user gets (naming the column, row and value, the data left unchanged), what the
tidy frame holds, and behaviour R does not define (Wilson intervals at 0, flags).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy import stats

from salus.analytics.surveys import (
    ReplicateDesign,
    SurveyDesign,
    SurveyDesignError,
    Thresholds,
    calibrate,
    mean,
    proportion,
    quantile,
    total,
)
from salus.analytics.surveys.quantiles import weighted_quantile

REFERENCE = Path(__file__).parent / "reference" / "survey_reference.json"


@pytest.fixture(scope="module")
def api() -> dict[str, pd.DataFrame]:
    data = json.loads(REFERENCE.read_text(encoding="utf-8"))["data"]
    return {name: pd.DataFrame(columns) for name, columns in data.items()}


def small_survey() -> pd.DataFrame:
    return pd.DataFrame({
        "stratum": ["A", "A", "A", "A", "B", "B", "B", "B"],
        "psu": [1, 1, 2, 2, 3, 3, 4, 4],
        "w": [10.0, 12.0, 9.0, 11.0, 20.0, 18.0, 22.0, 25.0],
        "victim": [0, 1, 0, 0, 1, 0, 0, 1],
        "area": ["N", "S", "N", "S", "N", "S", "N", "S"],
        "sex": ["F", "F", "M", "M", "F", "M", "F", "M"],
    })


def test_a_missing_weight_is_an_error_naming_the_column_and_row() -> None:
    frame = small_survey()
    frame.loc[5, "w"] = np.nan
    with pytest.raises(SurveyDesignError, match=r"weights column 'w', row 5: nan is missing"):
        SurveyDesign.from_frame(frame, weights="w", strata="stratum", psu="psu")


def test_a_non_positive_weight_is_an_error_naming_the_row_and_value() -> None:
    frame = small_survey()
    frame.loc[2, "w"] = -3.5
    before = frame.copy()
    with pytest.raises(SurveyDesignError, match=r"weights column 'w', row 2: -3.5 is not a "
                                                r"positive weight"):
        SurveyDesign.from_frame(frame, weights="w", strata="stratum", psu="psu")
    pd.testing.assert_frame_equal(frame, before)


def test_a_psu_in_two_strata_is_an_error_unless_nest_is_true() -> None:
    frame = small_survey()
    frame["psu"] = [1, 1, 2, 2, 1, 1, 2, 2]  # ids restart in each stratum
    with pytest.raises(SurveyDesignError, match=r"PSU 1 \(row 0\) is in strata 'A', 'B' of "
                                                r"column 'stratum'.*nest=True"):
        SurveyDesign.from_frame(frame, weights="w", strata="stratum", psu="psu")
    nested = SurveyDesign.from_frame(frame, weights="w", strata="stratum", psu="psu", nest=True)
    original = SurveyDesign.from_frame(small_survey(), weights="w", strata="stratum", psu="psu")
    assert_allclose(mean(nested, "victim")["se"], mean(original, "victim")["se"], rtol=1e-12)


def test_a_stratum_with_one_psu_fails_by_default_naming_the_stratum(
        api: dict[str, pd.DataFrame]) -> None:
    with pytest.raises(SurveyDesignError, match=r"stratum 'H' of column 'stype' has only one "
                                                r"PSU at stage 1"):
        SurveyDesign.from_frame(api["lonely"], weights="pw", strata="stype", fpc="fpc")
    removed = SurveyDesign.from_frame(api["lonely"], weights="pw", strata="stype", fpc="fpc",
                                      lonely_psu="remove")
    adjusted = SurveyDesign.from_frame(api["lonely"], weights="pw", strata="stype", fpc="fpc",
                                       lonely_psu="adjust")
    assert mean(adjusted, "api00")["se"].item() > mean(removed, "api00")["se"].item()


def test_an_fpc_smaller_than_the_sample_is_an_error_naming_row_and_sizes() -> None:
    frame = small_survey()
    frame["N"] = [100, 100, 100, 100, 1, 1, 1, 1]
    with pytest.raises(SurveyDesignError, match=r"fpc column 'N', row 4: population size 1 is "
                                                r"smaller than the 2 units sampled"):
        SurveyDesign.from_frame(frame, weights="w", strata="stratum", psu="psu", fpc="N")


def test_fpc_mixing_sizes_and_fractions_is_an_error() -> None:
    frame = small_survey()
    frame["N"] = [100, 100, 100, 100, 0.5, 0.5, 0.5, 0.5]
    with pytest.raises(SurveyDesignError, match="all population sizes"):
        SurveyDesign.from_frame(frame, weights="w", strata="stratum", psu="psu", fpc="N")


def test_an_fpc_given_as_fractions_equals_one_given_as_population_sizes(
        api: dict[str, pd.DataFrame]) -> None:
    frame = api["strat"].copy()
    frame["fraction"] = frame.groupby("stype")["stype"].transform("size") / frame["fpc"]
    sizes = SurveyDesign.from_frame(frame, weights="pw", strata="stype", fpc="fpc")
    fractions = SurveyDesign.from_frame(frame, weights="pw", strata="stype", fpc="fraction")
    assert_allclose(mean(fractions, "api00")["se"], mean(sizes, "api00")["se"], rtol=1e-12)


def test_a_missing_value_is_an_error_unless_left_out(api: dict[str, pd.DataFrame]) -> None:
    design = SurveyDesign.from_frame(api["clus2"], psu=["dnum", "snum"], fpc=["fpc1", "fpc2"])
    row = int(np.flatnonzero(api["clus2"]["enroll"].isna())[0])
    with pytest.raises(SurveyDesignError, match=rf"column 'enroll', row {row}: .* is missing"):
        mean(design, "enroll")
    result = mean(design, "enroll", na_rm=True)
    assert result["n_unweighted"].item() == api["clus2"]["enroll"].notna().sum()


def test_domains_cross_any_columns_and_leave_out_rows_with_a_missing_domain() -> None:
    frame = small_survey()
    frame.loc[0, "area"] = None
    design = SurveyDesign.from_frame(frame, weights="w", strata="stratum", psu="psu")
    result = total(design, "victim", by=["area", "sex"])
    assert list(result.columns[:3]) == ["area", "sex", "variable"]
    assert list(zip(result["area"], result["sex"], strict=True)) == [
        ("N", "F"), ("N", "M"), ("S", "F"), ("S", "M")]
    assert result["n_unweighted"].sum() == 7
    victims = frame[frame["victim"] == 1].groupby(["area", "sex"])["w"].sum()
    assert result.set_index(["area", "sex"])["estimate"].loc[("S", "F")] == victims[("S", "F")]


def test_estimates_from_few_respondents_or_a_large_cv_are_suppressed_or_flagged(
        api: dict[str, pd.DataFrame]) -> None:
    design = SurveyDesign.from_frame(api["strat"], weights="pw", strata="stype", fpc="fpc")
    result = proportion(design, "high", by="stype").set_index("stype")
    cv = result["se"] / result["estimate"]
    assert_allclose(result["cv"], cv)
    assert (result["suppressed"] == (cv > 0.3)).all()  # n is 100, 50, 50: above min_n
    assert (result["flagged"] == (~result["suppressed"] & (cv > 0.2))).all()
    lenient = Thresholds(min_n=60, flag_n=150, max_cv=10.0, flag_cv=5.0)
    strict = proportion(design, "high", by="stype", thresholds=lenient).set_index("stype")
    assert strict["suppressed"].to_dict() == {"E": False, "H": True, "M": True}  # n < 60
    assert strict["flagged"].to_dict() == {"E": True, "H": False, "M": False}  # 100 < 150
    assert strict["estimate"].notna().all()  # suppressed rows keep their figures


def test_a_proportion_of_zero_gets_a_wilson_interval_with_width() -> None:
    frame = pd.DataFrame({"y": np.zeros(40), "w": np.ones(40)})
    design = SurveyDesign.from_frame(frame, weights="w")
    result = proportion(design, "y", method="wilson", df="normal")
    exact = stats.binomtest(0, 40).proportion_ci(0.95, method="wilson")
    assert result["estimate"].item() == 0.0
    assert_allclose([result["ci_low"].item(), result["ci_high"].item()],
                    [exact.low, exact.high], atol=1e-15, rtol=1e-12)


def test_categorical_proportions_give_one_row_per_category(api: dict[str, pd.DataFrame]) -> None:
    design = SurveyDesign.from_frame(api["clus1"], weights="pw", psu="dnum", fpc="fpc")
    result = proportion(design, "awards")
    assert list(result["category"]) == ["No", "Yes"]
    assert_allclose(result["estimate"].sum(), 1.0)
    assert_allclose(result["se"].iloc[0], result["se"].iloc[1])


def test_the_weighted_quantile_is_the_inverse_of_the_weighted_distribution() -> None:
    rng = np.random.default_rng(14)
    x = rng.integers(0, 30, 301).astype(float)
    for p in (0.0, 0.1, 0.25, 0.5, 0.9, 1.0):
        assert weighted_quantile(x, np.ones(x.size), p) == np.quantile(
            x, p, method="inverted_cdf")
    assert weighted_quantile(np.array([1.0, 2.0, 3.0, 4.0]), np.ones(4), 0.5) == 2.0


def test_quantiles_by_domain_give_one_row_per_domain_and_probability(
        api: dict[str, pd.DataFrame]) -> None:
    design = SurveyDesign.from_frame(api["strat"], weights="pw", strata="stype", fpc="fpc")
    result = quantile(design, "api00", [0.25, 0.75], by="stype")
    assert list(zip(result["stype"], result["quantile"], strict=True)) == [
        ("E", 0.25), ("H", 0.25), ("M", 0.25), ("E", 0.75), ("H", 0.75), ("M", 0.75)]
    assert (result["ci_low"] <= result["estimate"]).all()
    assert (result["estimate"] <= result["ci_high"]).all()


def test_calibration_reproduces_the_population_totals(api: dict[str, pd.DataFrame]) -> None:
    design = SurveyDesign.from_frame(api["clus1"], weights="pw", psu="dnum", fpc="fpc")
    margins = {"stype": {"E": 4421, "H": 755, "M": 1018},
               "sch.wide": {"No": 1072, "Yes": 5122}}
    raked = calibrate(design, margins, method="raking", epsilon=1e-9)
    counts = pd.Series(raked.weights).groupby(api["clus1"]["stype"].to_numpy()).sum()
    assert_allclose(counts.to_numpy(), [4421, 755, 1018], rtol=1e-9)
    assert_allclose(raked.weights[api["clus1"]["sch.wide"].to_numpy() == "Yes"].sum(), 5122,
                    rtol=1e-9)
    linear = calibrate(design, {"stype": margins["stype"], "api99": 3914069}, method="linear")
    assert_allclose(total(linear, "api99")["estimate"].item(), 3914069, rtol=1e-12)
    assert total(linear, "api99")["se"].item() < 1e-6 * 3914069


def test_calibration_errors_name_the_cell_and_leave_the_design_unchanged(
        api: dict[str, pd.DataFrame]) -> None:
    design = SurveyDesign.from_frame(api["clus1"], weights="pw", psu="dnum", fpc="fpc")
    weights = design.weights.copy()
    cells = pd.DataFrame({"stype": ["E", "M"], "total": [4421, 1018]})
    with pytest.raises(SurveyDesignError, match=r"cell H of \['stype'\] has no population total"):
        calibrate(design, cells, method="poststratify")
    with pytest.raises(SurveyDesignError, match="inconsistent"):
        calibrate(design, {"(Intercept)": 6000, "stype": {"E": 4421, "H": 755, "M": 1018}},
                  method="linear")
    assert_allclose(design.weights, weights)


def test_replicate_designs_refuse_what_their_method_cannot_use(
        api: dict[str, pd.DataFrame]) -> None:
    strat = SurveyDesign.from_frame(api["strat"], weights="pw", strata="stype", fpc="fpc")
    with pytest.raises(SurveyDesignError, match="JK1 is for unstratified designs"):
        ReplicateDesign.from_design(strat, "JK1")
    with pytest.raises(SurveyDesignError, match="BRR needs two PSUs per stratum"):
        ReplicateDesign.from_design(strat, "BRR")


def test_a_seeded_bootstrap_is_reproducible_and_close_to_the_jackknife(
        api: dict[str, pd.DataFrame]) -> None:
    design = SurveyDesign.from_frame(api["clus1"], weights="pw", psu="dnum", fpc="fpc")
    first = mean(ReplicateDesign.from_design(design, "bootstrap", replicates=200, seed=7),
                 "api00")
    again = mean(ReplicateDesign.from_design(design, "bootstrap", replicates=200, seed=7),
                 "api00")
    jackknife = mean(ReplicateDesign.from_design(design, "JK1"), "api00")
    assert first["se"].item() == again["se"].item()
    assert first["estimate"].item() == jackknife["estimate"].item()
    assert 0.7 < first["se"].item() / jackknife["se"].item() < 1.3


def test_selection_probabilities_give_the_estimates_of_their_inverse_weights() -> None:
    frame = small_survey()
    frame["p"] = 1.0 / frame["w"]
    by_probs = SurveyDesign.from_frame(frame, probs="p", strata="stratum", psu="psu")
    by_weights = SurveyDesign.from_frame(frame, weights="w", strata="stratum", psu="psu")
    assert_allclose(mean(by_probs, "victim")[["estimate", "se"]].to_numpy(),
                    mean(by_weights, "victim")[["estimate", "se"]].to_numpy(), rtol=1e-12)
    frame.loc[3, "p"] = 1.5
    with pytest.raises(SurveyDesignError, match=r"probs column 'p', row 3: probability 1.5"):
        SurveyDesign.from_frame(frame, probs="p", strata="stratum", psu="psu")


def test_an_unknown_lonely_psu_option_is_an_error_listing_the_options() -> None:
    with pytest.raises(SurveyDesignError, match="fail, remove, adjust, average, certainty"):
        SurveyDesign.from_frame(small_survey(), weights="w", lonely_psu="drop")  # type: ignore[arg-type]
