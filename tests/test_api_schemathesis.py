"""Schemathesis against the OpenAPI schema: no generated input makes the API answer 500.

Runs in process (ASGI) on a seeded SQLite store with an administrator's bearer token, a few
examples per operation to keep the suite fast. In the suite the run is derandomised (Hypothesis
derives its seed from the test, so every run generates the same cases and CI cannot pass or fail
by chance; issue 13). ``make fuzz`` runs the same test randomised with many more examples per
operation (``SALUS_FUZZ_EXAMPLES``, ``SALUS_FUZZ_RANDOM=1``; ``SALUS_FUZZ_SEED`` replays a run);
docs/web.md shows the command-line run against a live server.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import seed as fixed_seed
from schemathesis.checks import not_a_server_error
from web_support import add_cast, seed

from salus.domain.accounts.roles import SYSTEM_VIEWER, Viewer
from salus.storage.db import open_store
from salus.usecases.accounts import sessions
from salus.usecases.accounts.users import get_user
from salus.web.app import create_app

EXAMPLES = int(os.environ.get("SALUS_FUZZ_EXAMPLES", "8"))
"""Examples per operation (8 in the suite; ``make fuzz`` sets more)."""
RANDOM = os.environ.get("SALUS_FUZZ_RANDOM") == "1"
"""Whether the cases are drawn at random (``make fuzz``) instead of derandomised (the suite)."""
SEED = os.environ.get("SALUS_FUZZ_SEED")
"""A random run's seed, to replay it (Hypothesis prints the seed of a failing run)."""


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


def _run(operation, check, *, random: bool = RANDOM) -> None:  # type: ignore[no-untyped-def]
    """Run ``check`` on the operation's generated cases: derandomised unless ``random``."""

    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck),
              database=None, derandomize=not random)
    def run(case) -> None:  # type: ignore[no-untyped-def]
        check(case)

    if random and SEED is not None:
        run = fixed_seed(int(SEED))(run)
    run()


def test_no_generated_input_makes_the_api_answer_500(fuzz_target: tuple[object, str]) -> None:
    app, token = fuzz_target
    api = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    tested = 0
    for result in api.get_all_operations():
        _run(result.ok(), lambda case: _check(case, token))
        tested += 1
    assert tested >= 20


def test_the_suite_generates_the_same_cases_on_every_run(
        fuzz_target: tuple[object, str]) -> None:
    """CI cannot pass or fail by chance: two runs of the suite's fuzzing draw the same cases."""
    app, _ = fuzz_target
    api = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    operation = next(r.ok() for r in api.get_all_operations()
                     if r.ok().path.endswith("/alerts") and r.ok().method.upper() == "GET")
    runs: list[list[str]] = [[], []]
    for drawn in runs:
        _run(operation, lambda case, drawn=drawn: drawn.append(repr(case.query)), random=False)
    assert len(runs[0]) >= 3
    assert runs[0] == runs[1]
