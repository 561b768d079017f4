"""``salus reports``: the review queue from the command line."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from citizen_reports_support import lift_limits, row, store, submit
from typer.testing import CliRunner

from salus.cli.app import app
from salus.usecases.citizen_reports import settings as cfg

__all__ = ["store"]
runner = CliRunner()


def _salus(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def _url(engine: sa.Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def test_a_report_is_listed_verified_and_published_from_the_command_line(
        store: sa.Engine) -> None:
    db = _url(store)
    reference = submit(store, uuid.uuid4().hex, area_code="R2-A",
                       contact="cli-reporter@example.org").reference
    listed = _salus("reports", "list", "--area", "R2-A", "--db", db)
    assert reference in listed and "cli-reporter" not in listed
    assert "cli-reporter@example.org" in _salus("reports", "show", reference, "--db", db)
    refused = runner.invoke(app, ["reports", "publish", reference, "--db", db])
    assert refused.exit_code == 2 and "only a verified report" in refused.output
    verified = _salus("reports", "verify", reference, "--note", "called back", "--db", db)
    assert "incident" in verified and row(store, reference)["incident_uid"] in verified
    monitor = runner.invoke(app, ["reports", "publish", reference, "--role",
                                  "community_monitor", "--db", db])
    assert monitor.exit_code == 2 and "does not publish" in monitor.output
    _salus("reports", "publish", reference, "--text", "Shots at the depot", "--db", db)
    assert row(store, reference)["public_text"] == "Shots at the depot"


def test_reject_and_duplicate_from_the_command_line(store: sa.Engine) -> None:
    db = _url(store)
    first = submit(store, uuid.uuid4().hex).reference
    second = submit(store, uuid.uuid4().hex).reference
    _salus("reports", "duplicate", second, "--of", first, "--db", db)
    _salus("reports", "reject", first, "--note", "prank", "--db", db)
    assert (row(store, first)["status"], row(store, second)["status"]) == ("rejected",
                                                                           "duplicate")
    unknown = runner.invoke(app, ["reports", "show", "R-NOTHERE", "--db", db])
    assert unknown.exit_code == 2 and "no report" in unknown.output


def test_gateways_and_limits_are_set_from_the_command_line(store: sa.Engine) -> None:
    db = _url(store)
    out = _salus("reports", "gateway", "cli-gw", "--secret", "s3cret-value", "--db", db)
    assert "s3cret-value" in out and cfg.gateway_secret(store, "cli-gw") == "s3cret-value"
    _salus("reports", "limits", "phone", "3", "30", "--db", db)
    with store.connect() as conn:
        assert cfg.limits(conn)["phone"] == cfg.Limit(3, 30)
    bad = runner.invoke(app, ["reports", "limits", "fax", "3", "30", "--db", db])
    assert bad.exit_code == 2
    lift_limits(store)
