"""Survey pages: upload a form and its data, define the design, browse the estimates.

The user's path through the browser (TestClient with a session and CSRF tokens); the figure
on the page is the estimator's on the same data.
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from surveys_support import kobo_csv, kobo_xlsx, sample, xlsform
from web_support import add_cast, client, seed, sign_in

from salus.domain.accounts.roles import SYSTEM_VIEWER
from salus.usecases.surveys import estimates

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cells(html: str, table: str) -> list[list[str]]:
    body = html.split(f'id="{table}"', 1)[1].split("</table>", 1)[0]
    return [[re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row,
                                                                   re.S)]
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S) if "<td" in row]


def test_an_analyst_uploads_a_form_and_its_data_and_reads_16_1_4_by_sex(
        engine: sa.Engine) -> None:
    seed(engine, per_district=1)
    add_cast(engine)
    c = client(engine)
    csrf = sign_in(c, "ana")
    r = c.post("/surveys/new", data={"csrf_token": csrf, "code": "CSS",
                                     "title": "Community safety", "area": "C"},
               follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/surveys/CSS"
    r = c.post("/surveys/CSS/form", data={"csrf_token": csrf},
               files={"file": ("form.xlsx", xlsform(), XLSX)})
    assert "English (en), Français (fr)" in r.text
    assert "Vous sentez-vous en sécurité" in r.text
    r = c.post("/surveys/CSS/data", data={"csrf_token": csrf, "wave": "2024",
                                          "area_column": "district"},
               files={"file": ("export.xlsx", kobo_xlsx(sample()), XLSX)})
    assert "120 respondents imported" in r.text
    assert "_submission_time" in r.text.split('id="kept-columns"')[1]
    r = c.post("/surveys/CSS/waves/2024/design",
               data={"csrf_token": csrf, "weights": "weight", "strata": "stratum",
                     "ids": "psu", "lonely_psu": "fail"}, follow_redirects=False)
    assert r.status_code == 303
    r = c.post("/surveys/CSS/map", data={
        "csrf_token": csrf, "indicator": "sdg-16-1-4", "numerator_question": "safe_walk",
        "numerator_values": "very_safe, fairly_safe"}, follow_redirects=False)
    assert r.status_code == 303
    page = c.get("/surveys/CSS/waves/2024/estimates?indicator=sdg-16-1-4&by=sex").text
    want = estimates.estimate_indicator(engine, SYSTEM_VIEWER, "CSS", "2024", "sdg-16-1-4",
                                        estimates.Options(by=("sex",)))
    rows = _cells(page, "estimates")
    assert [(row[0], row[1], row[2]) for row in rows] == [
        (r.domain["sex"], f"{100 * r.estimate:.1f}", f"{100 * r.se:.1f}")  # type: ignore[operator]
        for r in want.rows]
    assert 'id="estimates-chart"' in page and "16.1.4" in page


def test_a_bad_export_shows_every_row_error_and_writes_no_wave(engine: sa.Engine) -> None:
    seed(engine, per_district=1)
    add_cast(engine)
    c = client(engine)
    csrf = sign_in(c, "ana")
    c.post("/surveys/new", data={"csrf_token": csrf, "code": "CSS", "title": "Safety"})
    c.post("/surveys/CSS/form", data={"csrf_token": csrf},
           files={"file": ("form.xlsx", xlsform(), XLSX)})
    bad = sample()
    bad.main[2]["district"] = "Atlantis"
    bad.main[7]["safe_walk"] = "quite_safe"
    r = c.post("/surveys/CSS/data", data={"csrf_token": csrf, "wave": "2024",
                                          "area_column": "district"},
               files={"file": ("export.csv", kobo_csv(bad), "text/csv")})
    assert r.status_code == 422 and "Nothing was written" in r.text
    assert [row[:3] for row in _cells(r.text, "data-errors")] == [
        ["4", "district", "Atlantis"], ["9", "safety/safe_walk", "quite_safe"]]
    assert "No data yet." in c.get("/surveys/CSS").text


def test_a_design_refused_by_the_estimator_shows_its_reason_beside_the_form(
        engine: sa.Engine) -> None:
    seed(engine, per_district=1)
    add_cast(engine)
    c = client(engine)
    csrf = sign_in(c, "ana")
    c.post("/surveys/new", data={"csrf_token": csrf, "code": "CSS", "title": "Safety"})
    c.post("/surveys/CSS/form", data={"csrf_token": csrf},
           files={"file": ("form.xlsx", xlsform(), XLSX)})
    c.post("/surveys/CSS/data", data={"csrf_token": csrf, "wave": "2024",
                                      "area_column": "district"},
           files={"file": ("export.csv", kobo_csv(sample()), "text/csv")})
    r = c.post("/surveys/CSS/waves/2024/design",
               data={"csrf_token": csrf, "weights": "weight", "strata": "sex", "ids": "psu",
                     "lonely_psu": "fail"})
    assert r.status_code == 422 and "nested in strata" in r.text


def test_a_public_account_cannot_upload_and_a_form_post_without_token_is_refused(
        engine: sa.Engine) -> None:
    seed(engine, per_district=1)
    add_cast(engine)
    c = client(engine)
    sign_in(c, "pub")
    assert c.get("/surveys/new").status_code == 403
    other = client(engine)
    sign_in(other, "ana")
    r = other.post("/surveys/new", data={"code": "X", "title": "x"})
    assert r.status_code == 403


def test_two_waves_compare_on_the_page_with_the_standard_error_of_the_change(
        engine: sa.Engine) -> None:
    from surveys_support import ROLES, SAFE_4

    from salus.domain.surveys.design import DesignSpec
    from salus.usecases.surveys import data, design, forms

    seed(engine, per_district=1)
    add_cast(engine)
    forms.create_survey(engine, SYSTEM_VIEWER, forms.SurveySpec("CSS", "Safety", "C"))
    forms.import_form(engine, SYSTEM_VIEWER, "CSS", xlsform(), "form.xlsx")
    for label, seed_, shift in (("2024", 14, 0.0), ("2025", 15, 0.2)):
        data.import_data(engine, SYSTEM_VIEWER, "CSS", label,
                         [("x.csv", kobo_csv(sample(seed=seed_, shift=shift)))], ROLES)
        design.set_design(engine, SYSTEM_VIEWER, "CSS", label,
                          DesignSpec(weights="weight", strata="stratum", ids=("psu",)))
    forms.set_indicator_mapping(engine, SYSTEM_VIEWER, "CSS", SAFE_4["indicator"],
                                SAFE_4["mapping"])
    c = client(engine)
    sign_in(c, "ana")
    survey_page = c.get("/surveys/CSS").text
    link = re.search(r'href="([^"]+)" id="compare-link"', survey_page)
    assert link is not None
    page = c.get(link.group(1).replace("&amp;", "&")).text
    want = estimates.compare_waves(engine, SYSTEM_VIEWER, "CSS", "2024", "2025", "sdg-16-1-4")
    row = _cells(page, "comparison")[0]
    assert want.rows[0].difference is not None and want.rows[0].se_difference is not None
    assert row[2] == f"{100 * want.rows[0].difference:.1f}"
    assert row[3] == f"{100 * want.rows[0].se_difference:.1f}"
