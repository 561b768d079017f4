"""``salus weapons trace|stock|report-16-4-2``: tracing requests, stockpiles and SDG 16.4.2.

    salus weapons trace create WEAPON --to national_records --user U
    salus weapons trace create --serial "ab 12345" [--manufacturer M] --to national_records ...
    salus weapons trace records TR-2024-00001 --user U        # the registry answers
    salus weapons trace update TR-2024-00001 --status answered --response-on 2024-05-02 ...
    salus weapons trace list [--weapon W] [--status S] [--outcome O] --user U
    salus weapons trace pending --user U                      # recoveries not yet traced
    salus weapons report-16-4-2 --period 2024 [--area CODE] [--format csv] [--public] --user U
    salus weapons stock sites|inventory SITE|expiring [--within 90]|count-report ID --user U
    salus weapons stock add-site|receive-lot|move|count ... --user U

Added to the ``weapons`` group by :func:`add_commands`, which ``salus.cli.weapons.registry`` calls.
Every
command acts as an account of the store (``--user`` or ``$SALUS_USER``); its role and area apply.
"""

from __future__ import annotations

import datetime as dt
import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from salus.cli.common import DbOption, UserOption, console, fail, fail_use_case
from salus.cli.common import store_account as _viewer
from salus.cli.weapons.options import (
    AreaOption,
    FormatOption,
    PublicOption,
    check_report_format,
)
from salus.cli.weapons.options import option_date as _date
from salus.domain.weapons.stockpiles import EXPIRY_WARNING_DAYS, LotSpec
from salus.usecases.errors import UseCaseError

if TYPE_CHECKING:
    from salus.usecases.weapons import stock_counts
    from salus.usecases.weapons import tracing as tracing_uc

trace_app = typer.Typer(help="Tracing requests: national records first, then manufacturer, "
                             "exporting/importing State or INTERPOL iARMS.",
                        no_args_is_help=True)
stock_app = typer.Typer(help="Stockpiles: sites, inventory, movements, counts, expiring lots.",
                        no_args_is_help=True)
DateOption = Annotated[str | None, typer.Option(help="a date, YYYY-MM-DD")]
TextOption = Annotated[str | None, typer.Option()]


def add_commands(weapons_app: typer.Typer) -> None:
    """Add ``trace``, ``stock`` and ``report-16-4-2`` to the ``weapons`` group."""
    weapons_app.add_typer(trace_app, name="trace")
    weapons_app.add_typer(stock_app, name="stock")
    weapons_app.command("report-16-4-2")(report_16_4_2)


def _show(v: tracing_uc.TraceView) -> None:
    holder = (v.last_legal_holder.name if v.last_legal_holder else
              "known (hidden)" if v.holder_known else "-")
    console.print(f"{v.reference}: {v.recovery} {v.recovered_on} weapon {v.serial_number or '-'}"
                  f" ({v.weapon_uid}) → {v.requested_to}, {v.status}, outcome {v.outcome}"
                  f"{' · ' + v.point_of_diversion if v.point_of_diversion else ''}"
                  f"{' (' + v.established_by + ')' if v.established_by else ''}"
                  f" · last legal holder {holder}")


# ---------------------------------------------------------------- trace


@trace_app.command("create")
def trace_create(
    to: Annotated[str, typer.Option("--to", help="national_records, manufacturer, "
                                    "exporting_state, importing_state, interpol_iarms, "
                                    "investigation")],
    weapon: Annotated[str | None, typer.Argument(help="weapon uid (or id); or give --serial")]
    = None,
    serial: Annotated[str | None, typer.Option(
        help="the weapon's serial number, as read (case, spaces, punctuation and confusable "
             "characters do not matter)")] = None,
    manufacturer: Annotated[str | None, typer.Option(
        help="with --serial: the maker, when two makers used the same serial")] = None,
    recovery_event: Annotated[int | None, typer.Option(
        help="the seizure/finding/surrender event (default: the latest)")] = None,
    recipient: TextOption = None, status: Annotated[str, typer.Option()] = "draft",
    sent_on: DateOption = None, response_on: DateOption = None, response: TextOption = None,
    outcome: Annotated[str, typer.Option()] = "pending",
    diversion: Annotated[str | None, typer.Option(help="point of diversion")] = None,
    established_by: TextOption = None, notes: TextOption = None,
    user: UserOption = None, db: DbOption = None,
) -> None:
    """Record a tracing request about a seized, found or surrendered weapon (by uid, or by
    its serial number with the registry's tolerant search)."""
    from salus.usecases.weapons import search
    from salus.usecases.weapons import tracing as tracing_uc

    if (weapon is None) == (serial is None):
        fail("give the weapon's uid or --serial (one of them)")
    engine, viewer = _viewer(db, user)
    sent, answered = _date(sent_on, "sent_on"), _date(response_on, "response_on")
    try:
        uid = weapon or search.weapon_by_serial(engine, viewer, str(serial), manufacturer).uid
        inp = tracing_uc.TraceInput(uid, to, recovery_event, recipient, status, sent, answered,
                                    response, outcome, diversion, established_by, notes)
        _show(tracing_uc.create_request(engine, viewer, inp))
    except UseCaseError as exc:
        fail_use_case(exc)


