"""`salus indicators`: list, compute and render as table, CSV and JSON; errors exit 2."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from support_db import BACKENDS
from test_indicators_support import observatory_store, user_definition
from typer.testing import CliRunner

from salus.cli.app import app

runner = CliRunner()


@pytest.fixture(scope="module", params=BACKENDS)
def observatory(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[sa.Engine]:
    yield from observatory_store(request, tmp_path_factory)


@pytest.fixture
def db(observatory: sa.Engine) -> str:
    return observatory.url.render_as_string(hide_password=False)


def salus(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "200"})
    return result.exit_code, result.output


def test_it_lists_the_shipped_indicators() -> None:
    code, out = salus("indicators", "list")
    assert code == 0
    for indicator in ("sdg-16-1-1", "firearm-deaths-by-context", "homicide-incidents"):
        assert indicator in out


def test_it_prints_a_table_with_the_period_and_the_suppression_note(db: str) -> None:
    code, out = salus(
        "indicators", "sdg-16-1-1", "--by", "area", "--period", "2023", "--public", "--db", db
    )
    assert code == 0, out
    assert "Victims of intentional homicide per 100,000 population — 2023" in out
    # Alfa's 5 victims are withheld ("c") beside Beta's 2 ("<5"): Norte minus Alfa gave Beta's
    assert re.search(r"Alfa\s*│[^│]*│\s*c\s*│", out) and "<5" in out and "8.33" not in out
    assert "shown as <5" in out and "1 victim(s) are located above area level 2" in out


def test_it_writes_csv_with_one_row_per_group(db: str) -> None:
    code, out = salus(
        "indicators",
        "sdg-16-1-1",
        "--by",
        "area,sex",
        "--period",
        "2023",
        "--format",
        "csv",
        "--db",
        db,
    )
    assert code == 0, out
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 9  # 3 municipalities x female, male, unknown
    alfa_f = next(r for r in rows if r["area"] == "XC0101" and r["sex"] == "female")
    assert (alfa_f["victims"], alfa_f["population"], alfa_f["rate"]) == ("2", "30000", "6.6667")
    gamma_f = next(r for r in rows if r["area"] == "XC0201" and r["sex"] == "female")
    assert (gamma_f["victims"], gamma_f["rate"]) == ("0", "")


def test_it_writes_json_with_metadata_and_level_and_area_options(db: str, tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    code, out = salus(
        "indicators",
        "homicide-incidents",
        "--period",
        "2023",
        "--by",
        "area",
        "--level",
        "2",
        "--area",
        "XC01",
        "--format",
        "json",
        "--output",
        str(target),
        "--db",
        db,
    )
    assert code == 0, out
    document = json.loads(target.read_text(encoding="utf-8"))
    assert document["indicator"] == "homicide-incidents"
    assert [r["area"] for r in document["rows"]] == ["XC0101", "XC0102"]
    assert document["rows"][0]["incidents"] == 4
    assert document["metadata"]["area"] == "XC01"


def test_filters_and_user_definitions_come_from_options(db: str, tmp_path: Path) -> None:
    code, out = salus(
        "indicators",
        "sdg-16-1-1",
        "--by",
        "",
        "--period",
        "2023",
        "--filter",
        "weapon=firearm",
        "--format",
        "csv",
        "--db",
        db,
    )
    assert code == 0, out
    assert next(iter(csv.DictReader(io.StringIO(out))))["victims"] == "3"
    user_definition(
        tmp_path,
        "id: all-killed\ntitle: All killed\nmeasure: victims\nvictims: {outcome: killed}\n",
    )
    code, out = salus(
        "indicators",
        "all-killed",
        "--period",
        "2023",
        "--format",
        "csv",
        "--definitions",
        str(tmp_path),
        "--db",
        db,
    )
    assert code == 0, out
    assert next(iter(csv.DictReader(io.StringIO(out))))["victims"] == "8"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["sdg-16-1-1", "--period", "2023", "--by", "colour"], "unknown grouping 'colour'"),
        (["sdg-16-1-1"], "--period is required"),
        (["sdg-16-1-1", "--period", "2023", "--format", "xml"], "--format must be one of"),
        (["sdg-16-1-1", "--period", "2023", "--filter", "weapon"], "expected KEY=VALUE"),
        (["no-such-indicator", "--period", "2023"], "unknown indicator 'no-such-indicator'"),
    ],
)
def test_a_bad_request_prints_one_clear_line_and_exits_2(
    db: str, args: list[str], message: str
) -> None:
    code, out = salus("indicators", *args, "--db", db)
    assert code == 2
    assert message in out.replace("\n", " ")


def test_an_indicator_on_a_new_store_creates_its_schema_and_counts_nothing(
        tmp_path: Path) -> None:
    """README: the schema is created or migrated by whichever command runs first."""
    result = runner.invoke(app, ["indicators", "sdg-16-1-1", "--period", "2024", "--format",
                                 "csv", "--db", f"sqlite:///{tmp_path / 'new.db'}"])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    assert result.output.splitlines()[0].startswith("sex,age_band")
