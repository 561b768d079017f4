"""``salus surveys``: perception surveys from XLSForm to SDG 16 estimates.

    salus surveys create CSS --title "Community safety survey" [--area C]
    salus surveys import-form CSS form.xlsx
    salus surveys import-data CSS 2024 export.csv [--repeat hh.csv] [--column area=district]
    salus surveys design CSS 2024 --weights weight --strata stratum --ids psu [--fpc fpc]
                         [--nest] [--lonely-psu adjust] [--calibrate totals.csv]
                         [--replicates JKn [--replicate-weights repw1,... --rscales ...]]
    salus surveys map CSS sdg-16-1-4 --numerator safe_walk=very_safe,fairly_safe
    salus surveys estimate CSS 2024 --indicator sdg-16-1-4 --by sex,area [--csv out.csv]
    salus surveys compare CSS 2024 2025 --indicator sdg-16-1-4 [--by sex]
    salus surveys list | show CSS

The CLI acts as ``--actor`` (recorded in the audit log) with the role ``--role`` (default:
admin), as ``salus plans`` and ``salus reports`` do.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from salus.cli.common import DbOption, console, fail, fail_use_case, open_db
from salus.domain.accounts.roles import Viewer
from salus.usecases.errors import UseCaseError

surveys_app = typer.Typer(help="Perception surveys: XLSForms, KoBo/ODK data, designs, SDG 16 "
                               "estimates.", no_args_is_help=True)
ActorOption = Annotated[str, typer.Option(help="who acts (audit log)")]
RoleOption = Annotated[str, typer.Option(help="the role the actor acts with")]
ByOption = Annotated[str, typer.Option(help="domains, comma-separated: sex, age_band, "
                                            "disability, area or a question")]
LevelOption = Annotated[int | None, typer.Option(help="roll areas up to this admin level")]
MinNOption = Annotated[int, typer.Option(help="suppress below this unweighted n")]
MaxCvOption = Annotated[float, typer.Option(help="suppress above this coefficient of variation")]


def register(app: typer.Typer) -> None:
    """Add the ``surveys`` command group to the root app."""
    app.add_typer(surveys_app, name="surveys")


def _viewer(actor: str, role: str) -> Viewer:
    try:
        return Viewer.for_role(actor, role)
    except ValueError:
        fail(f"unknown role {role!r}")


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        fail(f"{path}: {exc.strerror}")


@surveys_app.command("create")
def create(code: str, title: Annotated[str, typer.Option(help="the survey's title")],
           area: Annotated[str | None, typer.Option(help="area code it covers")] = None,
           actor: ActorOption = "cli", role: RoleOption = "admin", db: DbOption = None) -> None:
    """Open a survey."""
    from salus.usecases.surveys import forms as uc

    try:
        uc.create_survey(open_db(db), _viewer(actor, role), uc.SurveySpec(code, title, area))
    except UseCaseError as exc:
        fail_use_case(exc)
    console.print(f"survey {code} created")


@surveys_app.command("import-form")
def import_form(code: str, file: Path, actor: ActorOption = "cli", role: RoleOption = "admin",
                db: DbOption = None) -> None:
    """Import an XLSForm (read with pyxform) as a new version of the survey's form."""
    from salus.usecases.surveys import forms as uc

    try:
        s = uc.import_form(open_db(db), _viewer(actor, role), code, _read(file), file.name)
    except UseCaseError as exc:
        fail_use_case(exc)
    console.print(f"form {s.form_id} version {s.version}: {s.questions} questions, "
                  f"{s.choice_lists} choice lists, languages: {', '.join(s.languages)}"
                  + (f", repeats: {', '.join(s.repeats)}" if s.repeats else ""))


def _roles(items: list[str]) -> dict[str, str]:
    out = {}
    for item in items:
        role, sep, column = item.partition("=")
        if not sep:
            fail(f"--column {item!r}: write ROLE=COLUMN, e.g. area=district")
        out[role.strip()] = column.strip()
    return out


