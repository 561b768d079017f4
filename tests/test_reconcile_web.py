"""Reconciliation in the web app: start a job, watch it finish, read its table, clusters and
review queue, decide pairs (stored, audited, reused by the next job), download the table."""

from __future__ import annotations

import datetime as dt
import io
import re

import openpyxl
import pandas as pd
import pytest
import sqlalchemy as sa
from reconcile_support import (
    SOURCES,
    cells,
    cluster_of,
    clusters_per_source,
    job_count,
    linked_pair,
    observatory,
    records_per_source,
)
from web_support import client, sign_in

from salus.domain.accounts.roles import Viewer
from salus.storage import schema as t
from salus.usecases.reconcile import jobs as uc
from salus.usecases.reconcile import runs
from salus.usecases.reconcile.records import Scope

__all__ = ["observatory"]


@pytest.fixture(scope="module")
def job_id(observatory: sa.Engine) -> int:
    """One job started from the web by the analyst and finished (shared by read-only tests)."""
    c = client(observatory)
    return _start(c, sign_in(c, "ana"))


def _start(c: object, csrf: str, period: str = "2024") -> int:
    r = c.post("/reconciliation", data={"csrf_token": csrf, "sources": list(SOURCES),  # type: ignore[attr-defined]
                                        "period": period}, follow_redirects=False)
    assert r.status_code == 303, r.text
    found = re.fullmatch(r"/reconciliation/(\d+)", r.headers["location"])
    assert found
    return int(found.group(1))


def test_a_job_started_from_the_web_shows_the_use_case_s_table(
        observatory: sa.Engine, job_id: int) -> None:
    c = client(observatory)
    sign_in(c, "ana")
    form = c.get("/reconciliation").text
    assert 'id="start-job"' in form and all(f'value="{s}"' in form for s in SOURCES)

    page = c.get(f"/reconciliation/{job_id}").text
    assert "Status: <strong>done</strong>" in page and 'id="reconciled"' in page
    stored = uc.job_table(observatory, job_id)
    total = stored[stored["area"] == "all"].iloc[0]
    shown = cells(page, "all")
    for column in (*SOURCES, "confirmed", "unique"):
        assert int(shown[column].replace(",", "")) == int(total[column])
    assert float(shown["estimate"].replace(",", "")) == round(float(total["estimate"]), 1)
    for area in stored["area"]:
        assert f'data-area="{area}"' in page

    # by hand: every killed victim of 2024 is one record, and each source's count is the
    # number of distinct victims (clusters) it recorded
    per_source = records_per_source(observatory)
    job = c.get("/reconciliation").text
    assert f">{sum(per_source.values())}<" in job
    by_cluster = clusters_per_source(observatory, job_id)
    assert {s: int(total[s]) for s in SOURCES} == {s: by_cluster[s] for s in SOURCES}
    assert all(int(total[s]) <= per_source[s] for s in SOURCES)
    assert 'id="reconcile-chart"' in page and "echarts" in page


def test_a_running_job_polls_and_then_reloads(observatory: sa.Engine) -> None:
    scope = Scope(SOURCES, dt.date(1999, 1, 1), dt.date(1999, 6, 30))
    ana = Viewer.for_role("ana", "analyst")
    job_id = runs.start_job(observatory, ana, scope)
    c = client(observatory)
    sign_in(c, "dora")
    page = c.get(f"/reconciliation/{job_id}").text
    assert f'hx-get="/reconciliation/{job_id}/status"' in page
    assert f'href="/reconciliation/{job_id}">Refresh' in page  # works without JavaScript
    assert "HX-Refresh" not in c.get(f"/reconciliation/{job_id}/status").headers
    runs.finish_job(observatory, job_id, scope, "ana")
    status = c.get(f"/reconciliation/{job_id}/status")
    assert status.headers["HX-Refresh"] == "true" and "failed" in status.text


