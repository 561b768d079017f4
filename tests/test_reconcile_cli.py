"""``salus reconcile`` and its sub-commands, run as a user would."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from salus.cli import reconcile
from salus.demo.build import build_demo
from salus.storage.db import open_store
from salus.usecases.reconcile.jobs import review_items

runner = CliRunner()


@pytest.fixture
def cli() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def root() -> None:
        """Salus."""

    reconcile.register(app)
    return app


@pytest.fixture
def demo_db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'salus.db'}"
    engine = open_store(url)
    build_demo(engine, incidents=300, years=(2024, 2024))
    engine.dispose()
    return url


def test_a_user_reconciles_reviews_decides_and_exports(cli: typer.Typer, demo_db: str,
                                                        tmp_path: Path) -> None:
    run = runner.invoke(cli, ["reconcile", "--sources", "police,forensic,media",
                              "--period", "2024", "--db", demo_db])
    assert run.exit_code == 0, run.output
    assert "Job 1:" in run.output and "Reconciled victims" in run.output

    review = runner.invoke(cli, ["reconcile", "review", "--limit", "1", "--db", demo_db])
    assert review.exit_code == 0, review.output
    assert "#1 p=" in review.output
    first = review_items(open_store(demo_db), 1, limit=1).iloc[0]
    decided = runner.invoke(cli, ["reconcile", "decide", first["record_key_l"],
                                  first["record_key_r"], "no_match", "--note", "different ages",
                                  "--db", demo_db])
    assert decided.exit_code == 0 and "recorded" in decided.output
    assert review_items(open_store(demo_db), 1, limit=1).iloc[0]["queue_rank"] > 1

    out = tmp_path / "table.csv"
    exported = runner.invoke(cli, ["reconcile", "export", str(out), "--db", demo_db])
    assert exported.exit_code == 0, exported.output
    assert pd.read_csv(out)["area"].iloc[-1] == "all"
    shown = runner.invoke(cli, ["reconcile", "table", "--db", demo_db])
    assert shown.exit_code == 0 and "Model of the total" in shown.output


def test_errors_are_one_line_and_exit_2(cli: typer.Typer, demo_db: str) -> None:
    missing = runner.invoke(cli, ["reconcile", "--period", "2024", "--db", demo_db])
    assert missing.exit_code == 2
    bad = runner.invoke(cli, ["reconcile", "--sources", "police", "--period", "soon",
                              "--db", demo_db])
    assert bad.exit_code == 2
    none = runner.invoke(cli, ["reconcile", "review", "--db", demo_db])
    assert none.exit_code == 2
    engine = runner.invoke(cli, ["reconcile", "--sources", "police", "--period", "2024",
                                 "--engine", "hadoop", "--db", demo_db])
    assert engine.exit_code == 2 and "unknown linkage engine 'hadoop'" in engine.output