@surveys_app.command("import-data")
def import_data(
        code: str, wave: str, file: Path,
        repeat: Annotated[list[Path] | None, typer.Option(help="a repeat group's file")] = None,
        column: Annotated[list[str] | None, typer.Option(
            "--column", help="ROLE=COLUMN: area, sex, age, age_band, disability, stratum, "
                             "psu, weight, fpc")] = None,
        form_version: Annotated[str | None, typer.Option(help="the form version")] = None,
        dry_run: Annotated[bool, typer.Option(help="check every row, write nothing")] = False,
        errors: Annotated[Path | None, typer.Option(help="write the row errors here")] = None,
        actor: ActorOption = "cli", role: RoleOption = "admin", db: DbOption = None) -> None:
    """Import a wave of submissions (KoBo/ODK CSV or XLSX export); all rows or none."""
    from salus.ingestion.errors import write_errors_csv
    from salus.usecases.surveys import data as uc

    files = [(file.name, _read(file))] + [(p.name, _read(p)) for p in repeat or []]
    try:
        report = uc.import_data(open_db(db), _viewer(actor, role), code, wave, files,
                                _roles(column or []), form_version, dry_run=dry_run)
    except UseCaseError as exc:
        fail_use_case(exc)
    for e in report.errors[:20]:
        console.print(f"row {e.row}, {e.column} = {e.value!r}: {e.message} [{e.code}]",
                      markup=False)
    if errors is not None:
        write_errors_csv(errors, [*report.errors, *report.warnings])
    console.print(f"{report.rows_read} rows read, {report.respondents} respondents, "
                  f"{report.repeat_rows} repeat rows, {len(report.errors)} errors; kept "
                  f"columns: {', '.join(report.unknown_columns) or 'none'}", markup=False)
    if report.errors:
        fail("nothing was written: correct the rows above", 1)
    console.print("written" if report.written else "dry run: nothing written")


def _margin(path: Path) -> tuple[list[str], list[list[str]]]:
    rows = list(csv.reader(_read(path).decode("utf-8-sig").splitlines()))
    if not rows or rows[0][-1].strip().lower() != "total":
        fail(f"{path}: the last column must be 'total' (e.g. sex,total)")
    return [c.strip() for c in rows[0][:-1]], rows[1:]


@surveys_app.command("design")
def design(
        code: str, wave: str,
        weights: Annotated[str | None, typer.Option(help="weight variable")] = "weight",
        strata: Annotated[str | None, typer.Option(help="stratum variable")] = None,
        ids: Annotated[str, typer.Option(help="PSU (then later stages), comma-separated")] = "",
        fpc: Annotated[str, typer.Option(help="FPC variable per stage, comma-separated")] = "",
        nest: Annotated[bool, typer.Option(help="PSU ids unique only within strata")] = False,
        lonely_psu: Annotated[str, typer.Option(help="fail, remove, adjust, average or "
                                                     "certainty")] = "fail",
        calibrate: Annotated[list[Path] | None, typer.Option(
            help="population totals, CSV: variables then 'total' (one file per margin)")] = None,
        method: Annotated[str, typer.Option(help="raking, poststratify or linear")] = "raking",
        replicates: Annotated[str | None, typer.Option(
            help="replicate weights: JK1, JKn, bootstrap, BRR or Fay (R's svrepdesign type)")]
        = None,
        replicate_weights: Annotated[str, typer.Option(
            help="replicate weight columns, comma-separated (none: created from the design, "
                 "as R's as.svrepdesign)")] = "",
        scale: Annotated[float | None, typer.Option(help="replicate variance scale")] = None,
        rscales: Annotated[str, typer.Option(help="one scale per replicate column, "
                                                  "comma-separated")] = "",
        mse: Annotated[bool, typer.Option(help="centre replicate variances at the "
                                               "full-sample estimate")] = False,
        fay_rho: Annotated[float, typer.Option(help="Fay's rho")] = 0.0,
        replicate_count: Annotated[int, typer.Option(help="bootstrap replicates to create")]
        = 50,
        seed: Annotated[int | None, typer.Option(help="bootstrap seed")] = None,
        actor: ActorOption = "cli", role: RoleOption = "admin", db: DbOption = None) -> None:
    """Define the wave's design (R's svydesign), checked on its respondents."""
    from salus.domain.surveys.design import (
        DesignRuleError,
        DesignSpec,
        Replicates,
        parse_margin,
    )
    from salus.usecases.surveys import design as uc

    try:
        margins = tuple(parse_margin(*_margin(p)) for p in calibrate or [])
    except DesignRuleError as exc:
        fail(str(exc))
    try:
        scales = tuple(float(v) for v in _list(rscales)) or None
    except ValueError:
        fail(f"--rscales {rscales!r}: give numbers separated by commas")
    reps = None if not replicates else Replicates(
        method=replicates, columns=_list(replicate_weights), scale=scale, rscales=scales,
        mse=mse, fay_rho=fay_rho, count=replicate_count, seed=seed)
    spec = DesignSpec(weights=weights or None, strata=strata or None, ids=_list(ids),
                      fpc=_list(fpc), nest=nest, lonely_psu=lonely_psu, calibration=margins,
                      calibration_method=method, replicates=reps)
    try:
        uc.set_design(open_db(db), _viewer(actor, role), code, wave, spec)
    except UseCaseError as exc:
        fail_use_case(exc)
    console.print(f"design of {code} {wave}: {spec.to_json()}", markup=False)


