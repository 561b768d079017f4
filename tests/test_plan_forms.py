"""Creating community safety assessments and plans through the web forms (plan_forms).

The whole flow runs on SQLite and PostgreSQL (the ``engine`` fixture); refusals, permissions
and scope on one SQLite observatory.
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from plans_support import Built, observatory
from web_support import add_cast, client, csrf_from, seed, sign_in

from salus.storage import plans as p
from salus.storage import schema as t
from salus.storage.db import open_store


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[sa.Engine, Built]]:
    engine = open_store(f"sqlite:///{tmp_path_factory.mktemp('plan_forms') / 'salus.db'}")
    built = observatory(engine)
    yield engine, built
    engine.dispose()


def counts(engine: sa.Engine) -> dict[str, int]:
    tables = [p.community_assessment, p.assessment_consultation, p.assessment_problem,
              p.safety_plan, p.plan_objective, p.plan_action, p.plan_indicator, t.audit_event]
    with engine.connect() as conn:
        return {tb.name: int(conn.execute(sa.select(sa.func.count()).select_from(tb)).scalar()
                             or 0) for tb in tables}


def submit(c: TestClient, path: str, data: dict[str, Any]) -> Any:
    """Open the form at ``path`` (for its CSRF token) and post ``data`` to it."""
    page = c.get(path)
    assert page.status_code == 200, page.text
    return c.post(path, data={"csrf_token": csrf_from(page.text), **data},
                  follow_redirects=False)


def created_id(response: Any, prefix: str) -> int:
    assert response.status_code == 303, response.text
    found = re.fullmatch(rf"{prefix}/(\d+)", response.headers["location"])
    assert found, response.headers["location"]
    return int(found.group(1))


def error_beside(html: str, field: str) -> str:
    found = re.search(rf'id="field-{re.escape(field)}".*?class="field-error" '
                      rf'data-field="{re.escape(field)}">([^<]*)<', html, re.S)
    assert found, f"no message beside {field}"
    return html_lib.unescape(found.group(1))


def test_an_editor_creates_an_assessment_and_a_whole_plan_through_the_forms(
        engine: sa.Engine) -> None:
    seed(engine, per_district=1)
    add_cast(engine, scoped_area="R1")
    c = client(engine)
    sign_in(c, "ana")
    assert 'href="/assessments/new"' in c.get("/plans").text
    assessment = created_id(submit(c, "/assessments/new", {
        "area": "R1-B", "title": "Assessment of R1-B", "period_start": "2024-01-01",
        "period_end": "2024-06-30", "status": "in_progress"}), "/assessments")
    consultation = submit(c, f"/assessments/{assessment}/consultations/new", {
        "kind": "meeting", "held_on": "2024-02-01", "place": "School hall",
        "facilitator": "F. Moderator", "n.women.female.18-35": "7",
        "n.youth.male.0-17": "4", "n.police.male.36-59": ""})
    assert created_id(consultation, "/assessments") == assessment
    page = c.get(f"/assessments/{assessment}").text
    assert "School hall" in page and "<td>11</td>" in page
    held = re.search(r'<option value="(\d+)">2024-02-01 · School hall',
                     c.get(f"/assessments/{assessment}/problems/new").text)
    assert held
    created_id(submit(c, f"/assessments/{assessment}/problems/new", {
        "category": "street_lighting", "title": "Dark road to the school",
        "location": "Station road", "root_causes": "No lamps\nNo maintenance budget",
        "raised_by": ["women", "youth"], "consultation_id": held.group(1),
        "score_frequency": "4", "score_severity": "3", "score_feasibility": "5"}),
        "/assessments")
    page = c.get(f"/assessments/{assessment}").text
    assert "Dark road to the school" in page and "No lamps; No maintenance budget" in page
    assert re.search(r"<td>4.00</td><td>3.00</td><td>5.00\*</td><td>5.00</td><td><strong>4.25<",
                     page), "scores 4, 3, 5 (concern derived: both groups consulted) → 4.25"
    form = c.get(f"/plans/new?assessment={assessment}").text
    assert 'value="R1-B"' in form and f'name="assessment_id" value="{assessment}"' in form
    plan = created_id(submit(c, f"/plans/new?assessment={assessment}", {
        "area": "R1-B", "title": "Safety plan R1-B", "period_start": "2024-07-01",
        "period_end": "2025-12-31", "status": "adopted", "assessment_id": str(assessment)}),
        "/plans")
    problem = re.search(r'<option value="(\d+)">Dark road',
                        c.get(f"/plans/{plan}/objectives/new").text)
    assert problem
    created_id(submit(c, f"/plans/{plan}/objectives/new", {
        "title": "Lit streets", "problem_id": problem.group(1)}), "/plans")
    objective = re.search(r'<option value="(\d+)">Lit streets',
                          c.get(f"/plans/{plan}/actions/new").text)
    assert objective
    created_id(submit(c, f"/plans/{plan}/actions/new", {
        "objective_id": objective.group(1), "title": "Install solar lamps",
        "responsible": "municipality", "partners": ["youth_group", "private_sector"],
        "start_on": "2024-08-01", "due_on": "2025-03-31", "budget": "15000.50",
        "currency": "eur", "funding_source": "Municipal budget", "status": "planned"}),
        "/plans")
    created_id(submit(c, f"/plans/{plan}/indicators/new", {
        "objective_id": objective.group(1), "name": "Homicide victims", "unit": "victims",
        "direction": "decrease", "baseline": "3", "baseline_on": "2024-06-30",
        "target": "1", "target_on": "2025-12-31", "link_indicator": "sdg-16-1-1",
        "link_filters": "", "link_measure": "count", "link_months": "12"}), "/plans")
    page = c.get(f"/plans/{plan}").text
    assert "Lit streets" in page and "Install solar lamps" in page
    assert re.search(r"<td>15,00\d(\.\d+)? EUR</td>", page), re.findall(r"<td>[^<]*EUR", page)
    assert "Homicide victims" in page and "computed from the observatory" in page
    with engine.connect() as conn:
        action = conn.execute(sa.select(p.plan_action)).one()
        indicator = conn.execute(sa.select(p.plan_indicator)).one()
        audited = conn.execute(sa.select(t.audit_event.c.entity)).scalars().all()
    assert action.partners == ["youth_group", "private_sector"] and action.currency == "EUR"
    assert indicator.link["indicator"] == "sdg-16-1-1"
    assert {"community_assessment", "assessment_consultation", "assessment_problem",
            "safety_plan", "plan_objective", "plan_action", "plan_indicator"} <= set(audited)


@pytest.mark.parametrize(("path", "data", "field", "message"), [
    ("/plans/{plan}/actions/new",
     {"objective_id": "{objective}", "title": "Late", "responsible": "police",
      "start_on": "2025-02-01", "due_on": "2025-01-01", "status": "planned"},
     "due_on", "before"),
    ("/plans/{plan}/actions/new",
     {"objective_id": "{objective}", "title": "Who", "responsible": "wizard",
      "status": "planned"}, "responsible", "unknown responsible actor 'wizard'"),
    ("/plans/{plan}/actions/new",
     {"objective_id": "{objective}", "title": "Money", "responsible": "police",
      "budget": "-5", "currency": "EUR", "status": "planned"}, "budget", ">= 0"),
    ("/plans/{plan}/indicators/new",
     {"name": "Wrong way", "unit": "%", "direction": "increase", "baseline": "50",
      "baseline_on": "2024-01-01", "target": "40", "target_on": "2025-01-01"},
     "target", "does not increase"),
    ("/plans/{plan}/indicators/new",
     {"name": "Bad link", "unit": "victims", "direction": "decrease", "baseline": "5",
      "baseline_on": "2024-01-01", "target": "2", "target_on": "2025-01-01",
      "link_indicator": "sdg-16-1-1", "link_filters": "colour=blue", "link_months": "12"},
     "link_filters", "unknown filter key"),
    ("/assessments/{assessment}/problems/new",
     {"category": "theft", "title": "Too severe", "score_severity": "9"},
     "score_severity", "9"),
    ("/assessments/new",
     {"area": "NOWHERE", "title": "Lost", "period_start": "2024-01-01",
      "period_end": "2024-02-01"}, "area", "no area with code 'NOWHERE'"),
    ("/assessments/new",
     {"area": "R1-A", "title": "Backwards", "period_start": "2024-03-01",
      "period_end": "not-a-date"}, "period_end", "YYYY-MM-DD"),
    ("/assessments/{assessment}/consultations/new",
     {"kind": "meeting", "held_on": "2024-02-01", "place": "Hall",
      "n.women.female.18-35": "-3"}, "participants", "not a whole number"),
])
def test_a_bad_value_is_shown_beside_its_field_with_the_values_kept_and_nothing_written(
        store: tuple[sa.Engine, Built], path: str, data: dict[str, str], field: str,
        message: str) -> None:
    engine, built = store
    ids = {"plan": built.plan_id, "objective": built.objective_id,
           "assessment": built.assessment_id}
    c = client(engine)
    sign_in(c, "ana")
    before = counts(engine)
    response = submit(c, path.format(**ids), {k: v.format(**ids) for k, v in data.items()})
    assert response.status_code == 422
    assert message in error_beside(response.text, field)
    kept = next(v for k, v in data.items() if k not in ("status", "objective_id"))
    assert f'value="{kept}"' in response.text or f">{kept}<" in response.text
    assert counts(engine) == before


def test_a_role_without_edit_plans_gets_403_and_sees_no_add_links(
        store: tuple[sa.Engine, Built]) -> None:
    engine, built = store
    c = client(engine)
    csrf = sign_in(c, "dora")
    assert "/assessments/new" not in c.get("/plans").text
    assert "/objectives/new" not in c.get(f"/plans/{built.plan_id}").text
    assert "/problems/new" not in c.get(f"/assessments/{built.assessment_id}").text
    before = counts(engine)
    assert c.get("/assessments/new").status_code == 403
    for path, data in [
            ("/assessments/new", {"area": "R1-A", "title": "X", "period_start": "2024-01-01",
                                  "period_end": "2024-02-01"}),
            (f"/plans/{built.plan_id}/objectives/new", {"title": "Sneaky"}),
            (f"/assessments/{built.assessment_id}/problems/new",
             {"category": "theft", "title": "Sneaky"})]:
        assert c.post(path, data={"csrf_token": csrf, **data}).status_code == 403
    assert counts(engine) == before


def test_a_scoped_editor_cannot_create_outside_their_area(
        store: tuple[sa.Engine, Built]) -> None:
    engine, _built = store
    c = client(engine)
    sign_in(c, "monty")  # community monitor bound to R1
    before = counts(engine)
    refused = submit(c, "/assessments/new", {
        "area": "R2-A", "title": "Outside", "period_start": "2024-01-01",
        "period_end": "2024-06-30"})
    assert refused.status_code == 403
    refused = submit(c, "/plans/new", {
        "area": "R2-B", "title": "Outside", "period_start": "2024-01-01",
        "period_end": "2024-06-30"})
    assert refused.status_code == 403
    assert counts(engine) == before
    inside = created_id(submit(c, "/assessments/new", {
        "area": "R1-B", "title": "Inside R1", "period_start": "2024-01-01",
        "period_end": "2024-06-30"}), "/assessments")
    assert "Inside R1" in c.get(f"/assessments/{inside}").text


def test_the_forms_speak_the_user_s_language(store: tuple[sa.Engine, Built]) -> None:
    engine, built = store
    c = client(engine)
    sign_in(c, "ana")
    page = c.get(f"/plans/{built.plan_id}/actions/new?lang=fr").text
    assert "Ajouter une action" in page and "Devise" in page and "Municipalité" in page
    page = c.get(f"/assessments/{built.assessment_id}/consultations/new?lang=ar").text
    assert 'dir="rtl"' in page and "إضافة مشاورة" in page


def test_a_form_page_and_a_list_page_speak_french_though_no_route_sets_the_language(
        store: tuple[sa.Engine, Built]) -> None:
    engine, built = store
    c = client(engine)
    sign_in(c, "ana")
    french = {"Accept-Language": "fr"}
    form = c.get(f"/plans/{built.plan_id}/actions/new", headers=french).text
    assert "Ajouter une action" in form
    assert "Municipalité" in form, "code labels the route looks up before rendering"
    listing = c.get("/plans", headers=french).text
    assert "Plans locaux de sécurité" in listing and "Nouvelle évaluation" in listing
