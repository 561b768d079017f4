"""``salus alerts``: run the early-warning rules, list alerts, move them through the workflow.

    salus alerts run [--today 2024-06-05] [--db URL]      # cron-friendly: idempotent, exit 0
    salus alerts list [--status open|new|...]
    salus alerts rules add NAME --method ears_c1 --unit week --level 2 [--iccs 01 ...]
    salus alerts rules list
    salus alerts ack|plan|resolve|dismiss ID [--note TEXT] [--response TEXT] [--assignee U]
    salus alerts escalate ID [--note TEXT]
    salus alerts notify                                    # send the queued notifications

The CLI acts as an administrator named by ``--actor`` (recorded in the audit log).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated

import typer
from rich.table import Table

from salus.cli.common import DbOption, console, fail, fail_use_case, open_db
from salus.domain.accounts.roles import SYSTEM_VIEWER, Viewer
from salus.usecases.errors import UseCaseError

alerts_app = typer.Typer(help="Early-warning alerts: run rules, list alerts, respond.",
                         no_args_is_help=True)
rules_app = typer.Typer(help="Alert rules: what to watch and how.", no_args_is_help=True)
ActorOption = Annotated[str, typer.Option(help="who acts (audit log)")]
NoteOption = Annotated[str | None, typer.Option("--note", help="a note for the record")]


def register(app: typer.Typer) -> None:
    """Add the ``alerts`` command group to the root app."""
    alerts_app.add_typer(rules_app, name="rules")
    app.add_typer(alerts_app, name="alerts")


@alerts_app.command("run")
def run(today: Annotated[str | None, typer.Option(
            help="evaluate the periods that ended before this day (default: today)")] = None,
        db: DbOption = None) -> None:
    """Run every active rule (incident series and tension index); print what fired."""
    from salus.usecases.alerts import workflow as uc

    engine = open_db(db)
    day = dt.date.fromisoformat(today) if today else None
    report = uc.run_all(engine, day)
    for fired in report.fired:
        console.print(f"FIRED alert {fired['id']}: {fired['rule']} area {fired['area_id']} "
                      f"{fired['period_start']} observed {fired['observed']:g} > "
                      f"{_num(fired['upper_bound'])}")
    for name, reason in report.skipped.items():
        console.print(f"skipped {name}: {reason}")
    sent = report.notifications
    console.print(f"{len(report.fired)} new alert(s), {report.already_known} already known; "
                  f"notifications sent {sent.get('sent', 0)}, failed {sent.get('failed', 0)}")


@alerts_app.command("list")
def list_alerts(status: Annotated[str | None, typer.Option(
                    help="open, new, acknowledged, response_planned, resolved, dismissed")] = None,
                db: DbOption = None) -> None:
    """List alerts, newest period first."""
    from salus.usecases.alerts import workflow as uc

    table = Table()
    for column in ("id", "status", "rule", "area", "period", "observed", "expected", "bound",
                   "assignee"):
        table.add_column(column)
    for r in uc.list_alerts(open_db(db), SYSTEM_VIEWER, status):
        table.add_row(str(r["id"]), r["status"], r["rule_name"], r["area_code"],
                      str(r["period_start"]), f"{r['observed']:g}", _num(r["expected"]),
                      _num(r["upper_bound"]), r["assignee"] or "")
    console.print(table)


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def _move(status: str, alert_id: int, note: str | None, response: str | None,
          assignee: str | None, actor: str, db: str | None) -> None:
    from salus.usecases.alerts import workflow as uc

    viewer = Viewer.for_role(actor, "admin")
    try:
        alert = uc.transition(open_db(db), alert_id, status, viewer, note, response=response,
                              assignee=assignee)
    except UseCaseError as exc:
        fail_use_case(exc)
    console.print(f"alert {alert_id} is now {alert['status']}")


def _make_move(name: str, status: str, doc: str) -> None:
    def command(alert_id: Annotated[int, typer.Argument(help="alert id")],
                note: NoteOption = None,
                response: Annotated[str | None, typer.Option(
                    help="the response taken (resolve; default: the note)")] = None,
                assignee: Annotated[str | None, typer.Option(help="assign to")] = None,
                actor: ActorOption = "cli", db: DbOption = None) -> None:
        _move(status, alert_id, note, response, assignee, actor, db)

    command.__doc__ = doc
    alerts_app.command(name)(command)


@alerts_app.command("escalate")
def escalate(alert_id: Annotated[int, typer.Argument(help="alert id")], note: NoteOption = None,
             actor: ActorOption = "cli", db: DbOption = None) -> None:
    """Escalate an open alert to the administrators of its area (they are notified)."""
    from salus.usecases.alerts import workflow as uc

    try:
        uc.escalate(open_db(db), alert_id, Viewer.for_role(actor, "admin"), note)
    except UseCaseError as exc:
        fail_use_case(exc)
    console.print(f"alert {alert_id} escalated")


@alerts_app.command("notify")
def notify_now(db: DbOption = None) -> None:
    """Send the queued notifications (new alerts, assignments, escalations, resolutions)."""
    from salus.usecases.alerts import notify

    sent = notify.deliver_pending(open_db(db))
    console.print(f"notifications sent {sent['sent']}, failed {sent['failed']}")


for _name, _status, _doc in (("ack", "acknowledged", "Acknowledge a new alert."),
                             ("plan", "response_planned", "Record that a response is planned."),
                             ("resolve", "resolved", "Close an alert with the response taken."),
                             ("dismiss", "dismissed", "Dismiss an alert (false alarm).")):
    _make_move(_name, _status, _doc)


@rules_app.command("add")
def add_rule(
    name: Annotated[str, typer.Argument(help="rule name")],
    method: Annotated[str, typer.Option(help="ears_c1, ears_c2, ears_c3, farrington, "
                                              "farrington_flexible or cusum")] = "ears_c1",
    unit: Annotated[str, typer.Option(help="day, week or month")] = "week",
    level: Annotated[int, typer.Option(help="admin level of the areas")] = 1,
    iccs: Annotated[list[str] | None, typer.Option(help="ICCS code prefix (repeat)")] = None,
    context: Annotated[list[str] | None, typer.Option(help="ICCS context (repeat)")] = None,
    weapon: Annotated[list[str] | None, typer.Option(help="weapon category (repeat)")] = None,
    params: Annotated[str, typer.Option(help="method parameters as JSON")] = "{}",
    lookback: Annotated[int, typer.Option(help="latest complete periods to evaluate")] = 1,
    email: Annotated[list[str] | None, typer.Option(help="recipient (repeat)")] = None,
    webhook: Annotated[str | None, typer.Option(help="URL for a JSON POST")] = None,
    actor: ActorOption = "cli", db: DbOption = None,
) -> None:
    """Add an alert rule."""
    from salus.usecases.alerts import workflow as uc

    try:
        parameters = json.loads(params)
    except ValueError:
        fail("--params must be a JSON object")
    spec = uc.RuleSpec(name, method, unit, level,
                       {k: v for k, v in (("iccs", iccs), ("context", context),
                                          ("weapon", weapon)) if v},
                       parameters, lookback, tuple(email or ()), webhook)
    try:
        rule_id = uc.add_rule(open_db(db), Viewer.for_role(actor, "admin"), spec)
    except UseCaseError as exc:
        fail_use_case(exc)
    console.print(f"rule {rule_id} added: {name}")


@rules_app.command("set")
def set_rule(
    name: Annotated[str, typer.Argument(help="rule name (e.g. 'tension index')")],
    email: Annotated[list[str] | None, typer.Option(help="recipient (repeat; replaces)")] = None,
    webhook: Annotated[str | None, typer.Option(help="webhook URL ('' removes it)")] = None,
    active: Annotated[bool | None, typer.Option("--active/--inactive",
                                                help="run the rule or not")] = None,
    actor: ActorOption = "cli", db: DbOption = None,
) -> None:
    """Change a rule's recipients, webhook, or whether it runs."""
    from salus.usecases.alerts import workflow as uc

    try:
        uc.update_rule(open_db(db), Viewer.for_role(actor, "admin"), name,
                       recipients=tuple(email) if email else None, webhook_url=webhook,
                       active=active)
    except UseCaseError as exc:
        fail_use_case(exc)
    console.print(f"rule {name} updated")


@rules_app.command("list")
def list_rules(db: DbOption = None) -> None:
    """List alert rules."""
    from salus.usecases.alerts import workflow as uc

    for r in uc.list_rules(open_db(db)):
        state = "active" if r["active"] else "inactive"
        console.print(f"{r['id']}  {r['name']}  {r['method']} per {r['period_unit']} "
                      f"level {r['area_level']} {json.dumps(r['filter'])} {state}")
