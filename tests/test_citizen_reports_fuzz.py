"""The public form fuzzed (hypothesis): random and missing fields, huge values, bad encodings,
wrong content types, broken multipart. Every answer is 2xx or 4xx with a message; a refused
post changes nothing; an accepted one adds exactly one report."""

from __future__ import annotations

import datetime as dt
import uuid
import warnings
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa
from citizen_reports_support import count, store
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from salus.domain.citizen_reports import FORM_CATEGORIES
from salus.web.app import create_app

__all__ = ["store"]
FIELDS = ["category", "description", "area_code", "longitude", "latitude", "occurred_on",
          "anonymous", "contact", "website", "submission_key", "photo", "csrf_token"]
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
HUGE = st.builds(lambda s, n: s * n, st.text(min_size=1, max_size=3), st.integers(1, 30_000))
VALUE = st.one_of(TEXT, HUGE, st.sampled_from(["", " ", "0", "-999", "nan", "inf", "1e400",
                                               "2999-01-01", "R1-A", "on", "a@b.co"]))
NAME = st.one_of(st.sampled_from(FIELDS), TEXT)
FUZZ_EXAMPLES = 40


def _plausible() -> st.SearchStrategy[dict[str, str]]:
    """Forms close to valid, so that acceptance is exercised too."""
    return st.fixed_dictionaries({
        "category": st.one_of(st.sampled_from(FORM_CATEGORIES), VALUE),
        "description": st.one_of(st.text(min_size=3, max_size=80), VALUE),
        "area_code": st.one_of(st.sampled_from(["R1-A", "R2-B", ""]), VALUE),
        "submission_key": st.one_of(st.just("K"), st.uuids().map(lambda u: u.hex)),
    }, optional={"longitude": VALUE, "latitude": VALUE, "occurred_on": VALUE,
                 "contact": VALUE, "anonymous": VALUE, "website": VALUE})


def _valid() -> st.SearchStrategy[dict[str, str]]:
    """Valid forms with random content (the success path under random text)."""
    words = st.text(st.characters(whitelist_categories=("L", "N", "Zs", "P")), min_size=3,
                    max_size=200).filter(lambda s: len(s.strip()) >= 3)
    return st.fixed_dictionaries({
        "category": st.sampled_from(FORM_CATEGORIES), "description": words,
        "area_code": st.sampled_from(["R1-A", "R1-B", "R2-A", "R2-B"]),
        "submission_key": st.uuids().map(lambda u: u.hex),
    }, optional={"occurred_on": st.dates(dt.date(2020, 1, 1), dt.date(2024, 12, 31))
                 .map(dt.date.isoformat),
                 "contact": st.sampled_from(["+2348000000001", "a@example.org", ""])})


def _urlencoded(fields: dict[str, str]) -> tuple[str, bytes]:
    body = urlencode(fields).encode("utf-8")
    return "application/x-www-form-urlencoded", body


def _multipart(parts: list[tuple[str, str | None, bytes]], boundary: str,
               truncate: int | None) -> tuple[str, bytes]:
    chunks = []
    for name, filename, data in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename
                                                     else "")
        chunks.append(f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n".encode(
            "utf-8", "surrogateescape") + data + b"\r\n")
    body = b"".join(chunks) + f"--{boundary}--\r\n".encode()
    return f"multipart/form-data; boundary={boundary}", body[:truncate]


PART = st.tuples(NAME, st.one_of(st.none(), TEXT),
                 st.one_of(st.binary(max_size=200), VALUE.map(lambda s: s.encode("utf-8")),
                           st.just(b"\x89PNG\r\n\x1a\n" + b"\x00" * 10)))
REQUEST = st.one_of(
    _valid().map(_urlencoded),
    _plausible().map(_urlencoded),
    st.dictionaries(NAME, VALUE, max_size=12).map(_urlencoded),
    st.builds(_multipart, st.lists(PART, max_size=8),
              st.sampled_from(["b0undary", "x" * 70, "a b"]),
              st.one_of(st.none(), st.integers(0, 300))),
    st.tuples(st.sampled_from(["application/x-www-form-urlencoded", "multipart/form-data",
                               "application/json", "text/plain", "", "image/png",
                               "multipart/form-data; boundary="]),
              st.binary(max_size=500)),
    st.tuples(st.just("application/x-www-form-urlencoded"),
              st.sampled_from([b"description=%ff%fe&category=shooting", b"%%%=&&==",
                               b"category=%E2%82&description=\xff\xfe\x00abc",
                               b"area_code=R1-A&description=a%00b&category=other"])),
)


@pytest.fixture(scope="module")
def web(store: sa.Engine) -> Iterator[TestClient]:
    yield TestClient(create_app(store), raise_server_exceptions=False)


def _send(web: TestClient, content_type: str, body: bytes) -> Any:
    headers = {"Content-Type": content_type} if content_type else {}
    return web.post("/report", content=body, headers=headers)


@settings(max_examples=FUZZ_EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(request=REQUEST)
def test_the_public_form_never_fails_with_a_server_error(
        web: TestClient, store: sa.Engine, request: tuple[str, bytes]) -> None:
    before = count(store)
    answer = _send(web, *request)
    after = count(store)
    assert answer.status_code < 500, answer.text[:500]
    if answer.status_code >= 400:
        assert after == before
        assert 'class="err"' in answer.text          # a message the person can act on
    else:
        assert answer.status_code == 200 and after in (before, before + 1)
        assert 'id="reference"' in answer.text


@pytest.mark.parametrize(("content_type", "body", "status"), [
    ("application/json", b'{"category": "shooting"}', 415),
    ("multipart/form-data; boundary=zz", b"--zz\r\nbroken", 422),
    ("application/x-www-form-urlencoded", b"", 422),
])
def test_malformed_posts_get_a_clear_answer(web: TestClient, store: sa.Engine,
                                            content_type: str, body: bytes,
                                            status: int) -> None:
    before = count(store)
    answer = _send(web, content_type, body)
    assert answer.status_code in (status, 400) and count(store) == before


def test_an_oversized_post_is_refused_before_it_is_read(web: TestClient,
                                                        store: sa.Engine) -> None:
    before = count(store)
    big = b"description=" + b"a" * (3 * 1024 * 1024)
    answer = _send(web, "application/x-www-form-urlencoded", big)
    assert answer.status_code == 413 and count(store) == before
    assert "too large" in answer.text


def test_a_huge_description_is_a_field_error(web: TestClient, store: sa.Engine) -> None:
    answer = web.post("/report", data={"category": "shooting", "area_code": "R1-A",
                                       "description": "x" * 5000,
                                       "submission_key": uuid.uuid4().hex})
    assert answer.status_code == 422 and "This text is too long." in answer.text


def test_a_post_without_a_length_is_not_read(web: TestClient, store: sa.Engine) -> None:
    before = count(store)

    def chunks() -> Iterator[bytes]:
        yield b"category=shooting&area_code=R1-A&"
        yield b"description=" + b"a" * 100

    answer = web.post("/report", content=chunks(),
                      headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert answer.status_code == 411 and count(store) == before
