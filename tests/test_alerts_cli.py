"""``salus alerts`` and ``salus tension``: cron-friendly runs, listing, the workflow."""

from __future__ import annotations

import sqlalchemy as sa
from alerts_support import plant_surge, seed_weekly
from typer.testing import CliRunner

from salus.cli.app import app

runner = CliRunner()


def _salus(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_alerts_run_is_idempotent_and_the_workflow_runs_from_the_command_line(
        engine: sa.Engine, db_url: str) -> None:
    seed_weekly(engine)
    plant_surge(engine)
    _salus("alerts", "rules", "add", "surge", "--method", "ears_c1", "--unit", "week",
           "--level", "2", "--iccs", "01", "--db", db_url)
    assert "ears_c1 per week level 2" in _salus("alerts", "rules", "list", "--db", db_url)
    first = _salus("alerts", "run", "--today", "2024-06-05", "--db", db_url)
    assert "FIRED alert 1: surge" in first and "1 new alert(s)" in first
    again = _salus("alerts", "run", "--today", "2024-06-05", "--db", db_url)
    assert "0 new alert(s), 1 already known" in again
    assert "R1-A" in _salus("alerts", "list", "--status", "open", "--db", db_url)
    assert "acknowledged" in _salus("alerts", "ack", "1", "--note", "seen", "--db", db_url)
    refused = runner.invoke(app, ["alerts", "resolve", "1", "--note", "x", "--db", db_url])
    assert refused.exit_code == 2 and "cannot become resolved" in refused.output
    _salus("alerts", "plan", "1", "--note", "mediation", "--assignee", "ana", "--db", db_url)
    assert "resolved" in _salus("alerts", "resolve", "1", "--note", "mediation held",
                                "--db", db_url)
    assert "R1-A" not in _salus("alerts", "list", "--status", "open", "--db", db_url)
    _salus("alerts", "rules", "set", "surge", "--inactive", "--db", db_url)
    assert "inactive" in _salus("alerts", "rules", "list", "--db", db_url)


def test_tension_reports_are_submitted_and_indexed_from_the_command_line(
        engine: sa.Engine, db_url: str) -> None:
    seed_weekly(engine, weeks=1)
    for month, scores in ((1, "2,2,2,2,2,2,2"), (2, "3,3,3,3,3,3,3")):
        _salus("tension", "submit", "R1-A", "--period", f"2024-0{month}-01", "--monitor",
               "monty", "--scores", scores, "--narrative", "market", "--db", db_url)
    out = _salus("tension", "index", "--area", "R1-A", "--db", db_url)
    assert "2.00" in out and "3.00" in out
    bad = runner.invoke(app, ["tension", "submit", "R1-A", "--period", "2024-03-01",
                              "--monitor", "m", "--scores", "1,2", "--db", db_url])
    assert bad.exit_code == 2
