"""Every integer path and query parameter of the app (API and web pages) is bounded, so that an id
beyond 64 bits or below one answers 404 or 422 and never reaches the database (issue 13: ``GET
/api/v1/plans/9223372036854775808`` raised OverflowError on SQLite and answered 500).

The routes are read from the app's own routing table, so a route added later without bounds
fails here without anyone listing it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.routing import APIRoute
from web_support import add_cast, client, sign_in

from salus.api.deps import MAX_ROW_ID
from salus.web.app import create_app

OUT_OF_RANGE = (2**63, -1)


def _routes(routes: list[Any], prefix: str = "") -> Iterator[tuple[str, APIRoute]]:
    """``(full path, route)`` for every endpoint, through included routers."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield prefix + route.path, route
        elif hasattr(route, "original_router"):  # FastAPI ≥ 0.16x keeps included routers
            yield from _routes(route.original_router.routes,
                               prefix + route.include_context.prefix)


def _int_params(route: APIRoute) -> Iterator[tuple[str, Any]]:
    """``(kind, field)`` for each integer path or query parameter, dependencies included."""
    stack = [route.dependant]
    while stack:
        dependant = stack.pop()
        stack.extend(dependant.dependencies)
        for kind, params in (("path", dependant.path_params), ("query", dependant.query_params)):
            for field in params:
                if "int" in str(field.field_info.annotation):
                    yield kind, field


def _bounds(field: Any) -> tuple[int | None, int | None]:
    low = high = None
    for m in field.field_info.metadata:
        low = getattr(m, "ge", None) if getattr(m, "ge", None) is not None else low
        low = m.gt + 1 if getattr(m, "gt", None) is not None else low
        high = getattr(m, "le", None) if getattr(m, "le", None) is not None else high
        high = m.lt - 1 if getattr(m, "lt", None) is not None else high
    return low, high


def _app_routes(engine: sa.Engine) -> list[tuple[str, APIRoute]]:
    return list(_routes(create_app(engine).routes))


def test_every_integer_path_and_query_parameter_of_the_app_is_bounded(
        engine: sa.Engine) -> None:
    unbounded = []
    checked = 0
    for path, route in _app_routes(engine):
        for kind, field in _int_params(route):
            checked += 1
            low, high = _bounds(field)
            if low is None or high is None or high > MAX_ROW_ID or low < -MAX_ROW_ID:
                unbounded.append(f"{sorted(route.methods)} {path} {kind} {field.name}: "
                                 f"{low}..{high}")
    assert checked > 40
    assert unbounded == []


def _url(path: str, route: APIRoute, name: str, value: int) -> str:
    """``path`` with ``name`` set to ``value``, other integer ids 1 and text segments ``x``."""
    ints = {f.name for kind, f in _int_params(route) if kind == "path"}
    url = path
    for param in route.dependant.path_params:
        filler = str(value) if param.name == name else ("1" if param.name in ints else "csv")
        url = url.replace("{" + param.name + "}", filler).replace(
            "{" + param.name + ":path}", filler)
    return url


def test_an_id_beyond_64_bits_or_below_one_answers_404_or_422_on_every_route(
        engine: sa.Engine) -> None:
    add_cast(engine)
    c = client(engine)
    token = sign_in(c, "admin")
    answers: dict[str, int] = {}
    for path, route in _app_routes(engine):
        for kind, field in _int_params(route):
            for method in sorted(route.methods - {"HEAD"}):
                for value in OUT_OF_RANGE:
                    if kind == "path":
                        url, params = _url(path, route, field.name, value), {}
                    else:
                        url, params = _url(path, route, "", 1), {field.name: str(value)}
                    r = c.request(method, url, params=params, headers={"X-CSRF-Token": token},
                                  follow_redirects=False)
                    answers[f"{method} {url} {params}"] = r.status_code
    assert len(answers) > 80
    assert {k: v for k, v in answers.items() if v not in (404, 422)} == {}
    assert answers["GET /api/v1/plans/9223372036854775808 {}"] == 422


@pytest.mark.parametrize("url", ["/api/v1/plans/9223372036854775808", "/plans/-1",
                                 "/alerts/9223372036854775808", "/incidents?page=-1",
                                 "/api/v1/alerts/9223372036854775808"])
def test_the_answer_to_an_out_of_range_id_names_the_parameter(engine: sa.Engine,
                                                               url: str) -> None:
    add_cast(engine)
    c = client(engine)
    sign_in(c, "admin")
    r = c.get(url)
    assert r.status_code == 422
    assert ("page" if "page=" in url else "_id") in r.text