def _list(text: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in text.split(",") if p.strip())


def _condition(text: str) -> dict[str, Any]:
    question, sep, values = text.partition("=")
    if not sep:
        fail(f"{text!r}: write QUESTION=VALUE[,VALUE...]")
    return {"question": question.strip(), "values": list(_list(values))}


@surveys_app.command("map")
def map_indicator(
        code: str, indicator: str,
        numerator: Annotated[list[str], typer.Option(help="QUESTION=VALUE,... (any holds)")],
        denominator: Annotated[list[str] | None, typer.Option(
            help="QUESTION=VALUE,... (default: everyone who answered)")] = None,
        actor: ActorOption = "cli", role: RoleOption = "admin", db: DbOption = None) -> None:
    """Say which answers count in an SDG 16 indicator's numerator and denominator."""
    from salus.usecases.surveys import forms as uc

    mapping = {"numerator": [_condition(n) for n in numerator],
               "denominator": [_condition(d) for d in denominator or []]}
    try:
        uc.set_indicator_mapping(open_db(db), _viewer(actor, role), code, indicator, mapping)
    except UseCaseError as exc:
        fail_use_case(exc)
    console.print(f"{indicator} mapped for {code}")


def _options(by: str, area_level: int | None, min_n: int, max_cv: float, ci: str) -> Any:
    from salus.analytics.surveys.domains import Thresholds
    from salus.analytics.surveys.errors import SurveyDesignError
    from salus.usecases.surveys.estimates import Options

    try:
        thresholds = Thresholds(min_n=min_n, flag_n=max(min_n, 50), max_cv=max_cv,
                                flag_cv=min(0.2, max_cv))
    except SurveyDesignError as exc:
        fail(str(exc))
    return Options(by=_list(by), area_level=area_level, thresholds=thresholds, ci=ci)


def _pct(value: float | None) -> str:
    return "" if value is None else f"{100 * value:.1f}"


@surveys_app.command("estimate")
def estimate(
        code: str, wave: str,
        indicator: Annotated[str | None, typer.Option(help="an SDG 16 survey indicator")] = None,
        question: Annotated[str | None, typer.Option(help="or a question...")] = None,
        values: Annotated[str, typer.Option(help="...and the answers that count")] = "",
        by: ByOption = "", area_level: LevelOption = None, min_n: MinNOption = 30,
        max_cv: MaxCvOption = 0.3,
        ci: Annotated[str, typer.Option(help="interval: logit, wilson, beta, wald...")] = "logit",
        csv_out: Annotated[Path | None, typer.Option("--csv", help="write the table here")]
        = None, actor: ActorOption = "cli", role: RoleOption = "admin",
        db: DbOption = None) -> None:
    """Design-based estimates (%, SE, 95% CI, deff, CV, n) by domain, flagged or suppressed."""
    from salus.usecases.surveys import estimates as uc

    options = _options(by, area_level, min_n, max_cv, ci)
    engine, viewer = open_db(db), _viewer(actor, role)
    try:
        if indicator:
            result = uc.estimate_indicator(engine, viewer, code, wave, indicator, options)
        elif question:
            result = uc.estimate_question(engine, viewer, code, wave, question,
                                          _list(values), options)
        else:
            fail("give --indicator, or --question and --values")
    except UseCaseError as exc:
        fail_use_case(exc)
    rows = [[*r.domain.values(), _pct(r.estimate), _pct(r.se), _pct(r.ci_low),
             _pct(r.ci_high), "" if r.deff is None else f"{r.deff:.2f}",
             "" if r.cv is None else f"{r.cv:.3f}", str(r.n_unweighted),
             "suppressed" if r.suppressed else ("flagged" if r.flagged else "")]
            for r in result.rows]
    header = [*result.by, "%", "SE", "CI low", "CI high", "deff", "CV", "n", "flag"]
    if csv_out is not None:
        with csv_out.open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows([header, *rows])
    table = Table(*header, title=f"{result.sdg or result.indicator} {result.title} — "
                                 f"{code} {wave}")
    for r in rows:
        table.add_row(*r)
    console.print(table)


