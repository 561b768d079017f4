"""Surveys through the use cases, on SQLite and PostgreSQL: form, data, design, estimates.

Figures are checked against the estimator run directly on the generated sample (the frame
a user would build by hand), so the store, the frame and the mapping are what is tested.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from surveys_support import ROLES, SAFE_4, frame, kobo_csv, kobo_xlsx, sample, xlsform
from web_support import seed

from salus.analytics.surveys.design import SurveyDesign
from salus.analytics.surveys.estimators import proportion
from salus.domain.accounts.roles import SYSTEM_VIEWER, Viewer
from salus.domain.surveys.design import DesignSpec
from salus.storage.surveys import schema as s
from salus.usecases.errors import NotFound, PermissionDenied, ValidationFailed
from salus.usecases.surveys import data, design, estimates, forms

ADMIN = SYSTEM_VIEWER
SPEC = DesignSpec(weights="weight", strata="stratum", ids=("psu",))


def _survey(engine: sa.Engine, waves: dict[str, float] | None = None) -> None:
    seed(engine, per_district=1)
    forms.create_survey(engine, ADMIN, forms.SurveySpec("CSS", "Community safety", "C"))
    forms.import_form(engine, ADMIN, "CSS", xlsform(), "safety.xlsx")
    for label, shift in (waves or {"2024": 0.0}).items():
        s_ = sample(seed=14 if shift == 0 else 15, shift=shift)
        report = data.import_data(engine, ADMIN, "CSS", label, [("export.csv", kobo_csv(s_))],
                                  ROLES)
        assert report.written and report.errors == (), report.errors[:3]
        design.set_design(engine, ADMIN, "CSS", label, SPEC)
    forms.set_indicator_mapping(engine, ADMIN, "CSS", SAFE_4["indicator"], SAFE_4["mapping"])


def _expected(by: list[str], seed_: int = 14, shift: float = 0.0) -> pd.DataFrame:
    df = frame(sample(seed=seed_, shift=shift))
    df["y"] = df["safe_walk"].isin(["very_safe", "fairly_safe"]).astype(float)
    d = SurveyDesign.from_frame(df, weights="weight", strata="stratum", psu="cluster")
    return proportion(d, "y", by=by or None)


def test_sdg_16_1_4_by_sex_equals_the_estimator_on_the_same_respondents(
        engine: sa.Engine) -> None:
    _survey(engine)
    got = estimates.estimate_indicator(engine, ADMIN, "CSS", "2024", "sdg-16-1-4",
                                       estimates.Options(by=("sex",)))
    want = _expected(["sex"])
    assert [r.domain["sex"] for r in got.rows] == list(want["sex"])
    np.testing.assert_allclose([r.estimate for r in got.rows], want["estimate"], rtol=1e-10)
    np.testing.assert_allclose([r.se for r in got.rows], want["se"], rtol=1e-10)
    np.testing.assert_allclose([r.ci_low for r in got.rows], want["ci_low"], rtol=1e-10)
    assert [r.n_unweighted for r in got.rows] == list(want["n_unweighted"])
    assert got.sdg == "16.1.4" and "Metadata-16-01-04" in got.reference


def test_the_overall_estimate_and_an_area_breakdown_use_the_respondents_areas(
        engine: sa.Engine) -> None:
    _survey(engine)
    overall = estimates.estimate_indicator(engine, ADMIN, "CSS", "2024", "sdg-16-1-4")
    want = _expected([])
    assert overall.rows[0].estimate == pytest.approx(want["estimate"][0], rel=1e-10)
    by_region = estimates.estimate_indicator(engine, ADMIN, "CSS", "2024", "sdg-16-1-4",
                                             estimates.Options(by=("area",), area_level=1))
    assert [r.domain["area"] for r in by_region.rows] == ["R1", "R2"]
    assert sum(r.n_unweighted for r in by_region.rows) == 120


def test_a_subpopulation_indicator_keeps_the_full_design(engine: sa.Engine) -> None:
    _survey(engine)
    forms.set_indicator_mapping(engine, ADMIN, "CSS", "sdg-16-3-1", {
        "numerator": {"question": "reported", "values": ["yes"]},
        "denominator": {"question": "victim", "values": ["physical", "psychological",
                                                          "sexual"]}})
    got = estimates.estimate_indicator(engine, ADMIN, "CSS", "2024", "sdg-16-3-1")
    df = frame(sample())
    df["den"] = np.where(df["victim"].map(lambda v: v != ["none"]), "yes", "no")
    df["y"] = ((df["reported"] == "yes") & (df["den"] == "yes")).astype(float)
    d = SurveyDesign.from_frame(df, weights="weight", strata="stratum", psu="cluster")
    want = proportion(d, "y", by=["den"])
    want = want[want["den"] == "yes"].reset_index()
    assert got.rows[0].estimate == pytest.approx(want["estimate"][0], rel=1e-10)
    assert got.rows[0].se == pytest.approx(want["se"][0], rel=1e-10)
    assert got.rows[0].n_unweighted == int((df["den"] == "yes").sum())


def test_a_refused_export_writes_nothing_and_names_each_bad_row(engine: sa.Engine) -> None:
    _survey(engine)
    bad = sample(seed=3)
    bad.main[4]["safe_walk"] = "quite_safe"
    report = data.import_data(engine, ADMIN, "CSS", "2025", [("bad.csv", kobo_csv(bad))], ROLES)
    assert not report.written
    assert [(e.row, e.column, e.value) for e in report.errors] == [
        (6, "safety/safe_walk", "quite_safe")]
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(s.survey_wave)).scalar() == 1


def test_an_xlsx_export_keeps_repeat_rows_and_unknown_columns_in_the_store(
        engine: sa.Engine) -> None:
    _survey(engine)
    smp = sample(seed=14)
    report = data.import_data(engine, ADMIN, "CSS", "2024", [("x.xlsx", kobo_xlsx(smp))],
                              ROLES)
    assert report.written and report.repeat_rows == len(smp.members)
    with engine.connect() as conn:
        row = conn.execute(sa.select(s.survey_respondent.c.repeats, s.survey_respondent.c.extra)
                           .where(s.survey_respondent.c.key == smp.main[0]["_uuid"])).one()
    mine = [m["member_age"] for m in smp.members if m["_parent_index"] == 1]
    assert [m["member_age"] for m in row.repeats.get("hh", [])] == mine
    assert row.extra["_submission_time"] == "2024-05-02T10:00:00"


def test_a_design_with_a_psu_in_two_strata_is_refused_when_not_nested(
        engine: sa.Engine) -> None:
    _survey(engine)
    with pytest.raises(ValidationFailed, match="must be nested in strata"):
        design.set_design(engine, ADMIN, "CSS", "2024",
                          DesignSpec(weights="weight", strata="sex", ids=("psu",)))
    assert design.get_design(engine, ADMIN, "CSS", "2024") == SPEC


def test_two_waves_are_compared_with_the_standard_error_of_the_difference(
        engine: sa.Engine) -> None:
    _survey(engine, {"2024": 0.0, "2025": 0.2})
    result = estimates.compare_waves(engine, ADMIN, "CSS", "2024", "2025", "sdg-16-1-4")
    a, b = _expected([]), _expected([], seed_=15, shift=0.2)
    row = result.rows[0]
    assert row.difference == pytest.approx(b["estimate"][0] - a["estimate"][0], rel=1e-10)
    assert row.se_difference == pytest.approx(np.hypot(a["se"][0], b["se"][0]), rel=1e-10)
    assert row.p_value is not None and 0 <= row.p_value <= 1


def test_a_monitor_bound_to_r1_gets_only_r1_domains_and_cannot_import(
        engine: sa.Engine) -> None:
    _survey(engine)
    with engine.connect() as conn:
        r1 = conn.execute(sa.text("select id from area where code = 'R1'")).scalar()
    monty = Viewer.for_role("monty", "community_monitor", area_id=r1, area_code="R1")
    got = estimates.estimate_indicator(engine, monty, "CSS", "2024", "sdg-16-1-4",
                                       estimates.Options(by=("area",)))
    assert {r.domain["area"] for r in got.rows} == {"R1-A", "R1-B"}
    with pytest.raises(PermissionDenied):
        data.import_data(engine, monty, "CSS", "2026", [("x.csv", b"a\n1\n")], ROLES)


def test_a_survey_of_another_region_is_not_found_for_a_bound_viewer(engine: sa.Engine) -> None:
    _survey(engine)
    forms.create_survey(engine, ADMIN, forms.SurveySpec("SOUTH", "South survey", "R2"))
    with engine.connect() as conn:
        r1 = conn.execute(sa.text("select id from area where code = 'R1'")).scalar()
    ana = Viewer.for_role("ana", "analyst", area_id=r1, area_code="R1")
    assert [x.code for x in forms.list_surveys(engine, ana)] == ["CSS"]
    with pytest.raises(NotFound):
        forms.get_survey(engine, ana, "SOUTH")


def test_public_viewers_get_suppressed_estimates_blank(engine: sa.Engine) -> None:
    _survey(engine)
    public = Viewer.for_role("public", "public")
    got = estimates.estimate_indicator(engine, public, "CSS", "2024", "sdg-16-1-4",
                                       estimates.Options(by=("area", "sex")))
    small = [r for r in got.rows if r.n_unweighted < 30]
    assert small and all(r.suppressed and r.estimate is None and r.se is None for r in small)
    full = estimates.estimate_indicator(engine, ADMIN, "CSS", "2024", "sdg-16-1-4",
                                        estimates.Options(by=("area", "sex")))
    assert all(r.estimate is not None for r in full.rows)


def test_the_migration_creates_the_survey_tables_exactly_as_the_schema_says(
        engine: sa.Engine) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from salus.storage.schema import metadata

    mine = {table.name for table in s.SURVEY_TABLES}

    def ours(obj: object, name: str | None, kind: str, reflected: bool, _: object) -> bool:
        return (name if kind == "table" else obj.table.name) in mine  # type: ignore[attr-defined]

    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": ours})
        assert compare_metadata(context, metadata) == []


def test_a_design_calibrated_to_sex_totals_gives_the_estimators_calibrated_figures(
        engine: sa.Engine) -> None:
    from salus.analytics.surveys.calibration import calibrate
    from salus.domain.surveys.design import parse_margin

    _survey(engine)
    margin = parse_margin(["sex"], [("female", 26000), ("male", 24000)])
    design.set_design(engine, ADMIN, "CSS", "2024", DesignSpec(
        weights="weight", strata="stratum", ids=("psu",), calibration=(margin,),
        calibration_method="poststratify"))
    got = estimates.estimate_indicator(engine, ADMIN, "CSS", "2024", "sdg-16-1-4")
    df = frame(sample())
    df["y"] = df["safe_walk"].isin(["very_safe", "fairly_safe"]).astype(float)
    d = SurveyDesign.from_frame(df, weights="weight", strata="stratum", psu="cluster")
    d = calibrate(d, pd.DataFrame({"sex": ["female", "male"], "total": [26000, 24000]}),
                  "poststratify")
    want = proportion(d, "y")
    assert got.rows[0].estimate == pytest.approx(want["estimate"][0], rel=1e-10)
    assert got.rows[0].se == pytest.approx(want["se"][0], rel=1e-10)
    assert got.rows[0].sum_weights == pytest.approx(50000, rel=1e-10)


def test_a_design_variable_with_a_quote_and_a_repeated_domain_are_refused_not_crashed(
        engine: sa.Engine) -> None:
    _survey(engine)
    with pytest.raises(ValidationFailed, match="not a variable name"):
        design.set_design(engine, ADMIN, "CSS", "2024",
                          DesignSpec(weights="weight", strata='str"atum', ids=("psu",)))
    with pytest.raises(ValidationFailed, match="each domain variable once"):
        estimates.estimate_indicator(engine, ADMIN, "CSS", "2024", "sdg-16-1-4",
                                     estimates.Options(by=("sex", "sex")))
    with pytest.raises(ValidationFailed, match="nor a question"):
        estimates.estimate_indicator(engine, ADMIN, "CSS", "2024", "sdg-16-1-4",
                                     estimates.Options(by=("shoe_size",)))


def test_16_1_4_by_disability_and_age_group_equals_the_estimator(engine: sa.Engine) -> None:
    _survey(engine)
    got = estimates.estimate_indicator(engine, ADMIN, "CSS", "2024", "sdg-16-1-4",
                                       estimates.Options(by=("disability", "age_band")))
    df = frame(sample())
    df["age_band"] = pd.cut(df["age"], [-1, 14, 29, 44, 59, 200], labels=[
        "sdg:0-14", "sdg:15-29", "sdg:30-44", "sdg:45-59", "sdg:60+"]).astype(str)
    df["y"] = df["safe_walk"].isin(["very_safe", "fairly_safe"]).astype(float)
    d = SurveyDesign.from_frame(df, weights="weight", strata="stratum", psu="cluster")
    want = proportion(d, "y", by=["disability", "age_band"])
    assert [(r.domain["disability"], r.domain["age_band"]) for r in got.rows] == list(
        zip(want["disability"], want["age_band"], strict=True))
    np.testing.assert_allclose([r.estimate for r in got.rows], want["estimate"], rtol=1e-10)
    np.testing.assert_allclose([r.se for r in got.rows], want["se"], rtol=1e-10)
