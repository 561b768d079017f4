"""Community safety pages, API, exports and CLI on a SQLite observatory (the use cases are
tested on both backends in test_plans_flow/test_plans_permissions)."""

from __future__ import annotations

import html
import re
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from plans_support import TODAY, Built, observatory
from typer.testing import CliRunner
from web_support import client, csrf_from, sign_in

from salus.cli.app import app
from salus.domain.accounts.roles import SYSTEM_VIEWER
from salus.reports.plans import plan_html, plan_pdf
from salus.storage.db import open_store
from salus.usecases.plans import assessments
from salus.usecases.plans import views as plan_views

SECRET = "Facilitator Secret-Name"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[sa.Engine, Built, str]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('plans') / 'salus.db'}"
    engine = open_store(url)
    built = observatory(engine)
    yield engine, built, url
    engine.dispose()


def pdf_outline_titles(data: bytes) -> list[str]:
    """Titles of the PDF's outline (bookmarks from the headings), decoded from its streams."""
    texts = [data]
    for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            texts.append(zlib.decompress(m.group(1)))
        except zlib.error:
            continue
    out = []
    for text in texts:
        for hexa in re.findall(rb"/Title <([0-9a-fA-F]+)>", text):
            out.append(bytes.fromhex(hexa.decode()).decode("utf-16"))
        out += [s.decode("latin-1") for s in re.findall(rb"/Title \(([^)]*)\)", text)]
    return out


def test_signed_in_pages_show_the_plan_the_assessment_and_the_community(
        store: tuple[sa.Engine, Built, str]) -> None:
    engine, built, _url = store
    c = client(engine)
    sign_in(c, "ana")
    listing = c.get("/plans")
    assert listing.status_code == 200 and "Community safety plan R1-A" in listing.text
    plan = c.get(f"/plans/{built.plan_id}")
    assert plan.status_code == 200 and 'id="progress-form"' in plan.text
    assert "Weapons amnesty campaign" in plan.text and "overdue" in plan.text
    page = c.get(f"/assessments/{built.assessment_id}")
    assert page.status_code == 200 and SECRET in page.text
    assert re.search(r"<td>1</td><td>Dark streets", page.text)
    assert "Unregistered firearms at home" in c.get("/assessments/rollup?area=R1").text
    community = c.get("/communities/R1-A")
    assert community.status_code == 200 and "data-chart" in community.text
    assert "Plans locaux de sécurité" in c.get("/plans?lang=fr").text


def _report_rows(html: str) -> int:
    table = re.search(r'<table class="data" id="reports">.*?</table>', html, re.S)
    return 0 if table is None else table.group(0).count("<tr>") - 1


def _verified_reports(engine: sa.Engine) -> None:
    """Two verified citizen reports in R1-A (issue 7 §3), only the first published."""
    from citizen_reports_support import lift_limits, submit

    from salus.usecases.citizen_reports import review

    lift_limits(engine)
    ana = SYSTEM_VIEWER
    for n, text in enumerate(("Shots near the school, call Ms Reporter-Secret", "Fight")):
        receipt = submit(engine, f"plans-{n}", description=text, phone="+15550001111")
        report_id = review.report_id_for(engine, receipt.reference)
        review.verify(engine, ana, report_id, iccs_code="0201", area_code="R1-A",
                      occurred_on="2024-11-02")
        if n == 0:
            review.publish(engine, ana, report_id, public_text="Shots near the school")


def test_the_public_community_page_names_no_one_and_suppresses_small_counts(
        store: tuple[sa.Engine, Built, str]) -> None:
    engine, built, _url = store
    _verified_reports(engine)
    anonymous = client(engine)
    assert anonymous.get("/plans", follow_redirects=False).status_code in (302, 303, 401)
    page = anonymous.get("/public/communities/R1-A")
    assert page.status_code == 200
    assert anonymous.get("/public/communities/NOPE").status_code == 404
    assert SECRET not in page.text and "&lt;5" in page.text
    assert f'href="/plans/{built.plan_id}"' not in page.text
    assert _report_rows(page.text) == 1 and "Reporter-Secret" not in page.text
    assert "5550001111" not in page.text
    analyst = client(engine)
    sign_in(analyst, "ana")
    assert _report_rows(analyst.get("/communities/R1-A").text) == 2   # verified, unpublished too
    data = client(engine, public=True).get("/api/v1/public/communities/R1-A").json()
    assert data["public"] is True and SECRET not in str(data)