@surveys_app.command("compare")
def compare(code: str, first: str, second: str,
            indicator: Annotated[str, typer.Option(help="an SDG 16 survey indicator")],
            by: ByOption = "", area_level: LevelOption = None, min_n: MinNOption = 30,
            max_cv: MaxCvOption = 0.3, actor: ActorOption = "cli", role: RoleOption = "admin",
            db: DbOption = None) -> None:
    """The change between two waves, with the standard error of the difference."""
    from salus.usecases.surveys import estimates as uc

    options = _options(by, area_level, min_n, max_cv, "logit")
    try:
        result = uc.compare_waves(open_db(db), _viewer(actor, role), code, first, second,
                                  indicator, options)
    except UseCaseError as exc:
        fail_use_case(exc)
    table = Table(*result.by, first, second, "change (points)", "SE", "95% CI", "p",
                  title=f"{result.sdg} {result.title}")
    for r in result.rows:
        ci = "" if r.ci_low is None else f"{100 * r.ci_low:.1f} to {100 * (r.ci_high or 0):.1f}"
        table.add_row(*r.domain.values(), _pct(r.first.estimate), _pct(r.second.estimate),
                      _pct(r.difference), _pct(r.se_difference), ci,
                      "" if r.p_value is None else f"{r.p_value:.3f}")
    console.print(table)


@surveys_app.command("list")
def list_surveys(actor: ActorOption = "cli", role: RoleOption = "admin",
                 db: DbOption = None) -> None:
    """The surveys you can see."""
    from salus.usecases.surveys import forms as uc

    try:
        found = uc.list_surveys(open_db(db), _viewer(actor, role))
    except UseCaseError as exc:
        fail_use_case(exc)
    table = Table("code", "title", "area", "forms", "waves")
    for s in found:
        table.add_row(s.code, s.title, s.area_code or "", str(s.forms), str(s.waves))
    console.print(table)


@surveys_app.command("show")
def show(code: str, actor: ActorOption = "cli", role: RoleOption = "admin",
         db: DbOption = None) -> None:
    """A survey's form versions, waves and indicator mapping."""
    from salus.usecases.surveys import forms as uc

    try:
        d = uc.get_survey(open_db(db), _viewer(actor, role), code)
    except UseCaseError as exc:
        fail_use_case(exc)
    console.print(f"{d.code}: {d.title} ({d.area_code or 'no area'})", markup=False)
    for f in d.forms:
        console.print(f"form {f.form_id} {f.version}: {f.questions} questions, "
                      f"{', '.join(f.languages)}", markup=False)
    for w in d.waves:
        console.print(f"wave {w.label}: {w.respondents} respondents, form {w.form_version}, "
                      f"design {'defined' if w.has_design else 'not defined'}", markup=False)
    for indicator, mapping in d.indicator_map.items():
        console.print(f"{indicator}: {mapping}", markup=False)
    sys.stdout.flush()


@surveys_app.command("to-assessment")
def to_assessment(assessment: int, code: str,
                  wave: Annotated[str | None, typer.Option(help="the wave (default: the "
                                                               "latest with a design)")] = None,
                  actor: ActorOption = "cli", role: RoleOption = "admin",
                  db: DbOption = None) -> None:
    """Record the survey's indicators for an assessment's community as its survey results."""
    from salus.usecases.plans.survey_link import take_survey_results

    try:
        taken = take_survey_results(open_db(db), _viewer(actor, role), assessment, code, wave)
    except UseCaseError as exc:
        fail_use_case(exc)
    console.print(f"{len(taken.added)} survey result(s) recorded", markup=False)
    for line in taken.skipped:
        console.print(f"skipped {line}", markup=False)
