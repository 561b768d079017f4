"""The dashboard's "Perception (surveys)" panel, on SQLite and PostgreSQL.

The panel's figures are checked against the survey use case and against the estimator run
directly on the generated respondents (the national figure, and a bound viewer's region as a
domain of the full design); an observatory without a survey design gets a panel that says so.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa
from surveys_support import ROLES, SAFE_4, frame, kobo_csv, sample, xlsform
from web_support import add_cast, client, seed, sign_in

from salus.analytics.surveys.design import SurveyDesign
from salus.analytics.surveys.estimators import proportion
from salus.domain.accounts.roles import SYSTEM_VIEWER, Viewer
from salus.domain.surveys.design import DesignSpec
from salus.usecases.surveys import data, design, estimates, forms

ADMIN = SYSTEM_VIEWER
SPEC = DesignSpec(weights="weight", strata="stratum", ids=("psu",))


def _survey(engine: sa.Engine, with_design: bool = True, per_psu: int = 10,
            scoped_area: str | None = None) -> None:
    seed(engine, per_district=1)
    add_cast(engine, scoped_area=scoped_area)
    forms.create_survey(engine, ADMIN, forms.SurveySpec("CSS", "Community safety", "C"))
    forms.import_form(engine, ADMIN, "CSS", xlsform(), "safety.xlsx")
    report = data.import_data(engine, ADMIN, "CSS", "2024",
                              [("export.csv", kobo_csv(sample(per_psu=per_psu)))], ROLES)
    assert report.written and report.errors == (), report.errors[:3]
    if with_design:
        design.set_design(engine, ADMIN, "CSS", "2024", SPEC)
    forms.set_indicator_mapping(engine, ADMIN, "CSS", SAFE_4["indicator"], SAFE_4["mapping"])


def _signed_in(engine: sa.Engine, username: str, public: bool = False) -> Any:
    c = client(engine, public=public)
    if not public:
        sign_in(c, username)
    return c


def _rows(html: str) -> list[list[str]]:
    assert 'id="survey-figures"' in html, html
    body = html.split('id="survey-figures"', 1)[1].split("</table>", 1)[0]
    return [[re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row,
                                                                   re.S)]
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S) if "<td" in row]


def _expected(in_region: set[str] | None = None) -> pd.Series:
    """The estimator on the generated respondents: overall, or the domain of ``in_region``'s
    districts on the full design."""
    df = frame(sample())
    df["y"] = df["safe_walk"].isin(["very_safe", "fairly_safe"]).astype(float)
    d = SurveyDesign.from_frame(df, weights="weight", strata="stratum", psu="cluster")
    if in_region is None:
        return proportion(d, "y").iloc[0]
    df["in_scope"] = df["area"].isin(in_region).map({True: "yes", False: "no"})
    d = SurveyDesign.from_frame(df, weights="weight", strata="stratum", psu="cluster")
    got = proportion(d, "y", by=["in_scope"])
    return got[got["in_scope"] == "yes"].iloc[0]


def test_the_survey_panel_shows_the_national_estimate_and_interval_the_use_case_gives(
        engine: sa.Engine) -> None:
    _survey(engine)
    c = _signed_in(engine, "ana")
    home = c.get("/").text
    assert 'hx-get="/dashboard/panel/surveys"' in home and "Perception (surveys)" in home
    page = c.get("/dashboard/panel/surveys").text
    want = estimates.estimate_indicator(engine, ADMIN, "CSS", "2024", "sdg-16-1-4").rows[0]
    ref = _expected()
    assert want.estimate == pytest.approx(ref["estimate"], rel=1e-9)
    assert want.ci_low == pytest.approx(ref["ci_low"], rel=1e-9)
    rows = _rows(page)
    assert len(rows) == 1
    indicator, survey, _date, pct, ci, n, note = rows[0]
    assert indicator.startswith("16.1.4 ")
    assert survey == "Community safety · 2024"
    assert pct == f"{100 * want.estimate:.1f}"  # type: ignore[operator]
    assert ci == f"{100 * want.ci_low:.1f}–{100 * want.ci_high:.1f}"  # type: ignore[operator]
    assert n == f"{len(sample().main):,}" and note == ""
    assert 'href="/indicators/surveys/sdg-16-1-4"' in page
    assert "<script" not in page
    api = c.get("/api/v1/dashboard/surveys").json()["rows"]
    assert [(r["indicator"], r["survey"], r["wave"], r["estimate"], r["ci_low"], r["ci_high"],
             r["n_unweighted"], r["area"]) for r in api] == [
        ("sdg-16-1-4", "CSS", "2024", want.estimate, want.ci_low, want.ci_high,
         want.n_unweighted, None)]
    csv = c.get("/api/v1/dashboard/surveys?format=csv").text.splitlines()
    assert csv[0].startswith("indicator,sdg,title,survey") and csv[1].startswith("sdg-16-1-4,")


def test_a_monitor_bound_to_r1_sees_r1s_estimate_on_the_survey_panel(
        engine: sa.Engine) -> None:
    _survey(engine, scoped_area="R1")
    with engine.connect() as conn:
        r1 = conn.execute(sa.text("select id from area where code = 'R1'")).scalar()
    monty = Viewer.for_role("monty", "community_monitor", area_id=r1, area_code="R1")
    want = estimates.estimate_indicator(engine, monty, "CSS", "2024", "sdg-16-1-4").rows[0]
    ref = _expected({"R1-A", "R1-B"})
    assert want.estimate == pytest.approx(ref["estimate"], rel=1e-9)
    assert want.n_unweighted == int(ref["n_unweighted"]) == sum(
        1 for r in sample().main if r["district"] in ("R1-A", "R1-B"))
    national = _expected()
    assert round(100 * national["estimate"], 1) != round(100 * ref["estimate"], 1)
    c = _signed_in(engine, "monty")
    page = c.get("/dashboard/panel/surveys").text
    assert "Estimates for R1" in page
    (row,) = _rows(page)
    assert row[3] == f"{100 * want.estimate:.1f}" + (" *" if want.flagged else "")  # type: ignore[operator]
    assert row[6] == ("use with care" if want.flagged else "")
    assert row[4] == f"{100 * want.ci_low:.1f}–{100 * want.ci_high:.1f}"  # type: ignore[operator]
    assert row[5] == str(want.n_unweighted)
    (api,) = c.get("/api/v1/dashboard/surveys").json()["rows"]
    assert (api["area"], api["estimate"], api["n_unweighted"]) == (
        "R1", want.estimate, want.n_unweighted)


def test_without_a_survey_design_the_panel_says_there_is_none_yet(engine: sa.Engine) -> None:
    _survey(engine, with_design=False)
    c = _signed_in(engine, "ana")
    page = c.get("/dashboard/panel/surveys").text
    assert "No survey has a design yet" in page and 'id="survey-figures"' not in page
    assert c.get("/api/v1/dashboard/surveys").json() == {"rows": []}
    french = c.get("/dashboard/panel/surveys?lang=fr").text
    assert "Perception (enquêtes)" in french and "Aucune enquête n'a encore" in french


def test_the_public_dashboard_leaves_a_suppressed_estimate_blank_and_links_no_map(
        engine: sa.Engine) -> None:
    _survey(engine, per_psu=2)  # 24 respondents: below the 30 a published estimate needs
    want = estimates.estimate_indicator(engine, ADMIN, "CSS", "2024", "sdg-16-1-4").rows[0]
    assert want.suppressed and want.estimate is not None
    inside = _rows(_signed_in(engine, "ana").get("/dashboard/panel/surveys").text)
    assert inside[0][3] == f"{100 * want.estimate:.1f}"
    assert inside[0][6] == "suppressed: too few respondents or too imprecise"
    public = _signed_in(engine, "", public=True)
    page = public.get("/dashboard/panel/surveys").text
    (row,) = _rows(page)
    assert row[3] == "—" and row[4] == "—" and row[5] == "24"
    assert row[6] == "suppressed: too few respondents or too imprecise"
    assert "/indicators/surveys/" not in page
    (api,) = public.get("/api/v1/dashboard/surveys").json()["rows"]
    assert api["estimate"] is None and api["ci_low"] is None and api["suppressed"] is True