def test_a_job_that_fails_shows_its_error_not_a_500(observatory: sa.Engine) -> None:
    c = client(observatory)
    csrf = sign_in(c, "ana")
    job_id = _start(c, csrf, period="1999")  # a valid period without records
    page = c.get(f"/reconciliation/{job_id}")
    assert page.status_code == 200
    assert "failed" in page.text and "no victim records match" in page.text
    assert "no victim records match" in c.get("/reconciliation").text
    assert c.get(f"/reconciliation/{job_id}/clusters").status_code == 404


def test_bad_input_names_the_fields_and_starts_nothing(observatory: sa.Engine) -> None:
    c = client(observatory)
    csrf = sign_in(c, "ana")
    before = job_count(observatory)
    r = c.post("/reconciliation", data={"csrf_token": csrf, "sources": ["police", "rumour"],
                                        "period": "last year", "area": "NOWHERE"})
    assert r.status_code == 422
    assert "rumour" in r.text and "last year" in r.text and "NOWHERE" in r.text
    assert job_count(observatory) == before


def test_a_decision_is_stored_audited_and_reused_by_the_next_job(
        observatory: sa.Engine, job_id: int) -> None:
    c = client(observatory)
    csrf = sign_in(c, "ana")
    first = job_id
    left, right = linked_pair(observatory, first)
    assert cluster_of(observatory, first, left) == cluster_of(observatory, first, right)

    swapped = c.post(f"/reconciliation/{first}/review", headers={"HX-Request": "true"},
                     data={"csrf_token": csrf, "key_l": left, "key_r": right,
                           "decision": "no_match", "note": "different ages"})
    assert swapped.status_code == 200
    assert swapped.text.startswith('<div id="review-pair">') and "Decision recorded" in swapped.text
    with observatory.connect() as conn:
        decision = conn.execute(sa.select(t.linkage_decision)
                                .order_by(t.linkage_decision.c.id.desc())).first()
        audited = conn.execute(sa.select(t.audit_event.c.actor).where(
            t.audit_event.c.action == "decide",
            t.audit_event.c.entity_id == str(decision.id))).scalar_one()
    assert decision.decision == "no_match" and decision.actor == "ana" == audited
    assert decision.job_id == first and {decision.record_key_l, decision.record_key_r} == {
        left, right}

    second = _start(c, csrf)
    assert cluster_of(observatory, second, left) != cluster_of(observatory, second, right)


def test_the_review_queue_shows_pairs_side_by_side_with_their_weights(
        observatory: sa.Engine, job_id: int) -> None:
    c = client(observatory)
    csrf = sign_in(c, "ana")
    open_pairs = uc.review_items(observatory, job_id, limit=1000)
    page = c.get(f"/reconciliation/{job_id}/review").text
    assert f"Pairs left to review: {len(open_pairs)}<" in page
    if len(open_pairs):
        first = open_pairs.iloc[0]
        assert first["record_key_l"] in page and first["record_key_r"] in page
        assert 'id="weights"' in page and "match weight" in page and "prior" in page
        for button in ("match", "no_match", "unsure"):
            assert f'name="decision" value="{button}"' in page
        # a plain form post (no JavaScript) redirects to the queue; "unsure" moves past the pair
        r = c.post(f"/reconciliation/{job_id}/review", follow_redirects=False, data={
            "csrf_token": csrf, "key_l": first["record_key_l"], "key_r": first["record_key_r"],
            "decision": "unsure", "offset": "0"})
        assert r.status_code == 303 and r.headers["location"].endswith("review?offset=1")
    else:
        assert 'id="queue-empty"' in page


def test_clusters_list_their_records_and_filter_by_number_of_sources(
        observatory: sa.Engine, job_id: int) -> None:
    c = client(observatory)
    sign_in(c, "ana")
    page = c.get(f"/reconciliation/{job_id}/clusters?sources=3").text
    r = t.linkage_record
    with observatory.connect() as conn:
        sizes = conn.execute(sa.select(r.c.cluster_key, sa.func.count(sa.distinct(r.c.source)))
                             .where(r.c.job_id == job_id).group_by(r.c.cluster_key)).all()
    three = sum(1 for _k, n in sizes if n == 3)
    assert f"Clusters: {three}<" in page
    for block in re.findall(r'<section class="card cluster".*?</section>', page, re.S):
        assert all(f"<td>{s}</td>" in block for s in SOURCES)
    every = c.get(f"/reconciliation/{job_id}/clusters").text
    assert f"Clusters: {len(sizes)}<" in every and 'rel="next"' in every


