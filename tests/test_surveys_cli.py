"""``salus surveys``: a KoBo form and its export from the command line to SDG 16.1.4."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from surveys_support import kobo_csv, sample, xlsform
from typer.testing import CliRunner
from web_support import seed

from salus.cli.app import app
from salus.domain.accounts.roles import SYSTEM_VIEWER
from salus.usecases.surveys import estimates

runner = CliRunner()


def _salus(*args: str, code: int = 0) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, result.output
    return " ".join(result.output.split())


def test_a_survey_goes_from_xlsform_to_16_1_4_by_sex_on_the_command_line(
        engine: sa.Engine, tmp_path: Path) -> None:
    seed(engine, per_district=1)
    db = engine.url.render_as_string(hide_password=False)
    (tmp_path / "form.xlsx").write_bytes(xlsform())
    (tmp_path / "export.csv").write_bytes(kobo_csv(sample()))
    _salus("surveys", "create", "CSS", "--title", "Community safety", "--area", "C", "--db", db)
    assert "languages: English (en), Français (fr)" in _salus(
        "surveys", "import-form", "CSS", str(tmp_path / "form.xlsx"), "--db", db)
    out = _salus("surveys", "import-data", "CSS", "2024", str(tmp_path / "export.csv"),
                 "--column", "area=district", "--db", db)
    assert "120 respondents" in out and "written" in out
    _salus("surveys", "design", "CSS", "2024", "--strata", "stratum", "--ids", "psu",
           "--db", db)
    _salus("surveys", "map", "CSS", "sdg-16-1-4", "--numerator",
           "safe_walk=very_safe,fairly_safe", "--db", db)
    table = tmp_path / "out.csv"
    _salus("surveys", "estimate", "CSS", "2024", "--indicator", "sdg-16-1-4", "--by", "sex",
           "--csv", str(table), "--db", db)
    lines = table.read_text().splitlines()
    want = estimates.estimate_indicator(engine, SYSTEM_VIEWER, "CSS", "2024", "sdg-16-1-4",
                                        estimates.Options(by=("sex",)))
    assert lines[0].startswith("sex,%,SE,CI low,CI high")
    assert [line.split(",")[:3] for line in lines[1:]] == [
        [r.domain["sex"], f"{100 * r.estimate:.1f}", f"{100 * r.se:.1f}"]  # type: ignore[operator]
        for r in want.rows]


def test_a_bad_export_is_refused_with_its_rows_and_nothing_is_written(
        engine: sa.Engine, tmp_path: Path) -> None:
    seed(engine, per_district=1)
    db = engine.url.render_as_string(hide_password=False)
    (tmp_path / "form.xlsx").write_bytes(xlsform())
    bad = sample()
    bad.main[0]["age"] = "forty"
    (tmp_path / "export.csv").write_bytes(kobo_csv(bad))
    _salus("surveys", "create", "CSS", "--title", "Community safety", "--db", db)
    _salus("surveys", "import-form", "CSS", str(tmp_path / "form.xlsx"), "--db", db)
    out = _salus("surveys", "import-data", "CSS", "2024", str(tmp_path / "export.csv"),
                 "--column", "area=district", "--errors", str(tmp_path / "errors.csv"),
                 "--db", db, code=1)
    assert "row 2, age = 'forty'" in out and "nothing was written" in out
    assert "forty" in (tmp_path / "errors.csv").read_text(encoding="utf-8-sig")
    assert "0 waves" not in _salus("surveys", "list", "--db", db)
    assert "wave" not in _salus("surveys", "show", "CSS", "--db", db)