def test_progress_is_recorded_from_the_page_by_editors_only(
        store: tuple[sa.Engine, Built, str]) -> None:
    engine, built, _url = store
    dora = client(engine)
    token = sign_in(dora, "dora")
    assert 'id="progress-form"' not in dora.get(f"/plans/{built.plan_id}").text
    refused = dora.post(f"/plans/{built.plan_id}/progress",
                        data={"csrf_token": token, "target": f"action:{built.actions[1]}",
                              "status": "in_progress"})
    assert refused.status_code == 403
    ana = client(engine)
    token = sign_in(ana, "ana")
    bad = ana.post(f"/plans/{built.plan_id}/progress",
                   data={"csrf_token": token, "target": f"indicator:{built.manual_indicator}",
                         "value": "lots"})
    assert bad.status_code == 422 and "not a number" in bad.text
    ok = ana.post(f"/plans/{built.plan_id}/progress", follow_redirects=False,
                  data={"csrf_token": csrf_from(bad.text),
                        "target": f"action:{built.actions[1]}", "status": "in_progress",
                        "note": "Poles ordered", "evidence": "https://example.org/order"})
    assert ok.status_code == 303
    assert "Poles ordered" in ana.get(f"/plans/{built.plan_id}").text
    zero = {"frequency": "0", "severity": "0", "concern": "0", "feasibility": "0"}
    refused_weights = ana.post(f"/assessments/{built.assessment_id}/weights",
                               data={"csrf_token": token, **zero})
    assert refused_weights.status_code == 422 and "sum to zero" in refused_weights.text
    moved = ana.post(f"/assessments/{built.assessment_id}/weights", follow_redirects=False,
                     data={"csrf_token": token, **zero, "severity": "1"})
    assert moved.status_code == 303
    ranked = assessments.get_assessment(engine, SYSTEM_VIEWER, built.assessment_id)
    assert ranked.problems[0].title.startswith("Domestic violence")    # severity 5 first
    assessments.set_weights(engine, SYSTEM_VIEWER, built.assessment_id, {})


def test_the_plan_exports_as_html_and_pdf_in_the_user_s_language(
        store: tuple[sa.Engine, Built, str]) -> None:
    engine, built, _url = store
    c = client(engine)
    sign_in(c, "ana")
    html = c.get(f"/plans/{built.plan_id}/export.html?lang=es")
    assert html.status_code == 200 and "Fuente de financiación" in html.text
    pdf = c.get(f"/plans/{built.plan_id}/export.pdf?lang=en")
    assert pdf.content.startswith(b"%PDF")
    assert "Community safety plan R1-A 2024–2025" in pdf_outline_titles(pdf.content)
    view = plan_views.get_plan(engine, SYSTEM_VIEWER, built.plan_id, TODAY)
    assert plan_pdf(view, "ar").startswith(b"%PDF")          # renders; fonts not asserted
    html_ar = plan_html(view, "ar")
    assert 'dir="rtl"' in html_ar and "الشرطة" in html_ar
    with pytest.raises(ValueError, match="unknown language"):
        plan_html(view, "xx")
    api = c.get(f"/api/v1/plans/{built.plan_id}/export?format=html&lang=ru")
    assert api.status_code == 200 and "Источник финансирования" in api.text


def test_the_api_creates_and_reads_plans_with_clear_errors(
        store: tuple[sa.Engine, Built, str]) -> None:
    engine, _built, _url = store
    c = client(engine)
    token = sign_in(c, "ana")
    h = {"X-CSRF-Token": token}
    created = c.post("/api/v1/plans", headers=h, json={
        "area": "R1-B", "title": "API plan", "period_start": "2025-01-01",
        "period_end": "2025-12-31"})
    assert created.status_code == 201
    plan_id = created.json()["id"]
    objective = c.post(f"/api/v1/plans/{plan_id}/objectives", headers=h,
                       json={"title": "Safer school routes"}).json()["id"]
    bad = c.post(f"/api/v1/plans/{plan_id}/actions", headers=h, json={
        "objective_id": objective, "title": "Patrols", "responsible": "police",
        "start_on": "2025-06-01", "due_on": "2025-05-01"})
    assert bad.status_code == 422 and "due_on" in bad.text
    good = c.post(f"/api/v1/plans/{plan_id}/actions", headers=h, json={
        "objective_id": objective, "title": "Patrols", "responsible": "police",
        "partners": ["school"], "due_on": "2025-05-01", "budget": 500, "currency": "usd"})
    assert good.status_code == 201
    plan = c.get(f"/api/v1/plans/{plan_id}?today=2025-06-01").json()
    assert plan["overdue"] == [good.json()["id"]] and plan["budget"] == {"USD": 500.0}
    assert c.get("/api/v1/assessments/rollup?area=R1").json()["assessments"] == 1


