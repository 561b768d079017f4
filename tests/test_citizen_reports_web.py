"""Pages of citizen reports: the small public form, the review queue and who may do what."""

from __future__ import annotations

import re
import uuid

import pytest
import sqlalchemy as sa
from citizen_reports_support import (
    ANA,
    DORA,
    GOOD,
    PNG,
    form_key,
    monty,
    reference_in,
    row,
    store,
    submit,
)
from web_support import client, sign_in

from salus.domain.accounts.roles import Permission, UserRole, Viewer
from salus.usecases.citizen_reports import review
from salus.usecases.errors import PermissionDenied, ValidationFailed

__all__ = ["store"]


def _report(store: sa.Engine, **fields: str) -> tuple[str, int]:
    reference = submit(store, uuid.uuid4().hex, contact="reporter@example.org",
                       **fields).reference
    return reference, review.report_id_for(store, reference)


def test_the_public_form_is_small_and_needs_no_external_asset(store: sa.Engine) -> None:
    for public in (False, True):
        c = client(store, public=public)
        page = c.get("/report")
        assert page.status_code == 200
        # its style sheet and script are small Salus files (the Content-Security-Policy runs
        # no inline script); the form with them stays under 12 kB, and loads no image
        assets = re.findall(r'<script[^>]+src="([^"]+)"|<link[^>]+stylesheet[^>]+href="([^"]+)"'
                            r'|<link[^>]+href="([^"]+)"[^>]+stylesheet', page.text)
        urls = ["".join(found) for found in assets]
        assert urls and all(url.startswith("/static/") for url in urls), urls
        assert len(page.content) + sum(len(c.get(url).content) for url in urls) < 12_000
        assert "<img " not in page.text
        assert 'name="submission_key"' in page.text and 'enctype="multipart/form-data"' in page.text


def test_the_form_is_translated_and_right_to_left_in_arabic(store: sa.Engine) -> None:
    page = client(store).get("/report?lang=ar").text
    assert 'dir="rtl"' in page and "الإبلاغ عن حادثة" in page and "إطلاق نار" in page


def test_a_photo_is_accepted_by_its_bytes_not_its_declared_type(store: sa.Engine) -> None:
    c = client(store)
    data = GOOD | {"submission_key": form_key(c.get("/report").text)}
    fake = c.post("/report", data=data, files={"photo": ("x.png", b"MZ\x90\x00", "image/png")})
    assert fake.status_code == 422 and "not a JPEG, PNG, GIF or WebP" in fake.text
    real = c.post("/report", data=data, files={"photo": ("x.bin", PNG, "text/plain")})
    assert real.status_code == 200
    sign_in(c, "ana")
    report_id = review.report_id_for(store, reference_in(real.text))
    page = c.get(f"/reports/review/{report_id}").text
    photo_url = re.search(r'href="(/reports/review/\d+/photo/\d+)"', page)
    assert photo_url
    photo = c.get(photo_url.group(1))
    assert photo.content == PNG and photo.headers["content-type"] == "image/png"


def test_field_errors_keep_what_was_typed(store: sa.Engine) -> None:
    c = client(store)
    answer = c.post("/report", data={"description": "typed text kept", "contact": "nonsense",
                                     "submission_key": uuid.uuid4().hex})
    assert answer.status_code == 422
    assert "typed text kept" in answer.text and "This field is required." in answer.text
    assert "This value is not valid." in answer.text      # the contact


def test_a_honeypot_submission_is_kept_but_flagged(store: sa.Engine) -> None:
    answer = client(store).post("/report", data=GOOD | {"website": "http://spam.example",
                                                        "submission_key": uuid.uuid4().hex})
    assert answer.status_code == 200
    reference = reference_in(answer.text)
    assert "honeypot" in row(store, reference)["spam_flags"]
    c = client(store)
    sign_in(c, "ana")
    assert reference in c.get("/reports/review?status=all&spam=yes").text
    assert reference not in c.get("/reports/review?status=all&spam=no").text


def test_the_review_queue_needs_a_reviewing_role(store: sa.Engine) -> None:
    c = client(store)
    assert c.get("/reports/review", follow_redirects=False).status_code == 303   # sign in
    sign_in(c, "dora")
    assert c.get("/reports/review").status_code == 403
    assert client(store, public=True).get("/reports/review").status_code == 404
    with pytest.raises(PermissionDenied):
        review.list_reports(store, DORA, review.ReportFilter())


def test_verifiers_see_the_contact_and_the_read_is_audited(store: sa.Engine) -> None:
    reference, report_id = _report(store)
    c = client(store)
    sign_in(c, "ana")
    page = c.get(f"/reports/review/{report_id}").text
    assert "reporter@example.org" in page and "10.0.0.1" in page
    queue = c.get("/reports/review").text
    assert reference in queue and "reporter@example.org" not in queue
    with store.connect() as conn:
        reads = conn.execute(sa.text("SELECT actor FROM audit_event WHERE action = 'read' "
                                     "AND entity_id = :r"), {"r": reference}).scalars().all()
    assert reads == ["ana"]


