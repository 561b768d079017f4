"""``salus reports``: the citizen-report review queue from the command line.

    salus reports list [--status unverified|verified|rejected|duplicate|all] [--area R1]
    salus reports show R-7K3M9QX2
    salus reports verify R-7K3M9QX2 [--iccs 0101] [--area R1-A] [--date 2024-05-01] [--note T]
    salus reports reject R-7K3M9QX2 --note "not an incident"
    salus reports duplicate R-7K3M9QX2 --of R-ABCD1234
    salus reports publish R-7K3M9QX2 [--text "edited public text"] [--withdraw]
    salus reports gateway NAME [--secret S]       # register an SMS gateway, print its secret
    salus reports limits client|phone|lookup|operator BURST PER_HOUR
    salus reports send-outbox                      # send the queued replies and broadcasts
    salus reports network list [--area R1]
    salus reports network add NAME --area R1-A --channel sms --phone +234… [--languages fr,en]
    salus reports network remove ID
    salus reports broadcast ALERT_ID [--note TEXT]

The CLI acts as ``--actor`` (recorded in the audit log) with the role ``--role``
(default: admin), as ``salus alerts`` and ``salus plans`` do.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from salus.cli.common import DbOption, console, fail, fail_use_case, open_db
from salus.domain.accounts.roles import Viewer
from salus.usecases.errors import UseCaseError

reports_app = typer.Typer(help="Citizen reports: review queue, verify, publish, SMS gateways.",
                          no_args_is_help=True)
ActorOption = Annotated[str, typer.Option(help="who acts (audit log)")]
RoleOption = Annotated[str, typer.Option(help="the role the actor acts with")]
NoteOption = Annotated[str | None, typer.Option("--note", help="a note for the record")]


network_app = typer.Typer(help="Early-warning and safety-network members.",
                          no_args_is_help=True)
reports_app.add_typer(network_app, name="network")


def register(app: typer.Typer) -> None:
    """Add the ``reports`` command group to the root app."""
    app.add_typer(reports_app, name="reports")


def _viewer(actor: str, role: str) -> Viewer:
    try:
        return Viewer.for_role(actor, role)
    except ValueError:
        fail(f"unknown role {role!r}")


@reports_app.command("list")
def list_reports(status: Annotated[str, typer.Option(help="status, or 'all'")] = "unverified",
                 area: Annotated[str | None, typer.Option(help="area code (subtree)")] = None,
                 limit: Annotated[int, typer.Option(help="at most this many")] = 50,
                 actor: ActorOption = "cli", role: RoleOption = "admin",
                 db: DbOption = None) -> None:
    """List reports, newest first (no reporter data)."""
    from salus.usecases.citizen_reports import review as uc
    from salus.usecases.paging import PageRequest

    f = uc.ReportFilter(None if status == "all" else status, area_code=area)
    try:
        page = uc.list_reports(open_db(db), _viewer(actor, role), f, PageRequest(1, limit))
    except UseCaseError as exc:
        fail_use_case(exc)
    table = Table("reference", "received", "channel", "category", "area", "status", "text")
    for r in page.items:
        state = r.status + (" published" if r.published else "") + (" spam?" if r.spam_flags
                                                                     else "")
        table.add_row(r.reference, f"{r.received_at:%Y-%m-%d %H:%M}", r.channel, r.category,
                      r.area_code or "", state, r.excerpt)
    console.print(table)
    console.print(f"{page.total} report(s)")


@reports_app.command("show")
def show(reference: str, actor: ActorOption = "cli", role: RoleOption = "admin",
         db: DbOption = None) -> None:
    """One report with its history (reporter's contact for verifiers; the read is audited)."""
    from salus.usecases.citizen_reports import review as uc

    engine = open_db(db)
    try:
        detail = uc.get_report(engine, _viewer(actor, role), uc.report_id_for(engine, reference))
    except UseCaseError as exc:
        fail_use_case(exc)
    for key, value in detail.fields.items():
        if value not in (None, "", []):
            console.print(f"{key}: {value}")
    if detail.identity:
        console.print(f"contact: {detail.identity['contact'] or ''}")
    for e in detail.events:
        console.print(f"{e['at']:%Y-%m-%d %H:%M} {e['actor']} {e['action']} "
                      f"{e['from_status'] or ''} -> {e['to_status'] or ''} {e['note'] or ''}")


@reports_app.command("verify")
def verify(reference: str,
           iccs: Annotated[str | None, typer.Option(help="ICCS code of the incident")] = None,
           area: Annotated[str | None, typer.Option(help="area code of the incident")] = None,
           date: Annotated[str | None, typer.Option(help="date of occurrence")] = None,
           note: NoteOption = None, actor: ActorOption = "cli", role: RoleOption = "admin",
           db: DbOption = None) -> None:
    """Verify a report: it becomes an incident and the alert rules run."""
    from salus.usecases.citizen_reports import review as uc

    engine = open_db(db)
    try:
        result = uc.verify(engine, _viewer(actor, role), uc.report_id_for(engine, reference),
                           iccs_code=iccs, area_code=area, occurred_on=date, note=note)
    except UseCaseError as exc:
        fail_use_case(exc)
    console.print(f"verified {reference}: incident {result.incident_uid}; "
                  f"{result.alerts_fired} new alert(s)")


@reports_app.command("reject")
def reject(reference: str, note: NoteOption = None, actor: ActorOption = "cli",
           role: RoleOption = "admin", db: DbOption = None) -> None:
    """Reject a report."""
    from salus.usecases.citizen_reports import review as uc

    engine = open_db(db)
    try:
        uc.reject(engine, _viewer(actor, role), uc.report_id_for(engine, reference), note)
    except UseCaseError as exc:
        fail_use_case(exc)
    console.print(f"rejected {reference}")


@reports_app.command("duplicate")
def duplicate(reference: str,
              of: Annotated[str, typer.Option("--of", help="reference of the original")],
              note: NoteOption = None, actor: ActorOption = "cli", role: RoleOption = "admin",
              db: DbOption = None) -> None:
    """Mark a report as a duplicate of another."""
    from salus.usecases.citizen_reports import review as uc

    engine = open_db(db)
    try:
        uc.mark_duplicate(engine, _viewer(actor, role), uc.report_id_for(engine, reference),
                          of, note)
    except UseCaseError as exc:
        fail_use_case(exc)
    console.print(f"{reference} is a duplicate of {of}")


@reports_app.command("publish")
def publish(reference: str,
            text: Annotated[str | None, typer.Option(
                help="the text the public will read, names removed (needed the first time)")]
            = None,
            withdraw: Annotated[bool, typer.Option(help="withdraw instead")] = False,
            actor: ActorOption = "cli", role: RoleOption = "admin", db: DbOption = None) -> None:
    """Publish a verified report on public pages (or withdraw it)."""
    from salus.usecases.citizen_reports import review as uc

    engine = open_db(db)
    try:
        uc.publish(engine, _viewer(actor, role), uc.report_id_for(engine, reference), text,
                   unpublish=withdraw)
    except UseCaseError as exc:
        fail_use_case(exc)
    console.print(f"{'withdrew' if withdraw else 'published'} {reference}")


@reports_app.command("gateway")
def gateway(name: str,
            secret: Annotated[str | None, typer.Option(help="the secret (default: random)")]
            = None,
            actor: ActorOption = "cli", db: DbOption = None) -> None:
    """Register an SMS/messaging gateway and print its shared secret (shown once)."""
    from salus.usecases.citizen_reports import settings as cfg

    try:
        value = cfg.add_gateway(open_db(db), Viewer.for_role(actor, "admin"), name, secret)
    except UseCaseError as exc:
        fail_use_case(exc)
    console.print(f"gateway {name}: secret {value}")


@reports_app.command("limits")
def limits(kind: Annotated[str, typer.Argument(help="client, phone, lookup or operator")],
           burst: Annotated[float, typer.Argument(help="reports allowed at once")],
           per_hour: Annotated[float, typer.Argument(help="tokens refilled per hour")],
           actor: ActorOption = "cli", db: DbOption = None) -> None:
    """Set an intake rate limit (token bucket per client address or per phone number)."""
    from salus.usecases.citizen_reports import settings as cfg

    try:
        cfg.set_limits(open_db(db), Viewer.for_role(actor, "admin"), kind, burst, per_hour)
    except UseCaseError as exc:
        fail_use_case(exc)
    console.print(f"{kind}: burst {burst:g}, {per_hour:g} per hour")


@reports_app.command("send-outbox")
def send_outbox(db: DbOption = None) -> None:
    """Send the due replies to reporters and alert broadcasts through the SMS provider
    (SALUS_SMS_PROVIDER_URL); failures are retried on a later run, with backoff."""
    from salus import config
    from salus.usecases.citizen_reports.outbox import send_outbox as run
    from salus.usecases.citizen_reports.provider import HttpProvider

    settings = config.settings().sms
    provider = HttpProvider.from_settings(settings)
    if provider is None:
        fail("SALUS_SMS_PROVIDER_URL is not set: nothing was sent")
    result = run(open_db(db), provider, settings)
    console.print(f"sent {result.sent}, to retry {result.retrying}, failed {result.failed}")


@network_app.command("list")
def network_list(area: Annotated[str | None, typer.Option(help="area code (subtree)")] = None,
                 actor: ActorOption = "cli", role: RoleOption = "admin",
                 db: DbOption = None) -> None:
    """List network members (name, area, role, channel, languages, active)."""
    from salus.usecases.citizen_reports import network

    try:
        members = network.list_members(open_db(db), _viewer(actor, role), area)
    except UseCaseError as exc:
        fail_use_case(exc)
    table = Table("id", "name", "area", "role", "channel", "contact", "languages", "active")
    for m in members:
        table.add_row(str(m.id), m.name, m.area_code, m.role, m.channel,
                      m.phone or m.email or "", ",".join(m.languages), "yes" if m.active else "no")
    console.print(table)


@network_app.command("add")
def network_add(name: str,
                area: Annotated[str, typer.Option(help="area code of the community")],
                channel: Annotated[str, typer.Option(help="sms, whatsapp or email")] = "sms",
                phone: Annotated[str | None, typer.Option(help="phone number")] = None,
                email: Annotated[str | None, typer.Option(help="e-mail address")] = None,
                languages: Annotated[str, typer.Option(help="e.g. fr,en (first used)")] = "en",
                member_role: Annotated[str, typer.Option(
                    "--member-role", help="focal_point, member, monitor, responder")] = "member",
                actor: ActorOption = "cli", role: RoleOption = "admin",
                db: DbOption = None) -> None:
    """Register a network member."""
    from salus.usecases.citizen_reports import network

    data = {"name": name, "area_code": area, "channel": channel, "phone": phone,
            "email": email, "languages": languages, "role": member_role, "active": True}
    try:
        member_id = network.add_member(open_db(db), _viewer(actor, role), data)
    except UseCaseError as exc:
        fail_use_case(exc)
    console.print(f"network member {member_id}: {name}")


@network_app.command("remove")
def network_remove(member_id: int, actor: ActorOption = "cli", role: RoleOption = "admin",
                   db: DbOption = None) -> None:
    """Remove a network member."""
    from salus.usecases.citizen_reports import network

    try:
        network.delete_member(open_db(db), _viewer(actor, role), member_id)
    except UseCaseError as exc:
        fail_use_case(exc)
    console.print(f"removed network member {member_id}")


@reports_app.command("broadcast")
def broadcast(alert_id: int,
              note: Annotated[str | None, typer.Option(help="added to the message as written")]
              = None,
              actor: ActorOption = "cli", role: RoleOption = "admin", db: DbOption = None) -> None:
    """Queue an alert's message to the active network members of its area."""
    from salus.usecases.citizen_reports import network

    try:
        queued = network.broadcast(open_db(db), _viewer(actor, role), alert_id, note)
    except UseCaseError as exc:
        fail_use_case(exc)
    console.print(f"alert {alert_id}: {queued} message(s) queued; run salus reports send-outbox")