def test_the_cli_lists_shows_exports_and_updates(store: tuple[sa.Engine, Built, str],
                                                 tmp_path: Path) -> None:
    _engine, built, url = store
    runner = CliRunner(env={"COLUMNS": "200"})
    listed = runner.invoke(app, ["plans", "list", "--db", url, "--today", "2024-12-31"])
    assert listed.exit_code == 0 and "Community safety plan" in listed.output
    shown = runner.invoke(app, ["plans", "show", str(built.plan_id), "--db", url,
                                "--today", "2024-12-31"])
    assert shown.exit_code == 0 and "(computed, data to 2024-" in shown.output
    out = tmp_path / "plan.html"
    exported = runner.invoke(app, ["plans", "export", str(built.plan_id), "--format", "html",
                                   "--lang", "fr", "-o", str(out), "--db", url])
    assert exported.exit_code == 0 and "Source de financement" in out.read_text()
    updated = runner.invoke(app, ["plans", "update", str(built.plan_id), "--indicator",
                                  str(built.manual_indicator), "--value", "52", "--db", url])
    assert updated.exit_code == 0, updated.output
    refused = runner.invoke(app, ["plans", "update", str(built.plan_id), "--action",
                                  str(built.actions[0]), "--status", "finished", "--db", url])
    assert refused.exit_code == 2 and "status" in refused.output
    rolled = runner.invoke(app, ["plans", "rollup", "--db", url])
    assert rolled.exit_code == 0 and "Domestic violence" in rolled.output


def _figure_rows(page: str) -> list[list[str]]:
    """The cells of the page's indicator table (``_figures.html``), tags stripped."""
    table = re.search(r'<table class="data figures">.*?</table>', page, re.S)
    assert table, "no indicator table on the page"
    body = table.group(0).split("<tbody>")[1]
    return [[html.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
             for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)]
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)]


def test_the_community_page_shows_the_indicator_figures_the_api_gives(
        store: tuple[sa.Engine, Built, str]) -> None:
    engine, _built, _url = store
    ana = client(engine)
    sign_in(ana, "ana")
    for page_url, api_url, c in (
            ("/communities/R1-A", "/api/v1/communities/R1-A", ana),
            ("/public/communities/R1-A", "/api/v1/public/communities/R1-A", client(engine))):
        figures = c.get(api_url).json()["figures"]
        assert figures, "the API gives figures for R1-A"
        rows = _figure_rows(c.get(page_url).text)
        assert [(r[2], r[4]) for r in rows] == [(f["count"], f["previous"]) for f in figures]
        assert [r[0] for r in rows] == [f["title"] for f in figures]
    homicides = next(f for f in ana.get("/api/v1/communities/R1-A").json()["figures"]
                     if f["indicator"] == "sdg-16-1-1")
    assert int(homicides["count"]) > 0          # the seeded homicides of 2024, not an empty row


def test_an_assessment_of_a_period_without_data_shows_no_data_not_minus_100(
        engine: sa.Engine) -> None:
    import datetime as dt

    from salus.usecases.plans.community_figures import indicator_figures

    observatory(engine)           # the seeded incidents stop in June 2024
    later = assessments.create_assessment(engine, SYSTEM_VIEWER, assessments.AssessmentSpec(
        "R1-A", "Second-half assessment", dt.date(2024, 7, 1), dt.date(2024, 12, 31)))
    figures = indicator_figures(engine, SYSTEM_VIEWER, "R1-A", dt.date(2024, 7, 1),
                                dt.date(2024, 12, 31))
    assert figures and all(f.no_data and f.change_pct is None for f in figures)
    c = client(engine)
    sign_in(c, "ana")
    rows = _figure_rows(c.get(f"/assessments/{later}").text)
    assert len(rows) == 3 and all("no data" in r[2] for r in rows)
    assert not any("%" in cell for r in rows for cell in r[1:])      # no change, no −100 %
    first_half = _figure_rows(c.get("/assessments/1").text)
    assert not any("no data" in cell for r in first_half for cell in r)
