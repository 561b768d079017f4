"""The ``salus weapons`` commands share their report and date options
(:mod:`salus.cli.weapons.options`): both reports refuse an unknown ``--format`` alike, before
opening any store, and a date option names itself and the value it could not read."""

from __future__ import annotations

import datetime as dt

import pytest
import typer
from typer.testing import CliRunner

from salus.cli.app import app
from salus.cli.weapons.options import option_date

runner = CliRunner()


@pytest.mark.parametrize("command", [["weapons", "collection-report", "--period", "2024"],
                                     ["weapons", "report-16-4-2", "--period", "2024"]])
def test_a_weapons_report_refuses_an_unknown_format_with_exit_2(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--format", "xlsx", "--db", "sqlite://"])
    assert result.exit_code == 2
    assert "--format 'xlsx': table or csv" in result.output


def test_a_date_option_reads_iso_dates_and_names_itself_when_it_cannot() -> None:
    assert option_date("2024-03-01", "from") == dt.date(2024, 3, 1)
    assert option_date(None, "response_on") is None
    with pytest.raises(typer.Exit) as refused:
        option_date("01/03/2024", "response_on")
    assert refused.value.exit_code == 2
