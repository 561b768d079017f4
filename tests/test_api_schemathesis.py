"""Schemathesis against the OpenAPI schema: no generated input makes the API answer 500.

Runs in process (ASGI) on a seeded SQLite store with an administrator's bearer token, a few
examples per operation to keep the suite fast; ``bench/`` and docs/web.md show the longer
command-line run against a live server.
"""

from __future__ import annotations

import pytest
import schemathesis
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from web_support import add_cast, seed

from salus.domain.accounts.roles import SYSTEM_VIEWER, Viewer
from salus.storage.db import open_store
from salus.usecases.accounts import sessions
from salus.usecases.accounts.users import get_user
from salus.web.app import create_app


@pytest.fixture(scope="module")
def fuzz_target(tmp_path_factory: pytest.TempPathFactory) -> tuple[object, str]:
    engine: sa.Engine = open_store(f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 's.db'}")
    seed(engine, per_district=4)
    add_cast(engine)
    admin = get_user(engine, SYSTEM_VIEWER, "admin")
    token = sessions.create_api_token(
        engine, Viewer.for_role("admin", "admin", user_id=admin.id), "fuzz")
    return create_app(engine), token


def _check(case, token: str) -> None:  # type: ignore[no-untyped-def]
    if "indicator_id" in (case.path_parameters or {}):
        case.path_parameters["indicator_id"] = "sdg-16-1-1"
    case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}
    response = case.call()
    case.validate_response(response, checks=[not_a_server_error])


def test_no_generated_input_makes_the_api_answer_500(fuzz_target: tuple[object, str]) -> None:
    app, token = fuzz_target
    api = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    tested = 0
    for result in api.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck),
                  database=None)
        def run(case) -> None:  # type: ignore[no-untyped-def]
            _check(case, token)

        run()
        tested += 1
    assert tested >= 20
