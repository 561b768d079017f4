"""``salus plans``: list community safety plans, show one, export it, record progress.

    salus plans list [--area R1]
    salus plans show ID [--today 2025-01-31]
    salus plans export ID --format html|pdf --lang fr -o plan.pdf
    salus plans update ID --action 3 --status done [--note TEXT] [--evidence URL]
    salus plans update ID --indicator 2 --value 55 [--note TEXT]
    salus plans rollup [--area R1]

The CLI acts as an administrator named by ``--actor`` (recorded in the audit log).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from salus.cli.common import DbOption, console, fail, fail_use_case, open_db
from salus.domain import plans as sp
from salus.domain.accounts.roles import Viewer
from salus.usecases.errors import UseCaseError

plans_app = typer.Typer(help="Community safety plans: list, show, export, update progress.",
                        no_args_is_help=True)
ActorOption = Annotated[str, typer.Option(help="who acts (audit log)")]
TodayOption = Annotated[str | None, typer.Option(
    help="compute flags and linked indicators as of this day (default: today)")]


def register(app: typer.Typer) -> None:
    """Add the ``plans`` command group to the root app."""
    app.add_typer(plans_app, name="plans")


def _day(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        fail(f"not a date (YYYY-MM-DD): {text!r}")


def _admin(actor: str) -> Viewer:
    return Viewer.for_role(actor, "admin")


@plans_app.command("list")
def list_plans(area: Annotated[str | None, typer.Option(help="only plans under this area")] = None,
               today: TodayOption = None, db: DbOption = None) -> None:
    """List plans with their actions done and overdue."""
    from salus.usecases.plans import views as plan_views

    try:
        rows = plan_views.list_plans(open_db(db), _admin("cli"), area, _day(today))
    except UseCaseError as exc:
        fail_use_case(exc)
    table = Table("id", "community", "title", "period", "status", "actions", "done", "overdue")
    for r in rows:
        table.add_row(str(r.id), f"{r.area_name} ({r.area_code})", r.title,
                      f"{r.period_start}..{r.period_end}", r.status, str(r.actions),
                      str(r.done), str(r.overdue))
    console.print(table)


@plans_app.command("show")
def show(plan_id: int, today: TodayOption = None, db: DbOption = None) -> None:
    """Show a plan: objectives, actions (overdue flagged), indicators (off-track flagged)."""
    from salus.usecases.plans import views as plan_views

    try:
        plan = plan_views.get_plan(open_db(db), _admin("cli"), plan_id, _day(today))
    except UseCaseError as exc:
        fail_use_case(exc)
    console.print(f"[bold]{plan.title}[/bold] — {plan.area_name} ({plan.area_code}) "
                  f"{plan.period_start}..{plan.period_end} [{plan.status}]")
    for o in plan.objectives:
        console.print(f"\nObjective {o.id}: {o.title}")
        for a in o.actions:
            flag = " OVERDUE" if a.overdue else ""
            console.print(f"  action {a.id}: {a.title} — {a.responsible}, due {a.due_on}, "
                          f"{a.status}{flag}")
        for i in o.indicators:
            flag = f" OFF TRACK ({i.progress.reason})" if i.off_track else ""
            source = f" (computed, data to {i.as_of})" if i.link else ""
            console.print(f"  indicator {i.id}: {i.name}{source}: baseline {i.baseline:g} → "
                          f"target {i.target:g}, current {i.current_text}, expected "
                          f"{i.progress.expected_value:.2f}{flag}")
    console.print(f"\n{len(plan.overdue)} overdue action(s), {len(plan.off_track)} indicator(s) "
                  "off track")


@plans_app.command("export")
def export(plan_id: int,
           output: Annotated[Path, typer.Option("-o", "--output", help="file to write")],
           format: Annotated[str, typer.Option("--format", help="html or pdf")] = "pdf",
           lang: Annotated[str, typer.Option("--lang", help="en, fr, es, ru, ar or zh")] = "en",
           today: TodayOption = None, db: DbOption = None) -> None:
    """Export a plan as an HTML or PDF document in one language."""
    from salus.reports import plans as report
    from salus.usecases.plans import views as plan_views

    if format not in report.FORMATS:
        fail(f"unknown format {format!r} (html or pdf)")
    try:
        plan = plan_views.get_plan(open_db(db), _admin("cli"), plan_id, _day(today))
        data = report.render(plan, format, lang)
    except UseCaseError as exc:
        fail_use_case(exc)
    except ValueError as exc:
        fail(str(exc))
    output.write_bytes(data)
    console.print(f"wrote {output} ({len(data)} bytes, {format}, {lang})")


@plans_app.command("update")
def update(plan_id: int,
           action: Annotated[int | None, typer.Option(help="action id")] = None,
           indicator: Annotated[int | None, typer.Option(help="manual indicator id")] = None,
           status: Annotated[str | None, typer.Option(
               help=f"new action status: {', '.join(sp.codes('action_status').codes)}")] = None,
           value: Annotated[float | None, typer.Option(help="new indicator value")] = None,
           note: Annotated[str | None, typer.Option(help="what happened")] = None,
           evidence: Annotated[str | None, typer.Option(help="evidence: text or link")] = None,
           on: Annotated[str | None, typer.Option(help="date of the update")] = None,
           actor: ActorOption = "cli", db: DbOption = None) -> None:
    """Record progress: an action's status or a manual indicator's value."""
    from salus.usecases.plans import editing as uc

    spec = uc.ProgressSpec(_day(on) or dt.date.today(), action, indicator, status, value,
                           note, evidence)
    try:
        progress_id = uc.record_progress(open_db(db), _admin(actor), plan_id, spec)
    except UseCaseError as exc:
        fail_use_case(exc)
    console.print(f"recorded progress update {progress_id} on plan {plan_id}")


@plans_app.command("rollup")
def rollup(area: Annotated[str | None, typer.Option(help="district, region (default: all)")]
           = None, db: DbOption = None) -> None:
    """Most frequent problems and their root causes across the assessments of an area."""
    from salus.usecases.plans import rollup as assessment_rollup

    try:
        result = assessment_rollup.rollup(open_db(db), _admin("cli"), area)
    except UseCaseError as exc:
        fail_use_case(exc)
    console.print(f"{result.assessments} assessment(s) under {result.area_name or 'the country'}")
    table = Table("problem", "assessments", "communities", "problems", "root causes")
    for c in result.categories:
        table.add_row(sp.label("problem_category", c.category), str(c.assessments),
                      str(c.communities), str(c.problems),
                      "; ".join(f"{text} ({n})" for text, n in c.root_causes))
    console.print(table)
