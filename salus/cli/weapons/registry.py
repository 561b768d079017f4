"""``salus weapons``: the small-arms registry from the command line.

    salus weapons import FILE [--mapping weapons-registry] --user U [--dry-run] [--errors E.csv]
    salus weapons history UID_OR_SERIAL --user U
    salus weapons check SERIAL [--manufacturer M] --user U --reason TEXT
    salus weapons licences expiring [--within 30] [--area CODE] --user U
    salus weapons export [--out registry.csv] [--area CODE] --user U
    salus weapons legal-status --from 2024-01-01 --to 2024-12-31 [--area CODE] --user U

Every command acts as an account of the store (``--user``, or ``$SALUS_USER``), with that
account's role and area: the registry's permissions apply and the audit log names the person
(the registered-and-to-whom check needs a registry role and is always audited). Search, tracing,
stockpiles and SDG 16.4.2 commands are added to this group by ``weapons_search`` and
``weapons_stock``; collection campaigns, destruction events and their report by
``weapons_collection``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.table import Table

from salus.cli.common import DbOption, UserOption, console, err_console, fail, fail_use_case
from salus.cli.common import store_account as _viewer
from salus.usecases.errors import UseCaseError

if TYPE_CHECKING:
    from salus.usecases.weapons import history as weapons_history
    from salus.usecases.weapons import records as uc

weapons_app = typer.Typer(help="Small-arms registry: import, history, check, licences, export.",
                          no_args_is_help=True)
licences_app = typer.Typer(help="Licences: renewal reminders.", no_args_is_help=True)
AreaOption = Annotated[str | None, typer.Option("--area", help="area code (with its subtree)")]


def register(app: typer.Typer) -> None:
    """Add the ``weapons`` group (with the search and stockpile commands) to the root app."""
    from salus.cli.weapons import collection as weapons_collection
    from salus.cli.weapons import search as weapons_search
    from salus.cli.weapons import stock as weapons_stock

    weapons_app.add_typer(licences_app, name="licences")
    weapons_search.add_commands(weapons_app)
    weapons_stock.add_commands(weapons_app)
    weapons_collection.add_commands(weapons_app)
    app.add_typer(weapons_app, name="weapons")


@weapons_app.command("import")
def import_file(
    file: Annotated[Path, typer.Argument(help="CSV, XLSX or XLS file, one weapon per row")],
    mapping: Annotated[str, typer.Option(
        help="a shipped weapons mapping (weapons-registry, weapons-ru-registry) or a YAML path"
    )] = "weapons-registry",
    dry_run: Annotated[bool, typer.Option("--dry-run", help="check every row, write nothing")]
    = False,
    errors: Annotated[Path | None, typer.Option(help="write row errors to this CSV")] = None,
    user: UserOption = None, db: DbOption = None,
) -> None:
    """Import weapons with owners, licences and registrations: all rows or none."""
    from salus.ingestion.errors import FileImportError, MappingError, write_errors_csv
    from salus.usecases.weapons import imports as weapons_import

    engine, viewer = _viewer(db, user)
    try:
        report = weapons_import.import_registry(engine, viewer, file, mapping,
                                                dry_run=dry_run)
    except (FileImportError, MappingError, UseCaseError) as exc:
        fail(str(getattr(exc, "detail", exc)))
    if report.unmapped_columns:
        console.print("columns the mapping does not name, kept with each weapon as source "
                      f"attributes: {', '.join(report.unmapped_columns)}")
    for e in report.errors[:20]:
        err_console.print(f"row {e.row if e.row is not None else '-'} · {e.column} · "
                          f"{e.value!r}: {e.code}: {e.message}")
    if errors is not None and report.errors:
        write_errors_csv(errors, report.errors)
    if report.errors:
        fail(f"{len(report.errors)} error(s) in {report.rows_read} row(s); nothing imported",
              1)
    verb = "would import" if dry_run else "imported"
    console.print(f"{verb} {report.rows_read} row(s): {report.weapons_added} new weapon(s), "
                  f"{report.weapons_existing} already recorded, {report.owners_added} owner(s), "
                  f"{report.licences_added} licence(s), {report.registrations} registration(s), "
                  f"{report.transfers} transfer(s), {report.events} event(s)")


@weapons_app.command("history")
def history(ref: Annotated[str, typer.Argument(help="weapon uid or serial number")],
            user: UserOption = None, db: DbOption = None) -> None:
    """The lifecycle of one weapon, corrections included."""
    from salus.usecases.weapons import history as weapons_history
    from salus.usecases.weapons import records as uc

    engine, viewer = _viewer(db, user)
    try:
        found = uc.find_weapons(engine, viewer, ref)
        if len(found) != 1:
            _ambiguous(ref, found)
        h = weapons_history.history(engine, viewer, found[0].uid)
    except UseCaseError as exc:
        fail_use_case(exc)
    w = found[0]
    console.print(f"{w.uid} · {w.manufacturer or '?'} {w.model or ''} · serial "
                  f"{w.serial_number or '(none)'} · status {h.status or '(no history)'}")
    table = Table()
    for column in ("id", "date", "event", "place", "incident/case", "note"):
        table.add_column(column)
    for e in h.events:
        table.add_row(str(e.id), e.occurred_on.isoformat(), e.event_type, e.place or "",
                      e.incident_uid or e.case_reference or "", _note(e))
    console.print(table)
    for hold in h.holdings:
        who = hold.owner_name or "(owner hidden)"
        console.print(f"held {hold.from_date} → {hold.to_date or 'now'} by {who} "
                      f"under {hold.licence_number or '(hidden)'}")


def _ambiguous(ref: str, found: list[uc.WeaponSummary]) -> NoReturn:
    if not found:
        fail(f"no weapon {ref!r}", 1)
    lines = [f"  {w.uid}  {w.manufacturer or '?'} {w.model or ''}  {w.serial_number}"
             for w in found]
    fail(f"{len(found)} weapons match {ref!r}; give the uid:\n" + "\n".join(lines))


def _note(e: weapons_history.EventView) -> str:
    if e.corrects_event_id is not None:
        return f"corrects {e.corrects_event_id}: {e.details}"
    if e.voided_by is not None:
        return f"voided by {e.voided_by}"
    if e.amended_by:
        return f"amended by {', '.join(map(str, e.amended_by))}: now {e.effective_type} " \
               f"on {e.effective_on}"
    return e.campaign or e.destruction_certificate or ""


@weapons_app.command("check")
def check(serial: Annotated[str, typer.Argument(help="serial number or weapon uid")],
          reason: Annotated[str, typer.Option(help="why you ask (kept in the audit log)")],
          manufacturer: Annotated[str | None, typer.Option(help="narrow to one maker")] = None,
          user: UserOption = None, db: DbOption = None) -> None:
    """Is this weapon registered, and to whom? (registry roles only; audited)"""
    from salus.usecases.weapons import check as weapons_check

    engine, viewer = _viewer(db, user)
    try:
        result = weapons_check.check_weapon(engine, viewer, serial,
                                            manufacturer=manufacturer, reason=reason)
    except UseCaseError as exc:
        fail_use_case(exc)
    if not result.found:
        console.print(f"NOT FOUND: no weapon with serial {serial!r} in the registry")
        raise typer.Exit(1)
    for a in result.weapons:
        state = "REGISTERED" if a.registered else f"NOT REGISTERED (status {a.status})"
        console.print(f"{a.weapon_uid} · {a.manufacturer or '?'} {a.model or ''} · "
                      f"{a.serial_number} · {state}")
        if a.holder is not None:
            h = a.holder
            console.print(f"  holder: {h.owner_name} ({h.owner_kind}, {h.id_document or '-'})"
                          f" since {h.since} · licence {h.licence_number} {h.licence_type} "
                          f"[{h.licence_status}]")


@licences_app.command("expiring")
def expiring(within: Annotated[int, typer.Option(help="days ahead")] = 30,
             area: AreaOption = None,
             today: Annotated[str | None, typer.Option(help="as of this day (YYYY-MM-DD)")]
             = None,
             user: UserOption = None, db: DbOption = None) -> None:
    """Active licences expiring within N days, soonest first (renewal reminders)."""
    from salus.usecases.weapons import owners as weapons_owners

    engine, viewer = _viewer(db, user)
    day = dt.date.fromisoformat(today) if today else None
    try:
        rows = weapons_owners.expiring_licences(engine, viewer, within, area,
                                                day)
    except UseCaseError as exc:
        fail_use_case(exc)
    table = Table(title=f"{len(rows)} licence(s) expiring within {within} days")
    for column in ("licence", "type", "expires", "days", "owner", "area", "weapons"):
        table.add_column(column)
    for r in rows:
        table.add_row(r.number, r.licence_type, r.expires_on.isoformat(), str(r.days_left),
                      r.owner_name or r.owner_uid, r.area_code or "", str(r.weapons))
    console.print(table)


@weapons_app.command("export")
def export(out: Annotated[Path, typer.Option(help="CSV file to write")] = Path("registry.csv"),
           area: AreaOption = None, user: UserOption = None, db: DbOption = None) -> None:
    """Export weapons with their holders pseudonymised (keyed HMAC; no personal data)."""
    from salus.usecases.weapons import export as weapons_export

    engine, viewer = _viewer(db, user)
    try:
        text = weapons_export.export_csv(engine, viewer, area)
    except UseCaseError as exc:
        fail_use_case(exc)
    out.write_text(text, encoding="utf-8")
    console.print(f"wrote {text.count(chr(10)) - 1} weapon(s) to {out}")


@weapons_app.command("legal-status")
def legal_status(
    date_from: Annotated[str, typer.Option("--from", help="first day (YYYY-MM-DD)")],
    date_to: Annotated[str, typer.Option("--to", help="last day (YYYY-MM-DD)")],
    area: AreaOption = None, lang: Annotated[str, typer.Option(help="label language")] = "en",
    user: UserOption = None, db: DbOption = None,
) -> None:
    """Firearm incidents by the legal status of the weapon (registry status on the day)."""
    from salus.usecases.weapons import links as weapons_links

    engine, viewer = _viewer(db, user)
    try:
        result = weapons_links.incidents_by_legal_status(
            engine, viewer, dt.date.fromisoformat(date_from),
            dt.date.fromisoformat(date_to), area, lang)
    except UseCaseError as exc:
        fail_use_case(exc)
    table = Table(title=f"Firearm incidents {date_from} – {date_to}: {result.total}")
    for column in ("legal status", "code", "incidents", "from the registry"):
        table.add_column(column)
    for r in result.rows:
        table.add_row(r.label, r.code, str(r.incidents), str(r.from_registry))
    console.print(table)