@trace_app.command("update")
def trace_update(
    reference: Annotated[str, typer.Argument(help="request reference, e.g. TR-2024-00001")],
    status: TextOption = None, sent_on: DateOption = None, response_on: DateOption = None,
    response: TextOption = None, outcome: TextOption = None,
    diversion: Annotated[str | None, typer.Option(help="point of diversion")] = None,
    established_by: TextOption = None, recipient: TextOption = None, notes: TextOption = None,
    user: UserOption = None, db: DbOption = None,
) -> None:
    """Change a request's status, dates, response or outcome (given options only)."""
    from salus.usecases.weapons import tracing as tracing_uc

    engine, viewer = _viewer(db, user)
    given: dict[str, Any] = {
        "status": status, "sent_on": _date(sent_on, "sent_on"),
        "response_on": _date(response_on, "response_on"), "response": response,
        "outcome": outcome, "point_of_diversion": diversion, "established_by": established_by,
        "recipient": recipient, "notes": notes}
    try:
        _show(tracing_uc.update_request(engine, viewer, reference,
                                        {k: v for k, v in given.items() if v is not None}))
    except UseCaseError as exc:
        fail_use_case(exc)


@trace_app.command("records")
def trace_records(reference: Annotated[str, typer.Argument(help="request reference")],
                  user: UserOption = None, db: DbOption = None) -> None:
    """Answer a national-records request from the registry (last legal holder, thefts)."""
    from salus.usecases.weapons import tracing as tracing_uc

    engine, viewer = _viewer(db, user)
    try:
        _show(tracing_uc.answer_from_national_records(engine, viewer, reference))
    except UseCaseError as exc:
        fail_use_case(exc)


@trace_app.command("list")
def trace_list(weapon: TextOption = None, status: TextOption = None, outcome: TextOption = None,
               user: UserOption = None, db: DbOption = None) -> None:
    """List tracing requests, oldest first."""
    from salus.usecases.weapons import tracing as tracing_uc

    engine, viewer = _viewer(db, user)
    try:
        views = tracing_uc.list_requests(engine, viewer, weapon=weapon, status=status,
                                         outcome=outcome)
    except UseCaseError as exc:
        fail_use_case(exc)
    for v in views:
        _show(v)
    console.print(f"{len(views)} request(s)")


@trace_app.command("pending")
def trace_pending(limit: Annotated[int, typer.Option(help="at most this many")] = 100,
                  user: UserOption = None, db: DbOption = None) -> None:
    """Seizures, findings and surrenders nobody has asked a trace about yet, newest first."""
    from salus.usecases.weapons import tracing as tracing_uc

    engine, viewer = _viewer(db, user)
    try:
        rows = tracing_uc.untraced_recoveries(engine, viewer, limit)
    except UseCaseError as exc:
        fail_use_case(exc)
    for r in rows:
        console.print(f"{r.recovered_on} {r.recovery} weapon {r.serial_number or '-'} "
                      f"({r.weapon_uid}) event {r.event_id}")
    console.print(f"{len(rows)} recovery(ies) without a tracing request")


# ---------------------------------------------------------------- SDG 16.4.2


def report_16_4_2(
    period: Annotated[str, typer.Option(help="2024, 2024-Q1, 2024-03, 2023..2024")],
    area: AreaOption = None,
    fmt: FormatOption = "table",
    public: PublicOption = False,
    user: UserOption = None, db: DbOption = None,
) -> None:
    """SDG 16.4.2: share of seized, found or surrendered arms whose illicit origin was traced."""
    from salus.usecases.weapons import sdg_16_4_2 as sdg

    check_report_format(fmt)
    engine, viewer = _viewer(db, user)
    try:
        report = sdg.report_16_4_2(engine, viewer, period, area, public=public)
    except UseCaseError as exc:
        fail_use_case(exc)
    if fmt == "csv":
        sys.stdout.write(report.csv(lineterminator="\n"))
        return
    table = Table(title=f"SDG 16.4.2 · {report.period} · {report.area_code or 'all areas'}")
    for column in ("recovery", "outcome", "arms", "traced", "proportion"):
        table.add_column(column)
    for r in report.rows():
        share = "" if r["proportion"] is None else f"{r['proportion']:.1%}"
        table.add_row(r["recovery"], r["outcome"], str(r["arms"]), str(r["traced"]), share)
    console.print(table)


# ---------------------------------------------------------------- stock