def test_names_are_shown_only_to_roles_that_see_identities(observatory: sa.Engine,
                                                          job_id: int) -> None:
    ana, monty = client(observatory), client(observatory)
    sign_in(ana, "ana")
    sign_in(monty, "monty")
    p, r = t.person, t.linkage_record
    with observatory.connect() as conn:
        key, name = conn.execute(
            sa.select(r.c.record_key, p.c.family_name).join(p, p.c.id == r.c.person_id)
            .where(r.c.job_id == job_id, r.c.source == "police", p.c.family_name.is_not(None))
            .order_by(r.c.confidence, r.c.cluster_key)).first()
    seen = ana.get(f"/reconciliation/{job_id}/clusters?per_page=200").text
    assert key in seen and name in seen
    hidden = monty.get(f"/reconciliation/{job_id}/clusters?per_page=200").text
    assert name not in hidden and ("hidden" in hidden or "outside your area" in hidden)


def test_roles_without_reconcile_cannot_start_jobs_or_decide(observatory: sa.Engine,
                                                            job_id: int) -> None:
    c = client(observatory)
    sign_in(c, "ana")
    left, right = linked_pair(observatory, job_id)
    dora = client(observatory)
    dora_csrf = sign_in(dora, "dora")
    page = dora.get("/reconciliation")
    assert page.status_code == 200 and 'id="start-job"' not in page.text
    before = job_count(observatory)
    assert dora.post("/reconciliation", data={"csrf_token": dora_csrf, "sources": ["police"],
                                              "period": "2024"}).status_code == 403
    assert job_count(observatory) == before
    assert dora.post(f"/reconciliation/{job_id}/review", data={
        "csrf_token": dora_csrf, "key_l": left, "key_r": right,
        "decision": "match"}).status_code == 403
    assert 'id="decide"' not in dora.get(f"/reconciliation/{job_id}/review").text
    pub = client(observatory)
    sign_in(pub, "pub")
    assert pub.get("/reconciliation").status_code == 403
    assert c.post("/reconciliation", data={"sources": ["police"], "period": "2024"}
                  ).status_code == 403  # no CSRF token


def test_the_table_downloads_as_csv_and_xlsx(observatory: sa.Engine, job_id: int) -> None:
    c = client(observatory)
    sign_in(c, "ana")
    stored = uc.job_table(observatory, job_id)
    csv = c.get(f"/reconciliation/{job_id}/export.csv")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert "attachment" in csv.headers["content-disposition"]
    frame = pd.read_csv(io.StringIO(csv.text))
    assert frame["unique"].tolist() == stored["unique"].tolist()
    assert list(frame.columns[:5]) == ["period", "area", *SOURCES]
    xlsx = c.get(f"/reconciliation/{job_id}/export.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content))["reconciled"]
    assert sheet.max_row == len(stored) + 1
    assert c.get(f"/reconciliation/{job_id}/export.pdf").status_code in (404, 422)


def test_the_job_page_says_which_records_each_figure_counts(
        observatory: sa.Engine, job_id: int) -> None:
    import html

    from salus.usecases.indicators.compute import compute_indicator
    from salus.usecases.indicators.dashboard import definitions_folder

    c = client(observatory)
    sign_in(c, "ana")
    page = c.get(f"/reconciliation/{job_id}").text
    found = re.search(r'<section id="what-counts">.*?</section>', page, re.S)
    assert found, "the page does not explain its figures"
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", found.group(0))).split())
    assert f"Each source's column ({', '.join(SOURCES)})" in text
    assert "whatever the offence" in text and "recorded twice counts once" in text
    sdg = compute_indicator(observatory, "sdg-16-1-1", period="2024", by=[],
                            definitions=[definitions_folder()])
    victims = sdg.rows[0].victims if sdg.rows else 0
    assert f"SDG 16.1.1 for the same period and area counts {victims:,} victims" in text
    assert "ICCS 0101" in text and "primary series" in text
