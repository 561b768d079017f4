"""Security headers on every response, and templates that put no script in the page.

Issue 15, item 1: a strict Content-Security-Policy (no inline script, no eval, nothing from
elsewhere), no framing, no MIME sniffing, no full URL in ``Referer`` — on the signed-in pages,
the ``--public`` site, the API, static files and error pages. The templates are scanned so that
no inline ``<script>``, ``on…=`` handler, ``javascript:`` URL or unescaped output comes back.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from web_support import TestClient, client, shared_observatory, sign_in

from salus.web.app import create_app
from salus.web.security import CSP_DIRECTIVES

__all__ = ["shared_observatory"]

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = [ROOT / "salus/web/templates", ROOT / "salus/reports/templates"]
#: The plan report is a standalone document (downloaded, printed to PDF by WeasyPrint): its
#: style sheet is inline because no server serves it there.
STANDALONE = {ROOT / "salus/reports/templates/plan.html"}
SIGNED_IN = ["/", "/dashboard/panel/map?year=2024", "/incidents", "/imports", "/areas",
             "/indicators?id=sdg-16-1-1&period=2024&by=area", "/alerts", "/hotspots",
             "/clusters", "/users", "/audit", "/account", "/reconciliation", "/plans",
             "/communities/R1-A", "/report", "/no-such-page",
             "/api/v1/areas/geojson?level=1", "/api/v1/incidents", "/api/v1/nope",
             "/static/js/salus.js", "/static/css/salus.css"]
ANONYMOUS = ["/login", "/report", "/", "/api/v1/incidents", "/static/js/page.js"]
PUBLIC = ["/", "/dashboard/panel/map?year=2024", "/indicators?id=sdg-16-1-1&period=2024",
          "/public/communities/R1-A", "/report", "/incidents", "/api/v1/areas/geojson",
          "/static/js/report.js"]


def directives(header: str) -> dict[str, list[str]]:
    parsed = {}
    for part in header.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


def assert_protected(headers: object, where: str) -> None:
    csp = directives(headers["content-security-policy"])  # type: ignore[index]
    assert csp["script-src"] == ["'self'"], where             # no inline, no eval, no CDN
    assert csp["default-src"] == ["'self'"] and csp["object-src"] == ["'none'"], where
    assert csp["frame-ancestors"] == ["'none'"] and csp["base-uri"] == ["'self'"], where
    assert csp["form-action"] == ["'self'"] and csp["style-src"] == ["'self'"], where
    assert headers["x-frame-options"] == "DENY", where  # type: ignore[index]
    assert headers["x-content-type-options"] == "nosniff", where  # type: ignore[index]
    assert headers["referrer-policy"] == "strict-origin-when-cross-origin", where  # type: ignore[index]


def test_every_page_api_answer_static_file_and_error_carries_the_security_headers(
        shared_observatory: sa.Engine) -> None:
    anonymous = client(shared_observatory)
    for path in ANONYMOUS:
        r = anonymous.get(path, follow_redirects=False)
        assert_protected(r.headers, f"anonymous {path} ({r.status_code})")
    admin = client(shared_observatory)
    sign_in(admin, "admin")
    statuses = set()
    for path in SIGNED_IN:
        r = admin.get(path, follow_redirects=False)
        statuses.add(r.status_code)
        assert_protected(r.headers, f"admin {path} ({r.status_code})")
    assert {200, 404} <= statuses
    public = client(shared_observatory, public=True)
    for path in PUBLIC:
        r = public.get(path, follow_redirects=False)
        assert_protected(r.headers, f"public {path} ({r.status_code})")


def test_a_form_post_and_its_refusal_carry_the_headers_too(shared_observatory: sa.Engine) -> None:
    c = client(shared_observatory)
    refused = c.post("/login", data={"username": "admin", "password": "x"})  # no CSRF token
    assert refused.status_code in (400, 403)
    assert_protected(refused.headers, "refused login")


def test_the_api_docs_start_swagger_from_a_salus_file_not_an_inline_script(
        shared_observatory: sa.Engine) -> None:
    c = client(shared_observatory)
    r = c.get("/api/docs")
    assert r.status_code == 200
    csp = directives(r.headers["content-security-policy"])
    assert csp["script-src"] == ["'self'", "https://cdn.jsdelivr.net"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert inline_scripts(r.text) == []
    assert '<script src="/static/js/api-docs.js">' in r.text
    assert 'data-openapi="/api/v1/openapi.json"' in r.text
    assert "SwaggerUIBundle" in c.get("/static/js/api-docs.js").text
    assert c.get("/api/v1/openapi.json").status_code == 200


def test_the_policy_allows_no_inline_script_no_eval_and_no_other_origin() -> None:
    values = " ".join(CSP_DIRECTIVES.values())
    assert "'unsafe-eval'" not in values and "http" not in values and "*" not in values
    assert "'unsafe-inline'" not in CSP_DIRECTIVES["script-src"]
    assert "'unsafe-inline'" not in CSP_DIRECTIVES["style-src"]


def inline_scripts(html: str) -> list[str]:
    """The ``<script>`` elements of ``html`` that carry code of their own (or have no src)."""
    found = []
    for attrs, body in re.findall(r"<script\b([^>]*)>(.*?)</script\s*>", html, re.S | re.I):
        if body.strip() or not re.search(r"\bsrc\s*=", attrs):
            found.append(f"<script{attrs}>{body[:60]}")
    return found


def scan(text: str, standalone: bool) -> list[str]:
    """What in a template would run script, or put data into the page as HTML."""
    problems = inline_scripts(text)
    for tag in re.findall(r"<[a-zA-Z][^>]*>", text):
        problems += [f"handler in {tag[:80]}"
                     for _ in re.findall(r"\son[a-z]+\s*=", tag, re.I)]
    problems += [f"javascript: URL near {m.start()}" for m in
                 re.finditer(r"javascript:", text, re.I)]
    problems += [f"unescaped output: {m.group(0)}" for m in
                 re.finditer(r"\|\s*safe\b|Markup\(|autoescape\s+false", text)]
    if not standalone:
        problems += [f"<style> element near {m.start()}"
                     for m in re.finditer(r"<style\b", text, re.I)]
    return problems


def test_no_template_has_inline_script_event_handler_javascript_url_or_unescaped_output() -> None:
    templates = [p for folder in TEMPLATES for p in sorted(folder.rglob("*.html"))]
    assert len(templates) > 40
    problems = {str(p.relative_to(ROOT)): found for p in templates
                if (found := scan(p.read_text(encoding="utf-8"), p in STANDALONE))}
    assert problems == {}


@pytest.mark.parametrize("snippet", [
    "<script>alert(1)</script>", '<script src="/x.js">alert(1)</script>', "<script></script>",
    '<select onchange="this.form.submit()">', '<a href="javascript:go()">', "{{ name|safe }}",
    "<style>p{}</style>", "<BUTTON ONCLICK='x()'>"])
def test_the_template_scan_finds_each_kind_of_inline_script(snippet: str) -> None:
    assert scan(snippet, standalone=False) != []


def test_the_template_scan_passes_script_files_and_data_attributes() -> None:
    ok = ('<script src="/static/js/salus.js" defer></script>'
          '<div data-map="{{ spec|tojson_attr }}" data-online="1"></div>')
    assert scan(ok, standalone=False) == []


def test_the_plan_report_shows_a_hostile_title_and_area_name_as_text(engine: sa.Engine) -> None:
    import datetime as dt

    from web_support import seed

    from salus.domain.accounts.roles import SYSTEM_VIEWER
    from salus.domain.incidents.model import Area
    from salus.reports import plans as report
    from salus.storage import repository
    from salus.usecases.plans import editing, views

    seed(engine, per_district=1)
    hostile = "<img src=x onerror=alert(1)>"
    with engine.begin() as conn:
        repository.save_areas(conn, [Area("R1-A", f"{hostile} district", 2, "R1")])
    plan_id = editing.create_plan(engine, SYSTEM_VIEWER, editing.PlanSpec(
        "R1-A", "<script>alert(2)</script> plan", dt.date(2024, 1, 1), dt.date(2024, 12, 31)))
    html = report.plan_html(views.get_plan(engine, SYSTEM_VIEWER, plan_id))
    assert "<img" not in html and "<script>" not in html
    assert "&lt;img src=x onerror=alert(1)&gt; district" in html
    assert "&lt;script&gt;alert(2)&lt;/script&gt; plan" in html


def test_an_unhandled_error_answer_carries_the_headers_too(shared_observatory: sa.Engine) -> None:
    app = create_app(shared_observatory)

    def fails() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/fails", fails)
    r = TestClient(app, raise_server_exceptions=False).get("/fails")
    assert r.status_code == 500
    assert_protected(r.headers, "500")