@stock_app.command("sites")
def stock_sites(user: UserOption = None, db: DbOption = None) -> None:
    """Storage sites with what they hold."""
    from salus.usecases.weapons import stockpiles

    engine, viewer = _viewer(db, user)
    try:
        rows = stockpiles.list_sites(engine, viewer)
    except UseCaseError as exc:
        fail_use_case(exc)
    table = Table()
    for column in ("code", "name", "kind", "area", "security", "custodian", "capacity",
                   "weapons", "rounds"):
        table.add_column(column)
    for r in rows:
        table.add_row(r["code"], r["name"], r["kind"], r["area_code"], r["security_level"],
                      r["custodian"] or "", str(r["capacity"] or ""), str(r["weapons"]),
                      str(r["rounds"]))
    console.print(table)


@stock_app.command("add-site")
def stock_add_site(
    code: Annotated[str, typer.Argument()], name: Annotated[str, typer.Option()],
    kind: Annotated[str, typer.Option(help="stockpile, evidence_room, armoury, "
                                      "collection_point, destruction_facility")],
    area: Annotated[str, typer.Option(help="area code")],
    security: Annotated[str, typer.Option(help="low, medium or high")],
    custodian: TextOption = None, capacity: Annotated[int | None, typer.Option()] = None,
    user: UserOption = None, db: DbOption = None,
) -> None:
    """Add a storage site or evidence room."""
    from salus.usecases.weapons import stockpiles

    engine, viewer = _viewer(db, user)
    try:
        stockpiles.add_site(engine, viewer, stockpiles.SiteSpec(
            code, name, kind, area, security, custodian, capacity))
    except UseCaseError as exc:
        fail_use_case(exc)
    console.print(f"site {code} added")


@stock_app.command("inventory")
def stock_inventory(site: Annotated[str, typer.Argument(help="site code")],
                    user: UserOption = None, db: DbOption = None) -> None:
    """The book inventory of a site: weapons and ammunition lots."""
    from salus.usecases.weapons import stockpiles

    engine, viewer = _viewer(db, user)
    try:
        inv = stockpiles.inventory(engine, viewer, site)
    except UseCaseError as exc:
        fail_use_case(exc)
    console.print(f"{inv.site_code} · {inv.site_name}: {len(inv.weapons)} weapon(s)"
                  f"{f' of {inv.capacity}' if inv.capacity else ''}")
    for w in inv.weapons:
        console.print(f"  weapon {w.serial_number or '-'} ({w.uid}) {w.category} "
                      f"{w.manufacturer or ''} {w.model or ''} since {w.since}")
    for lot in inv.lots:
        console.print(f"  lot {lot.lot_number} {lot.calibre} ({lot.manufacturer}, "
                      f"{lot.year_of_manufacture}) HD {lot.hazard_division}: {lot.quantity} · "
                      f"expires {lot.expires_on} ({lot.expiry_status})")


@stock_app.command("expiring")
def stock_expiring(
    within: Annotated[int, typer.Option(help="days ahead")] = EXPIRY_WARNING_DAYS,
    today: DateOption = None, user: UserOption = None, db: DbOption = None,
) -> None:
    """Ammunition lots past their shelf life or within N days of it (exit 1 if any)."""
    from salus.usecases.weapons import stockpiles

    engine, viewer = _viewer(db, user)
    try:
        lots = stockpiles.expiring_lots(engine, viewer, _date(today, "today"), within)
    except UseCaseError as exc:
        fail_use_case(exc)
    for lot in lots:
        console.print(f"{lot.expiry_status.upper()}: lot {lot.lot_number} {lot.calibre} at "
                      f"{lot.site_code}: {lot.quantity} · expires {lot.expires_on}")
    console.print(f"{len(lots)} lot(s) past or within {within} days of their shelf life")
    if lots:
        raise typer.Exit(1)


@stock_app.command("receive-lot")
def stock_receive_lot(
    site: Annotated[str, typer.Argument()], lot_number: Annotated[str, typer.Option()],
    calibre: Annotated[str, typer.Option()], manufacturer: Annotated[str, typer.Option()],
    year: Annotated[int, typer.Option(help="year of manufacture")],
    shelf_life: Annotated[int, typer.Option(help="shelf life in years")],
    hazard_division: Annotated[str, typer.Option(help="UN division 1.1-1.6 (IATG 01.50)")],
    quantity: Annotated[int, typer.Option()], received_by: Annotated[str, typer.Option()],
    received_on: Annotated[str, typer.Option(help="YYYY-MM-DD")],
    user: UserOption = None, db: DbOption = None,
) -> None:
    """An ammunition lot arrives at a site."""
    from salus.usecases.weapons import stockpiles

    engine, viewer = _viewer(db, user)
    spec = LotSpec(lot_number, calibre, manufacturer, year, shelf_life, hazard_division,
                   quantity)
    try:
        lot_id = stockpiles.receive_lot(engine, viewer, site, spec, received_by=received_by,
                                        received_on=_date(received_on, "received_on")
                                        or dt.date.today())
    except UseCaseError as exc:
        fail_use_case(exc)
    console.print(f"lot {lot_number} (id {lot_id}): {quantity} received at {site}")


