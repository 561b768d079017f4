"""Replicate-weight designs and calibration from the survey pages, commands and API.

A design may read replicate weight columns from the submissions (R's ``svrepdesign``) or
create them from the Taylor design (R's ``as.svrepdesign``); either is stored with the design
and the wave's estimates use it. The figures are those of ``salus.analytics.surveys`` (itself
equal to R's ``survey``) run on the same respondents. Also: repeated estimates reuse the
wave's frame and design, and a re-imported wave is read again.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from surveys_support import ROLES, SAFE_4, _main_row, frame, kobo_csv, sample, xlsform
from typer.testing import CliRunner
from web_support import add_cast, client, seed, sign_in

from salus.analytics.surveys import ReplicateDesign, SurveyDesign, calibrate, proportion
from salus.cli.app import app
from salus.domain.accounts.roles import SYSTEM_VIEWER
from salus.domain.surveys.design import DesignSpec, Replicates, parse_margin
from salus.domain.surveys.respondents import sdg_band
from salus.usecases.errors import ValidationFailed
from salus.usecases.surveys import data, design, estimates, forms

ADMIN = SYSTEM_VIEWER
TAYLOR = {"weights": "weight", "strata": "stratum", "psu": "cluster"}
runner = CliRunner()


def _frame(seed_: int = 14, shift: float = 0.0) -> pd.DataFrame:
    df = frame(sample(seed=seed_, shift=shift))
    df["y"] = df["safe_walk"].isin(["very_safe", "fairly_safe"]).astype(float)
    return df


def _jkn() -> ReplicateDesign:
    return ReplicateDesign.from_design(SurveyDesign.from_frame(_frame(), **TAYLOR), "JKn")


def _export_with_replicates(rep: ReplicateDesign) -> bytes:
    """The KoBo CSV export with one column per replicate weight (``repw1`` ...)."""
    rows = [_main_row(r) for r in sample().main]
    for row, weights in zip(rows, rep.replicate_weights, strict=True):
        row.update({f"repw{k + 1}": f"{w:.12g}" for k, w in enumerate(weights)})
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), delimiter=";")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _survey(engine: sa.Engine, export: bytes | None = None) -> None:
    seed(engine, per_district=1)
    forms.create_survey(engine, ADMIN, forms.SurveySpec("CSS", "Community safety", "C"))
    forms.import_form(engine, ADMIN, "CSS", xlsform(), "safety.xlsx")
    report = data.import_data(engine, ADMIN, "CSS", "2024",
                              [("export.csv", export or kobo_csv(sample()))], ROLES)
    assert report.written and report.errors == (), report.errors[:3]
    forms.set_indicator_mapping(engine, ADMIN, "CSS", SAFE_4["indicator"], SAFE_4["mapping"])


def _by_sex(engine: sa.Engine) -> estimates.SurveyEstimates:
    return estimates.estimate_indicator(engine, ADMIN, "CSS", "2024", "sdg-16-1-4",
                                        estimates.Options(by=("sex",)))


def _same(got: estimates.SurveyEstimates, want: pd.DataFrame) -> None:
    assert [r.domain["sex"] for r in got.rows] == list(want["sex"])
    np.testing.assert_allclose([r.estimate for r in got.rows], want["estimate"], rtol=1e-10)
    np.testing.assert_allclose([r.se for r in got.rows], want["se"], rtol=1e-10)
    np.testing.assert_allclose([r.ci_low for r in got.rows], want["ci_low"], rtol=1e-10)


def test_replicate_weight_columns_of_the_export_give_the_libraries_jkn_estimates(
        engine: sa.Engine) -> None:
    rep = _jkn()
    _survey(engine, _export_with_replicates(rep))
    columns = tuple(f"repw{k + 1}" for k in range(rep.replicate_weights.shape[1]))
    spec = DesignSpec(weights="weight", replicates=Replicates(
        "JKn", columns, scale=rep.scale, rscales=tuple(rep.rscales)))
    design.set_design(engine, ADMIN, "CSS", "2024", spec)
    assert design.get_design(engine, ADMIN, "CSS", "2024") == spec
    df = _frame()
    for k, name in enumerate(columns):
        df[name] = rep.replicate_weights[:, k]
    want = proportion(ReplicateDesign.from_frame(
        df, weights="weight", replicate_weights=list(columns), method="JKn", scale=rep.scale,
        rscales=list(rep.rscales)), "y", by=["sex"])
    _same(_by_sex(engine), want)
    taylor = proportion(SurveyDesign.from_frame(df, **TAYLOR), "y", by=["sex"])
    assert not np.allclose([r.se for r in _by_sex(engine).rows], taylor["se"], rtol=1e-6)


def test_a_replicate_design_with_a_missing_column_or_jkn_without_rscales_is_refused(
        engine: sa.Engine) -> None:
    _survey(engine)
    with pytest.raises(ValidationFailed, match="repw1"):
        design.set_design(engine, ADMIN, "CSS", "2024", DesignSpec(
            weights="weight", replicates=Replicates("JK1", ("repw1", "repw2"))))
    with pytest.raises(ValidationFailed, match="JKn replicate weights need rscales"):
        design.set_design(engine, ADMIN, "CSS", "2024", DesignSpec(
            weights="weight", replicates=Replicates("JKn", ("repw1", "repw2"))))
    with pytest.raises(ValidationFailed, match="cannot be calibrated"):
        design.set_design(engine, ADMIN, "CSS", "2024", DesignSpec(
            weights="weight", strata="stratum", ids=("psu",),
            calibration=(parse_margin(["sex"], [("female", 1), ("male", 1)]),),
            replicates=Replicates("JKn")))
    with pytest.raises(ValidationFailed, match="JK1 is for unstratified designs"):
        design.set_design(engine, ADMIN, "CSS", "2024", DesignSpec(
            weights="weight", strata="stratum", ids=("psu",), replicates=Replicates("JK1")))


def test_jackknife_weights_created_from_the_design_over_the_api_equal_the_library(
        engine: sa.Engine) -> None:
    _survey(engine)
    add_cast(engine)
    c = client(engine)
    c.headers["X-CSRF-Token"] = sign_in(c, "ana")
    r = c.put("/api/v1/surveys/CSS/waves/2024/design",
              json={"strata": "stratum", "ids": ["psu"], "replicates": {"method": "JKn"}})
    assert r.status_code == 200, r.text
    assert c.get("/api/v1/surveys/CSS/waves/2024/design").json()["replicates"]["method"] == "JKn"
    got = c.get("/api/v1/surveys/CSS/waves/2024/estimates/sdg-16-1-4",
                params={"by": "sex"}).json()
    want = proportion(_jkn(), "y", by=["sex"])
    assert [row["domain"]["sex"] for row in got["rows"]] == list(want["sex"])
    np.testing.assert_allclose([row["se"] for row in got["rows"]], want["se"], rtol=1e-10)
    np.testing.assert_allclose([row["estimate"] for row in got["rows"]], want["estimate"],
                               rtol=1e-10)
    bad = c.put("/api/v1/surveys/CSS/waves/2024/design",
                json={"strata": "stratum", "ids": ["psu"],
                      "replicates": {"method": "Fay", "fay_rho": 1.5}})
    assert bad.status_code == 422


def test_a_seeded_bootstrap_design_from_the_command_line_gives_the_libraries_figures(
        engine: sa.Engine, tmp_path: Path) -> None:
    _survey(engine)
    db = engine.url.render_as_string(hide_password=False)
    result = runner.invoke(app, ["surveys", "design", "CSS", "2024", "--strata", "stratum",
                                 "--ids", "psu", "--replicates", "bootstrap",
                                 "--replicate-count", "40", "--seed", "7", "--mse", "--db", db])
    assert result.exit_code == 0, result.output
    stored = design.get_design(engine, ADMIN, "CSS", "2024").replicates
    assert stored == Replicates("bootstrap", count=40, seed=7, mse=True)
    want = proportion(ReplicateDesign.from_design(
        SurveyDesign.from_frame(_frame(), **TAYLOR), "bootstrap", replicates=40, seed=7,
        mse=True), "y", by=["sex"])
    _same(_by_sex(engine), want)
    refused = runner.invoke(app, ["surveys", "design", "CSS", "2024", "--replicates", "JKn",
                                  "--replicate-weights", "repw1", "--db", db])
    assert refused.exit_code != 0 and "rscales" in refused.output


def _cells(html: str, table: str) -> list[list[str]]:
    body = html.split(f'id="{table}"', 1)[1].split("</table>", 1)[0]
    return [[re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row,
                                                                   re.S)]
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S) if "<td" in row]


def _page_rows(c: Any) -> list[tuple[str, str, str]]:
    page = c.get("/surveys/CSS/waves/2024/estimates?indicator=sdg-16-1-4&by=sex").text
    return [(row[0], row[1], row[2]) for row in _cells(page, "estimates")]


def _want_rows(want: pd.DataFrame) -> list[tuple[str, str, str]]:
    return [(sex, f"{100 * e:.1f}", f"{100 * se:.1f}")
            for sex, e, se in zip(want["sex"], want["estimate"], want["se"], strict=True)]


def test_the_design_form_defines_replicate_weights_and_calibration_totals(
        engine: sa.Engine) -> None:
    _survey(engine)
    add_cast(engine)
    c = client(engine)
    csrf = sign_in(c, "ana")
    base = {"csrf_token": csrf, "weights": "weight", "strata": "stratum", "ids": "psu",
            "lonely_psu": "fail"}
    r = c.post("/surveys/CSS/waves/2024/design", data={**base, "replicates": "JKn"},
               follow_redirects=False)
    assert r.status_code == 303, r.text
    assert _page_rows(c) == _want_rows(proportion(_jkn(), "y", by=["sex"]))
    form = c.get("/surveys/CSS/waves/2024/design").text
    assert re.search(r'<option value="JKn"\s+selected', form)

    totals = "sex,total\nfemale,26000\nmale,24000"
    r = c.post("/surveys/CSS/waves/2024/design",
               data={**base, "calibration": totals, "calibration_method": "poststratify"},
               follow_redirects=False)
    assert r.status_code == 303, r.text
    calibrated = calibrate(SurveyDesign.from_frame(_frame(), **TAYLOR),
                           pd.DataFrame({"sex": ["female", "male"], "total": [26000, 24000]}),
                           "poststratify")
    assert _page_rows(c) == _want_rows(proportion(calibrated, "y", by=["sex"]))
    assert "female,26000" in c.get("/surveys/CSS/waves/2024/design").text

    r = c.post("/surveys/CSS/waves/2024/design",
               data={**base, "calibration": "sex\nfemale"})
    assert r.status_code == 422 and "then &#39;total&#39;" in r.text
    r = c.post("/surveys/CSS/waves/2024/design",
               data={**base, "replicates": "JKn", "replicate_weights": "repw1"})
    assert r.status_code == 422 and "rscales" in r.text
    assert design.get_design(engine, ADMIN, "CSS", "2024").calibration[0].variables == ("sex",)


def test_a_second_estimate_reads_no_respondent_and_a_reimported_wave_is_read_again(
        engine: sa.Engine) -> None:
    _survey(engine)
    design.set_design(engine, ADMIN, "CSS", "2024",
                      DesignSpec(weights="weight", strata="stratum", ids=("psu",)))
    reads: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "FROM survey_respondent" in statement:
            reads.append(statement)

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        first = _by_sex(engine)
        assert len(reads) == 1
        assert _by_sex(engine) == first and len(reads) == 1
        assert estimates.estimate_indicator(engine, ADMIN, "CSS", "2024", "sdg-16-1-4",
                                            estimates.Options(by=("area",))).rows
        assert len(reads) == 1
        report = data.import_data(engine, ADMIN, "CSS", "2024",
                                  [("export.csv", kobo_csv(sample(seed=15, shift=0.2)))],
                                  ROLES)
        assert report.written
        again = _by_sex(engine)
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    df = _frame(15, 0.2)
    _same(again, proportion(SurveyDesign.from_frame(df, **TAYLOR), "y", by=["sex"]))
    assert again != first


def test_the_design_form_rakes_to_the_population_tables_area_sex_and_age_group_totals(
        engine: sa.Engine) -> None:
    from salus.domain.incidents import model as m
    from salus.storage import repository

    _survey(engine)
    districts = ("R1-A", "R1-B", "R2-A", "R2-B")
    bands = {"sdg:15-29": 0, "sdg:30-44": 0, "sdg:45-59": 0, "sdg:60+": 0}
    rows, want = [], {"area": dict.fromkeys(districts, 0.0),
                      "sex": {"female": 0.0, "male": 0.0}, "age_band": dict.fromkeys(bands, 0.0)}
    for n, code in enumerate(districts):
        for sex in ("female", "male"):
            base = 1000 * (n + 1) + (300 if sex == "female" else 0)
            parts = [(0, 14, base, None), (15, 29, base + 10, "sdg:15-29"),
                     (30, 34, base // 3, "sdg:30-44"), (35, 44, base // 2, "sdg:30-44"),
                     (45, 59, base + 20, "sdg:45-59"), (60, None, base // 4, "sdg:60+"),
                     (10, 20, 99999, None)]  # spans two groups: not used
            for low, high, count, band in parts:
                rows.append(m.PopulationCount(code, 2025, count, sex, low, high))
                if band:
                    want["area"][code] += count
                    want["sex"][sex] += count
                    want["age_band"][band] += count
    with engine.begin() as conn:
        repository.save_population(conn, rows)
    add_cast(engine)
    c = client(engine)
    csrf = sign_in(c, "ana")
    r = c.post("/surveys/CSS/waves/2024/design",
               data={"csrf_token": csrf, "weights": "weight", "strata": "stratum", "ids": "psu",
                     "lonely_psu": "fail", "population_year": "2025",
                     "population_by": "area, sex, age_band", "calibration_method": "raking"},
               follow_redirects=False)
    assert r.status_code == 303, r.text
    stored = design.get_design(engine, ADMIN, "CSS", "2024")
    assert {mg.variables[0]: {k[0]: v for k, v in mg.totals.items()}
            for mg in stored.calibration} == want
    margins = [pd.DataFrame({name: list(cells), "total": list(cells.values())})
               for name, cells in want.items()]
    df = _frame()
    df["age_band"] = [sdg_band(int(a)) for a in df["age"]]
    raked = calibrate(SurveyDesign.from_frame(df, **TAYLOR), margins, "raking")
    assert _page_rows(c) == _want_rows(proportion(raked, "y", by=["sex"]))
    _same(_by_sex(engine), proportion(raked, "y", by=["sex"]))
    r = c.post("/surveys/CSS/waves/2024/design",
               data={"csrf_token": csrf, "weights": "weight", "strata": "stratum", "ids": "psu",
                     "lonely_psu": "fail", "population_year": "1990",
                     "population_by": "sex"})
    assert r.status_code == 422 and "no rows by sex and age group for 1990" in r.text


def _mapped(engine: sa.Engine) -> Any:
    _survey(engine)
    design.set_design(engine, ADMIN, "CSS", "2024",
                      DesignSpec(weights="weight", strata="stratum", ids=("psu",)))
    add_cast(engine)
    c = client(engine)
    c.headers["X-CSRF-Token"] = sign_in(c, "ana")
    return c


def test_a_survey_indicator_by_region_is_on_the_api_beside_the_incident_indicators(
        engine: sa.Engine) -> None:
    c = _mapped(engine)
    got = c.get("/api/v1/surveys/indicators/sdg-16-1-4/areas", params={"level": 1}).json()
    want = estimates.estimate_indicator(engine, ADMIN, "CSS", "2024", "sdg-16-1-4",
                                        estimates.Options(by=("area",), area_level=1))
    assert got["sdg"] == "16.1.4" and got["level"] == 1
    assert [(a["area"], a["survey"], a["wave"], a["row"]["estimate"], a["row"]["se"],
             a["row"]["n_unweighted"]) for a in got["areas"]] == [
        (r.domain["area"], "CSS", "2024", r.estimate, r.se, r.n_unweighted) for r in want.rows]
    assert {a["area"] for a in got["areas"]} == {"R1", "R2"}
    strict = c.get("/api/v1/surveys/indicators/sdg-16-1-4/areas",
                   params={"level": 2, "min_n": 40}).json()
    assert strict["areas"] and all(a["row"]["suppressed"] for a in strict["areas"])
    assert c.get("/api/v1/surveys/indicators/sdg-16-1-4/areas",
                 params={"level": 1, "survey": "NONE"}).status_code == 404


def test_the_estimates_page_by_area_maps_each_areas_estimate_leaving_suppressed_ones_blank(
        engine: sa.Engine) -> None:
    import html
    import json

    c = _mapped(engine)
    page = c.get("/surveys/CSS/waves/2024/estimates?indicator=sdg-16-1-4&by=area").text
    spec = json.loads(html.unescape(page.split('data-map="', 1)[1].split('"', 1)[0]))
    want = estimates.estimate_indicator(engine, ADMIN, "CSS", "2024", "sdg-16-1-4",
                                        estimates.Options(by=("area",)))
    shown = {r.domain["area"]: r for r in want.rows if not r.suppressed}
    assert spec["geojson"] == "/api/v1/areas/geojson?level=2"
    assert set(spec["values"]) == set(shown)
    for code, value in spec["values"].items():
        assert value["rate"] == pytest.approx(100 * shown[code].estimate, abs=1e-3)
        assert value["victims"] == shown[code].n_unweighted
    assert any(r.suppressed for r in want.rows) or len(shown) == 4
    assert "<script>" not in page and "/static/js/salus.js" in page
    no_map = c.get("/surveys/CSS/waves/2024/estimates?indicator=sdg-16-1-4&by=sex").text
    assert "data-map" not in no_map


def test_the_indicators_page_links_survey_indicators_to_their_map_by_region(
        engine: sa.Engine) -> None:
    import html
    import json

    c = _mapped(engine)
    listing = c.get("/indicators").text
    assert 'href="/indicators/surveys/sdg-16-1-4?level=1"' in listing
    page = c.get("/indicators/surveys/sdg-16-1-4?level=1").text
    want = estimates.estimate_indicator(engine, ADMIN, "CSS", "2024", "sdg-16-1-4",
                                        estimates.Options(by=("area",), area_level=1))
    rows = _cells(page, "survey-indicator-areas")
    assert [(row[0], row[1], row[2], row[3]) for row in rows] == [
        (r.domain["area"], "CSS · 2024", f"{100 * r.estimate:.1f}",  # type: ignore[operator]
         f"{100 * r.se:.1f}") for r in want.rows]  # type: ignore[operator]
    spec = json.loads(html.unescape(page.split('data-map="', 1)[1].split('"', 1)[0]))
    assert spec["geojson"] == "/api/v1/areas/geojson?level=1"
    assert {k: v["victims"] for k, v in spec["values"].items()} == {
        r.domain["area"]: r.n_unweighted for r in want.rows}
    assert c.get("/indicators/surveys/sdg-99-9-9").status_code == 422
