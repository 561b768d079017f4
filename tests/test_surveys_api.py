"""``/api/v1/surveys``: a KoBo form and export uploaded, designed and estimated over HTTP."""

from __future__ import annotations

import sqlalchemy as sa
from surveys_support import kobo_csv, kobo_xlsx, sample, xlsform
from web_support import add_cast, client, seed, sign_in

from salus.domain.accounts.roles import SYSTEM_VIEWER
from salus.usecases.surveys import estimates

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _ready(engine: sa.Engine) -> object:
    seed(engine, per_district=1)
    add_cast(engine, scoped_area="R1")
    c = client(engine)
    c.headers["X-CSRF-Token"] = sign_in(c, "ana")
    assert c.post("/api/v1/surveys", json={"code": "CSS", "title": "Community safety",
                                           "area": "C"}).status_code == 201
    r = c.post("/api/v1/surveys/CSS/forms", files={"file": ("form.xlsx", xlsform(), XLSX)})
    assert r.status_code == 201 and r.json()["languages"] == ["English (en)", "Français (fr)"]
    return c


def test_a_form_and_its_export_give_16_1_4_by_sex_with_standard_errors_over_the_api(
        engine: sa.Engine) -> None:
    c = _ready(engine)
    r = c.post("/api/v1/surveys/CSS/waves/2024/data",  # type: ignore[attr-defined]
               files={"file": ("export.xlsx", kobo_xlsx(sample()), XLSX)},
               data={"columns": "area=district"})
    assert r.status_code == 200 and r.json()["written"] and r.json()["respondents"] == 120
    assert c.put("/api/v1/surveys/CSS/waves/2024/design",  # type: ignore[attr-defined]
                 json={"strata": "stratum", "ids": ["psu"]}).status_code == 200
    assert c.put("/api/v1/surveys/CSS/indicators/sdg-16-1-4",  # type: ignore[attr-defined]
                 json={"numerator": [{"question": "safe_walk",
                                      "values": ["very_safe", "fairly_safe"]}]}
                 ).status_code == 200
    got = c.get("/api/v1/surveys/CSS/waves/2024/estimates/sdg-16-1-4",  # type: ignore[attr-defined]
                params={"by": "sex"}).json()
    want = estimates.estimate_indicator(engine, SYSTEM_VIEWER, "CSS", "2024", "sdg-16-1-4",
                                        estimates.Options(by=("sex",)))
    assert [(r["domain"]["sex"], r["estimate"], r["se"]) for r in got["rows"]] == [
        (r.domain["sex"], r.estimate, r.se) for r in want.rows]
    form = c.get("/api/v1/surveys/CSS/form").json()  # type: ignore[attr-defined]
    walk = next(q for q in form["questions"] if q["name"] == "safe_walk")
    assert walk["labels"]["Français (fr)"].startswith("Vous sentez-vous")


def test_a_bad_export_answers_every_row_error_and_writes_nothing(engine: sa.Engine) -> None:
    c = _ready(engine)
    bad = sample()
    bad.main[9]["sex"] = "3"
    r = c.post("/api/v1/surveys/CSS/waves/2024/data",  # type: ignore[attr-defined]
               files={"file": ("export.csv", kobo_csv(bad), "text/csv")},
               data={"columns": "area=district"})
    body = r.json()
    assert not body["written"]
    assert [(e["row"], e["column"], e["value"], e["code"]) for e in body["errors"]] == [
        (11, "sex", "3", "code.unknown")]
    assert c.get("/api/v1/surveys/CSS").json()["waves"] == []  # type: ignore[attr-defined]


def test_public_estimates_leave_small_cells_blank(engine: sa.Engine) -> None:
    c = _ready(engine)
    c.post("/api/v1/surveys/CSS/waves/2024/data",  # type: ignore[attr-defined]
           files={"file": ("export.csv", kobo_csv(sample()), "text/csv")},
           data={"columns": "area=district"})
    c.put("/api/v1/surveys/CSS/waves/2024/design",  # type: ignore[attr-defined]
          json={"strata": "stratum", "ids": ["psu"]})
    c.put("/api/v1/surveys/CSS/indicators/sdg-16-1-4",  # type: ignore[attr-defined]
          json={"numerator": [{"question": "safe_walk", "values": ["very_safe"]}]})
    anyone = client(engine, public=True)
    rows = anyone.get("/api/v1/public/surveys/CSS/waves/2024/estimates/sdg-16-1-4",
                      params=[("by", "area"), ("by", "sex")]).json()["rows"]
    assert rows and all(r["estimate"] is None for r in rows if r["n_unweighted"] < 30)
    assert all(r["estimate"] is not None for r in rows if not r["suppressed"])


def test_a_public_account_may_not_create_surveys(engine: sa.Engine) -> None:
    _ready(engine)
    c = client(engine)
    c.headers["X-CSRF-Token"] = sign_in(c, "pub")
    r = c.post("/api/v1/surveys", json={"code": "X", "title": "x"})
    assert r.status_code == 403