def test_a_publisher_without_verify_rights_never_sees_the_reporter(store: sa.Engine) -> None:
    _reference, report_id = _report(store)
    review.verify(store, ANA, report_id)
    publisher = Viewer("pia", UserRole.ANALYST,
                       permissions=frozenset({Permission.PUBLISH_REPORTS}))
    detail = review.get_report(store, publisher, report_id)
    assert detail.identity is None and "contact" not in detail.fields
    assert detail.moves == ["publish"]
    with pytest.raises(PermissionDenied):
        review.verify(store, publisher, _report(store)[1])
    review.publish(store, publisher, report_id, "A shooting was reported near the market")
    assert row(store, _reference)["published_by"] == "pia"


def test_a_report_is_never_published_with_the_reporters_own_words(store: sa.Engine) -> None:
    reference, report_id = _report(store)
    review.verify(store, ANA, report_id)
    with pytest.raises(ValidationFailed) as refused:
        review.publish(store, ANA, report_id)
    assert refused.value.errors[0]["field"] == "public_text"
    assert not row(store, reference)["published"] and row(store, reference)["public_text"] is None
    c = client(store)
    csrf = sign_in(c, "ana")
    page = c.get(f"/reports/review/{report_id}").text
    form = page.split('name="public_text"')[1].split("</textarea>")[0]
    assert row(store, reference)["description"] not in form
    empty = c.post(f"/reports/review/{report_id}/decide",
                   data={"csrf_token": csrf, "action": "publish", "public_text": " "})
    assert empty.status_code == 422 and not row(store, reference)["published"]
    review.publish(store, ANA, report_id, "Shots reported near the market")
    review.publish(store, ANA, report_id, unpublish=True)
    review.publish(store, ANA, report_id)  # the reviewed text is kept
    assert row(store, reference)["public_text"] == "Shots reported near the market"


def test_a_monitor_verifies_but_cannot_publish(store: sa.Engine) -> None:
    _reference, report_id = _report(store, area_code="R1-A")
    c = client(store)
    csrf = sign_in(c, "monty")
    page = c.get(f"/reports/review/{report_id}").text
    assert 'id="form-verified"' in page and 'id="form-publish"' not in page
    done = c.post(f"/reports/review/{report_id}/decide",
                  data={"csrf_token": csrf, "action": "verified", "note": "seen it"},
                  follow_redirects=False)
    assert done.status_code == 303
    refused = c.post(f"/reports/review/{report_id}/decide",
                     data={"csrf_token": csrf, "action": "publish"})
    assert refused.status_code == 403 and not row(store, _reference)["published"]
    with pytest.raises(PermissionDenied):
        review.publish(store, monty(store), report_id)


def test_review_actions_need_the_csrf_token(store: sa.Engine) -> None:
    _reference, report_id = _report(store)
    c = client(store)
    sign_in(c, "ana")
    answer = c.post(f"/reports/review/{report_id}/decide", data={"action": "rejected"})
    assert answer.status_code == 403 and row(store, _reference)["status"] == "unverified"


def test_the_verify_form_explains_what_is_missing(store: sa.Engine) -> None:
    reference, report_id = _report(store, category="other", area_code="",
                                   longitude="9.9", latitude="9.9")
    c = client(store)
    csrf = sign_in(c, "ana")
    answer = c.post(f"/reports/review/{report_id}/decide",
                    data={"csrf_token": csrf, "action": "verified"})
    assert answer.status_code == 422 and "area_code" in answer.text
    assert row(store, reference)["status"] == "unverified"


def test_published_reports_in_the_public_api_carry_no_reporter_data(store: sa.Engine) -> None:
    reference, report_id = _report(store, area_code="R2-B",
                                   description="Shots at the ferry, call Ahmed on +2348000001")
    review.verify(store, ANA, report_id)
    review.publish(store, ANA, report_id, "Shots at the ferry")
    body = client(store, public=True).get("/api/v1/citizen-reports/published?area=R2").text
    assert "Shots at the ferry" in body and "R2-B" in body
    for secret in ("Ahmed", "reporter@example.org", "10.0.0.1", reference):
        assert secret not in body


def test_the_public_site_takes_reports_and_serves_the_map_outlines(store: sa.Engine) -> None:
    c = client(store, public=True)
    answer = c.post("/report", data=GOOD | {"submission_key": form_key(c.get("/report").text)})
    assert answer.status_code == 200 and row(store, reference_in(answer.text))["channel"] == "web"
    outlines = c.get("/report/areas.geojson").json()
    assert {f["id"] for f in outlines["features"]} == {"R1-A", "R1-B", "R2-A", "R2-B"}
