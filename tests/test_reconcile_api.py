"""``/api/v1/reconciliation``: jobs, the reconciled table, clusters, the review queue and
decisions, with problem+json errors and the same permissions as the pages."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from reconcile_support import (
    SCOPED_AREA,
    SOURCES,
    cluster_of,
    job_count,
    linked_pair,
    observatory,
)
from web_support import client, sign_in

from salus.storage import schema as t
from salus.usecases.reconcile import jobs as uc

__all__ = ["observatory"]
API = "/api/v1/reconciliation"
PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def job_id(observatory: sa.Engine) -> int:
    """A job started through the API by the analyst (it runs after the 202 response)."""
    c = client(observatory)
    csrf = sign_in(c, "ana")
    r = c.post(f"{API}/jobs", json={"sources": list(SOURCES), "period": "2024"},
               headers={"X-CSRF-Token": csrf})
    assert r.status_code == 202, r.text
    assert r.json()["status"] == "running" and r.json()["actor"] == "ana"
    return int(r.json()["id"])


def test_a_started_job_finishes_and_serves_the_use_case_s_table(observatory: sa.Engine,
                                                                 job_id: int) -> None:
    c = client(observatory)
    sign_in(c, "dora")
    job = c.get(f"{API}/jobs/{job_id}").json()
    assert job["status"] == "done" and job["records"] > 50 and job["sources"] == list(SOURCES)
    assert job_id in [j["id"] for j in c.get(f"{API}/jobs").json()]
    table = c.get(f"{API}/jobs/{job_id}/table").json()
    stored = uc.job_table(observatory, job_id)
    assert [r["unique"] for r in table["rows"]] == stored["unique"].tolist()
    total = table["rows"][-1]
    assert total["area"] == "all" and total["unique"] == job["clusters"]
    assert total["confirmed"] <= total["unique"] <= total["estimate"] <= total["upper"]
    assert table["model"] == total["model"] != ""


def test_clusters_page_and_filter_by_number_of_sources(observatory: sa.Engine,
                                                        job_id: int) -> None:
    c = client(observatory)
    sign_in(c, "ana")
    every = c.get(f"{API}/jobs/{job_id}/clusters", params={"per_page": 500}).json()
    assert every["total"] == c.get(f"{API}/jobs/{job_id}").json()["clusters"]
    assert sum(len(k["records"]) for k in every["items"]) == c.get(
        f"{API}/jobs/{job_id}").json()["records"]
    confidences = [k["confidence"] for k in every["items"]]
    assert confidences == sorted(confidences)
    two = c.get(f"{API}/jobs/{job_id}/clusters", params={"sources": 2, "per_page": 5}).json()
    assert two["items"] and all(len(k["sources"]) == 2 for k in two["items"])
    assert two["total"] == sum(1 for k in every["items"] if len(k["sources"]) == 2)
    assert two["pages"] == -(-two["total"] // 5)


def test_the_review_queue_is_ordered_by_impact_and_explained(observatory: sa.Engine,
                                                             job_id: int) -> None:
    c = client(observatory)
    sign_in(c, "ana")
    queue = c.get(f"{API}/jobs/{job_id}/review", params={"limit": 50}).json()
    assert queue["open"] == len(uc.review_items(observatory, job_id, limit=10**6))
    impacts = [p["impact"] for p in queue["items"]]
    assert impacts == sorted(impacts, reverse=True)
    for pair in queue["items"]:
        assert 0.1 <= pair["probability"] < 0.95
        assert pair["left"]["key"] == pair["key_l"] and pair["terms"]
        assert pair["total"] == pytest.approx(pair["prior"] + sum(
            x["weight"] for x in pair["terms"] if x["weight"] is not None), abs=0.1 * (
            1 + len(pair["terms"])))


def test_a_decision_through_the_api_is_audited_and_in_force(observatory: sa.Engine,
                                                            job_id: int) -> None:
    c = client(observatory)
    csrf = sign_in(c, "ana")
    left, right = linked_pair(observatory, job_id)
    r = c.post(f"{API}/jobs/{job_id}/decisions", headers={"X-CSRF-Token": csrf},
               json={"record_key_l": right, "record_key_r": left, "decision": "no_match",
                     "note": "two men"})
    assert r.status_code == 201 and r.json()["decision"] == "no_match"
    with observatory.connect() as conn:
        audit = conn.execute(sa.select(t.audit_event.c.actor, t.audit_event.c.after).where(
            t.audit_event.c.action == "decide",
            t.audit_event.c.entity_id == str(r.json()["id"]))).one()
        in_force = uc.current_decisions(conn)
    assert audit.actor == "ana" and audit.after["note"] == "two men"
    pair = in_force[(in_force["record_id_l"] == min(left, right))
                    & (in_force["record_id_r"] == max(left, right))]
    assert pair["is_match"].tolist() == [False]  # what the next job applies as a non-link
    assert cluster_of(observatory, job_id, left) == cluster_of(observatory, job_id, right)


def test_errors_are_problems_and_change_nothing(observatory: sa.Engine, job_id: int) -> None:
    c = client(observatory)
    csrf = sign_in(c, "ana")
    before = job_count(observatory)
    bad = c.post(f"{API}/jobs", json={"sources": ["police", "rumour"], "period": "soon"},
                 headers={"X-CSRF-Token": csrf})
    assert bad.status_code == 422 and bad.headers["content-type"] == PROBLEM
    assert {e["field"] for e in bad.json()["errors"]} == {"sources", "period"}
    assert job_count(observatory) == before
    unknown = c.post(f"{API}/jobs/{job_id}/decisions", headers={"X-CSRF-Token": csrf},
                     json={"record_key_l": "a|b|c|1", "record_key_r": "d|e|f|1",
                           "decision": "match"})
    assert unknown.status_code == 404 and unknown.headers["content-type"] == PROBLEM
    wrong = c.post(f"{API}/jobs/{job_id}/decisions", headers={"X-CSRF-Token": csrf},
                   json={"record_key_l": "a", "record_key_r": "b", "decision": "maybe"})
    assert wrong.status_code == 422
    assert c.get(f"{API}/jobs/999999/table").status_code == 404
    assert c.post(f"{API}/jobs", json={"sources": ["police"], "period": "2024"}
                  ).status_code == 403  # a cookie write without the CSRF header


def test_permissions_and_identities_follow_the_role(observatory: sa.Engine,
                                                    job_id: int) -> None:
    dora = client(observatory)
    csrf = sign_in(dora, "dora")
    refused = dora.post(f"{API}/jobs", json={"sources": ["police"], "period": "2024"},
                        headers={"X-CSRF-Token": csrf})
    assert refused.status_code == 403 and refused.headers["content-type"] == PROBLEM
    left, right = linked_pair(observatory, job_id)
    assert dora.post(f"{API}/jobs/{job_id}/decisions", headers={"X-CSRF-Token": csrf}, json={
        "record_key_l": left, "record_key_r": right, "decision": "match"}).status_code == 403
    named = [r for k in dora.get(f"{API}/jobs/{job_id}/clusters", params={"per_page": 500})
             .json()["items"] for r in k["records"] if r["source"] == "police"]
    assert any(r["family_name"] for r in named)  # data entry sees police victims' names

    monty = client(observatory)
    sign_in(monty, "monty")
    records = [r for k in monty.get(f"{API}/jobs/{job_id}/clusters", params={"per_page": 500})
               .json()["items"] for r in k["records"]]
    assert not any(r["given_name"] or r["family_name"] for r in records)
    assert any(r["names_hidden"] for r in records)
    visible = [r for r in records if r["visible"]]
    assert visible and all(r["area_code"].startswith(SCOPED_AREA) for r in visible)
    assert any(not r["visible"] for r in records)  # records outside the monitor's area

    pub = client(observatory)
    sign_in(pub, "pub")
    assert pub.get(f"{API}/jobs").status_code == 403
    assert client(observatory).get(f"{API}/jobs").status_code == 401
