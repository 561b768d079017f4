"""Survey results in community safety work: assessments take them from a linked survey, and
community pages (public ones suppressed) show them beside the incident indicators."""

from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa
from surveys_support import ROLES, SAFE_4, kobo_csv, sample, xlsform
from web_support import add_cast, client, seed, sign_in

from salus.domain.accounts.roles import SYSTEM_VIEWER
from salus.domain.surveys.design import DesignSpec
from salus.usecases.plans import assessments
from salus.usecases.surveys import data, design, estimates, forms


def _survey(engine: sa.Engine, per_psu: int = 10) -> None:
    seed(engine, per_district=1)
    add_cast(engine)
    forms.create_survey(engine, SYSTEM_VIEWER, forms.SurveySpec("CSS", "Community safety", "C"))
    forms.import_form(engine, SYSTEM_VIEWER, "CSS", xlsform(), "form.xlsx")
    report = data.import_data(engine, SYSTEM_VIEWER, "CSS", "2024",
                              [("x.csv", kobo_csv(sample(per_psu=per_psu)))], ROLES)
    assert report.written
    design.set_design(engine, SYSTEM_VIEWER, "CSS", "2024",
                      DesignSpec(weights="weight", strata="stratum", ids=("psu",)))
    forms.set_indicator_mapping(engine, SYSTEM_VIEWER, "CSS", SAFE_4["indicator"],
                                SAFE_4["mapping"])


def _district(engine: sa.Engine, code: str) -> estimates.EstimateRow:
    result = estimates.estimate_indicator(engine, SYSTEM_VIEWER, "CSS", "2024", "sdg-16-1-4",
                                          estimates.Options(by=("area",), area_level=2))
    return next(r for r in result.rows if r.domain["area"] == code)


def test_an_assessment_takes_16_1_4_for_its_community_from_the_linked_survey(
        engine: sa.Engine) -> None:
    _survey(engine, per_psu=20)
    assessment = assessments.create_assessment(engine, SYSTEM_VIEWER, assessments.AssessmentSpec(
        "R1-A", "R1-A safety assessment", dt.date(2024, 1, 1), dt.date(2024, 12, 31)))
    c = client(engine)
    csrf = sign_in(c, "ana")
    r = c.post(f"/assessments/{assessment}/survey-results",
               data={"csrf_token": csrf, "survey": "CSS"}, follow_redirects=False)
    assert r.status_code == 303
    page = c.get(f"/assessments/{assessment}").text
    table = page.split('id="surveys"', 1)[1].split("</table>", 1)[0]
    want = _district(engine, "R1-A")
    assert want.estimate is not None and not want.suppressed
    assert "16.1.4" in table and f"{100 * want.estimate:.1f} %" in table
    assert f"<td>{want.n_unweighted}</td>" in table and "survey CSS, wave 2024" in table


def test_the_community_page_shows_the_survey_indicator_beside_the_incident_ones(
        engine: sa.Engine) -> None:
    _survey(engine, per_psu=20)
    c = client(engine)
    sign_in(c, "ana")
    page = c.get("/communities/R1-A").text
    want = _district(engine, "R1-A")
    row = page.split('id="perception"', 1)[1].split("</table>", 1)[0]
    assert want.estimate is not None
    assert re.search(rf'class="num estimate">{100 * want.estimate:.1f}<', row)


def test_the_public_community_page_suppresses_a_community_with_few_respondents(
        engine: sa.Engine) -> None:
    _survey(engine, per_psu=4)
    want = _district(engine, "R1-A")
    assert want.n_unweighted < 30 and want.suppressed
    page = client(engine, public=True).get("/public/communities/R1-A").text
    row = page.split('id="perception"', 1)[1].split("</table>", 1)[0]
    assert 'class="num estimate">suppressed<' in row
    assert want.estimate is not None and f"{100 * want.estimate:.1f}" not in row