def _lot_pairs(values: list[str], option: str) -> tuple[tuple[int, int], ...]:
    pairs = []
    for v in values:
        lot, _, qty = v.partition("=")
        if not (lot.isdigit() and qty.lstrip("-").isdigit()):
            fail(f"--{option} {v!r}: write LOT_ID=QUANTITY")
        pairs.append((int(lot), int(qty)))
    return tuple(pairs)


@stock_app.command("move")
def stock_move(
    released_by: Annotated[str, typer.Option()], received_by: Annotated[str, typer.Option()],
    released_on: Annotated[str, typer.Option(help="YYYY-MM-DD")],
    from_site: Annotated[str | None, typer.Option("--from", help="none: into custody")] = None,
    to_site: Annotated[str | None, typer.Option("--to", help="none: out of custody")] = None,
    weapon: Annotated[list[str] | None, typer.Option(help="weapon uid, repeatable")] = None,
    lot: Annotated[list[str] | None, typer.Option(help="LOT_ID=QUANTITY, repeatable")] = None,
    reason: Annotated[str, typer.Option(help="intake, receipt, transfer, destruction, "
                                        "return_to_owner, court, expended, other")]
    = "transfer",
    received_on: DateOption = None, document: TextOption = None,
    user: UserOption = None, db: DbOption = None,
) -> None:
    """Move weapons and ammunition between sites with their chain of custody."""
    from salus.usecases.weapons import stockpiles

    engine, viewer = _viewer(db, user)
    spec = stockpiles.MovementSpec(
        from_site, to_site, released_by, received_by,
        _date(released_on, "released_on") or dt.date.today(), _date(received_on, "received_on"),
        tuple(weapon or ()), _lot_pairs(lot or [], "lot"), reason, document)
    try:
        movement = stockpiles.move(engine, viewer, spec)
    except UseCaseError as exc:
        fail_use_case(exc)
    console.print(f"movement {movement}: {len(spec.weapons)} weapon(s), {len(spec.lots)} lot(s)")


@stock_app.command("count")
def stock_count(
    site: Annotated[str, typer.Argument()], counted_by: Annotated[str, typer.Option()],
    signature: Annotated[str, typer.Option(help="the counter's signature (name)")],
    counted_on: Annotated[str, typer.Option(help="YYYY-MM-DD")],
    weapon: Annotated[list[str] | None, typer.Option(help="weapon uid found, repeatable")]
    = None,
    unregistered: Annotated[list[str] | None, typer.Option(
        help="description of a weapon found that is not in the registry")] = None,
    lot: Annotated[list[str] | None, typer.Option(help="LOT_ID=QUANTITY counted")] = None,
    user: UserOption = None, db: DbOption = None,
) -> None:
    """Record a signed physical count and print its discrepancy report (exit 1 if any)."""
    from salus.usecases.weapons import stock_counts

    engine, viewer = _viewer(db, user)
    spec = stock_counts.CountSpec(site, _date(counted_on, "counted_on") or dt.date.today(),
                                  counted_by, signature, tuple(weapon or ()),
                                  tuple(unregistered or ()), _lot_pairs(lot or [], "lot"))
    try:
        _print_count(stock_counts.record_count(engine, viewer, spec))
    except UseCaseError as exc:
        fail_use_case(exc)


@stock_app.command("count-report")
def stock_count_report(count_id: Annotated[int, typer.Argument()],
                       user: UserOption = None, db: DbOption = None) -> None:
    """Print the discrepancy report of a recorded count (exit 1 if any discrepancy)."""
    from salus.usecases.weapons import stock_counts

    engine, viewer = _viewer(db, user)
    try:
        _print_count(stock_counts.count_report(engine, viewer, count_id))
    except UseCaseError as exc:
        fail_use_case(exc)


def _print_count(report: stock_counts.CountReport) -> None:
    console.print(f"count {report.count_id} of {report.site_code} on {report.counted_on} by "
                  f"{report.counted_by}, signed {report.signature}")
    for line in report.missing:
        console.print(f"  MISSING {line.label}")
    for line in report.unexpected:
        console.print(f"  UNEXPECTED {line.label}")
    for line in report.lot_differences:
        console.print(f"  LOT {line.label}: book {line.book_quantity}, counted "
                      f"{line.counted_quantity} ({line.difference:+d})")
    if report.clean:
        console.print("  no discrepancy")
    else:
        raise typer.Exit(1)
