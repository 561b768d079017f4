"""``salus weapons campaign|destruction|collection-report``: collection campaigns, destruction
events and the figures programmes report (issue 13; ISACS/MOSAIC 05.40, 05.50, 05.20).

    salus weapons campaign create NAME --kind amnesty --from 2024-03-01 --to 2024-05-31 \\
        [--area R1] [--agency "National Police"] [--location "Police HQ"] --user U
    salus weapons campaign list --user U
    salus weapons campaign surrender NAME WEAPON --on 2024-04-02 [--place P] --user U
    salus weapons destruction create CERT --method smelting --on 2024-06-05 --place P \\
        [--verifying-body B] [--witness W ...] [--agency A] [--area R1] --user U
    salus weapons destruction add CERT WEAPON... --user U      # uids or serials as read
    salus weapons destruction parts CERT --kind barrel --quantity 40 --user U
    salus weapons destruction ammunition CERT --calibre 7.62x39mm --quantity 12000 --user U
    salus weapons destruction import FILE --certificate CERT [--dry-run] [--errors E.csv] --user U
    salus weapons destruction list|show CERT --user U
    salus weapons collection-report --period 2024 [--grain month] [--by area,category,agency] \\
        [--area CODE] [--format table|csv] [--public] --user U

Every command acts as an account of the store (``--user`` or ``$SALUS_USER``): its role and area
apply and the audit log names it. A refusal exits 2 with the use case's messages; an import with
row errors exits 1, lists them (row · column · value: code: message) and writes nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from salus.cli.common import DbOption, UserOption, console, err_console, fail, fail_use_case
from salus.cli.common import store_account as _viewer
from salus.cli.weapons.options import (
    AreaOption,
    FormatOption,
    PublicOption,
    check_report_format,
)
from salus.cli.weapons.options import option_date as _date
from salus.usecases.errors import UseCaseError

if TYPE_CHECKING:
    from salus.domain.weapons.collection import DestructionItem

campaign_app = typer.Typer(help="Collection campaigns (voluntary surrender, amnesty...).",
                           no_args_is_help=True)
destruction_app = typer.Typer(help="Destruction events: weapons, parts and ammunition.",
                              no_args_is_help=True)


def add_commands(weapons_app: typer.Typer) -> None:
    """Add ``campaign``, ``destruction`` and ``collection-report`` to the ``weapons`` group."""
    weapons_app.add_typer(campaign_app, name="campaign")
    weapons_app.add_typer(destruction_app, name="destruction")
    weapons_app.command("collection-report")(collection_report)


# ---------------------------------------------------------------- campaigns


@campaign_app.command("create")
def campaign_create(
    name: Annotated[str, typer.Argument(help="the campaign's name (unique)")],
    starts: Annotated[str, typer.Option("--from", help="first day, YYYY-MM-DD")],
    ends: Annotated[str, typer.Option("--to", help="last day, YYYY-MM-DD")],
    kind: Annotated[str, typer.Option(help="voluntary_surrender, amnesty, "
                                      "weapons_for_development, buy_back, other")]
    = "voluntary_surrender",
    area: Annotated[str | None, typer.Option(help="area code")] = None,
    agency: Annotated[str | None, typer.Option(help="the collecting agency")] = None,
    location: Annotated[list[str] | None, typer.Option(help="a collection point (repeat)")]
    = None,
    description: Annotated[str | None, typer.Option()] = None,
    user: UserOption = None, db: DbOption = None,
) -> None:
    """Create a collection campaign (ISACS/MOSAIC 05.40)."""
    from salus.usecases.weapons import campaigns as uc

    engine, viewer = _viewer(db, user)
    try:
        uc.add_campaign(engine, viewer, uc.CampaignInput(
            name, _date(starts, "from"), _date(ends, "to"), area, tuple(location or ()),
            description, kind, agency))
    except UseCaseError as exc:
        fail_use_case(exc)
    console.print(f"campaign {name!r} created")


@campaign_app.command("list")
def campaign_list(user: UserOption = None, db: DbOption = None) -> None:
    """Campaigns in your scope, newest first, with the weapons surrendered in each."""
    from salus.usecases.weapons import campaigns as uc

    engine, viewer = _viewer(db, user)
    try:
        found = uc.list_campaigns(engine, viewer)
    except UseCaseError as exc:
        fail_use_case(exc)
    table = Table("campaign", "kind", "from", "to", "area", "agency", "surrendered")
    for c in found:
        table.add_row(c.name, c.kind, str(c.starts_on), str(c.ends_on), c.area_code or "",
                      c.collecting_agency or "", str(c.surrendered))
    console.print(table)


@campaign_app.command("surrender")
def campaign_surrender(
    name: Annotated[str, typer.Argument(help="the campaign")],
    weapon: Annotated[str, typer.Argument(help="weapon uid, or its serial number as read")],
    on: Annotated[str, typer.Option(help="the day it was handed in, YYYY-MM-DD")],
    place: Annotated[str | None, typer.Option()] = None,
    manufacturer: Annotated[str | None, typer.Option(
        help="when two makers used the same serial")] = None,
    user: UserOption = None, db: DbOption = None,
) -> None:
    """Record a weapon handed in during a campaign (a ``surrendered`` event)."""
    from salus.usecases.weapons import campaigns as uc

    engine, viewer = _viewer(db, user)
    try:
        done = uc.record_surrender(engine, viewer, name, weapon, _date(on, "on"), place=place,
                                   manufacturer=manufacturer)
    except UseCaseError as exc:
        fail_use_case(exc)
    console.print(f"{weapon}: {done.status} (event {done.event_id})")


# ---------------------------------------------------------------- destruction


@destruction_app.command("create")
def destruction_create(
    certificate: Annotated[str, typer.Argument(help="the destruction certificate number")],
    method: Annotated[str, typer.Option(help="cutting, crushing, shredding, smelting, burning, "
                                        "detonation (open detonation, ammunition), other")],
    on: Annotated[str, typer.Option(help="the day of destruction, YYYY-MM-DD")],
    place: Annotated[str, typer.Option(help="where it took place")],
    verifying_body: Annotated[str | None, typer.Option(
        help="the body that verified and certified it")] = None,
    witness: Annotated[list[str] | None, typer.Option(help="a witness (repeat)")] = None,
    agency: Annotated[str | None, typer.Option(help="the collecting agency")] = None,
    area: Annotated[str | None, typer.Option(help="area code")] = None,
    notes: Annotated[str | None, typer.Option()] = None,
    user: UserOption = None, db: DbOption = None,
) -> None:
    """Create a destruction event (a batch, ISACS/MOSAIC 05.50)."""
    from salus.usecases.weapons import campaigns as uc

    engine, viewer = _viewer(db, user)
    try:
        uc.add_destruction_batch(engine, viewer, uc.BatchInput(
            certificate, method, _date(on, "on"), place, tuple(witness or ()), area, notes,
            verifying_body, agency))
    except UseCaseError as exc:
        fail_use_case(exc)
    console.print(f"destruction {certificate} created")


@destruction_app.command("add")
def destruction_add(
    certificate: Annotated[str, typer.Argument(help="the destruction certificate number")],
    weapons: Annotated[list[str], typer.Argument(help="uids or serial numbers as read")],
    user: UserOption = None, db: DbOption = None,
) -> None:
    """Destroy weapons in the batch (each through the lifecycle rules; all or none)."""
    from salus.usecases.weapons import campaigns as uc

    engine, viewer = _viewer(db, user)
    try:
        done = uc.destroy_listed(engine, viewer, certificate, weapons)
    except UseCaseError as exc:
        fail_use_case(exc)
    console.print(f"{len(done)} weapon(s) destroyed in {certificate}")


def _items(certificate: str, item: DestructionItem, db: str | None, user: str | None) -> None:
    from salus.usecases.weapons import campaigns as uc

    engine, viewer = _viewer(db, user)
    try:
        uc.add_items(engine, viewer, certificate, [item])
    except UseCaseError as exc:
        fail_use_case(exc)


@destruction_app.command("parts")
def destruction_parts(
    certificate: Annotated[str, typer.Argument()],
    kind: Annotated[str, typer.Option(help="frame, receiver, slide, barrel, bolt, cylinder, "
                                      "magazine, other")],
    quantity: Annotated[int, typer.Option()],
    description: Annotated[str | None, typer.Option()] = None,
    user: UserOption = None, db: DbOption = None,
) -> None:
    """Add parts of one kind destroyed in the batch."""
    from salus.domain.weapons.collection import DestructionItem, ItemKind

    _items(certificate, DestructionItem(ItemKind.PART, quantity, part_kind=kind,
                                        description=description), db, user)
    console.print(f"{quantity} {kind} part(s) added to {certificate}")


@destruction_app.command("ammunition")
def destruction_ammunition(
    certificate: Annotated[str, typer.Argument()],
    calibre: Annotated[str, typer.Option()],
    quantity: Annotated[int, typer.Option(help="rounds")],
    description: Annotated[str | None, typer.Option()] = None,
    user: UserOption = None, db: DbOption = None,
) -> None:
    """Add ammunition of one calibre destroyed in the batch."""
    from salus.domain.weapons.collection import DestructionItem, ItemKind

    _items(certificate, DestructionItem(ItemKind.AMMUNITION, quantity, calibre=calibre,
                                        description=description), db, user)
    console.print(f"{quantity} round(s) of {calibre} added to {certificate}")


@destruction_app.command("import")
def destruction_import(
    file: Annotated[Path, typer.Argument(help="CSV, XLSX or XLS: one weapon, part or "
                                         "ammunition line per row")],
    certificate: Annotated[str, typer.Option(help="the batch it belongs to")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="check every row, write nothing")]
    = False,
    errors: Annotated[Path | None, typer.Option(help="write row errors to this CSV")] = None,
    sheet: Annotated[str | None, typer.Option(help="XLSX sheet name")] = None,
    user: UserOption = None, db: DbOption = None,
) -> None:
    """Import a destruction list into a batch: all rows or none."""
    from salus.ingestion.errors import FileImportError, write_errors_csv
    from salus.usecases.weapons.destruction_import import import_destruction_list

    engine, viewer = _viewer(db, user)
    try:
        report = import_destruction_list(engine, viewer, file, certificate, dry_run=dry_run,
                                         sheet=sheet)
    except FileImportError as exc:
        fail(f"{exc.error.code}: {exc.error.message}")
    except UseCaseError as exc:
        fail_use_case(exc)
    if report.unmapped_columns:
        console.print("columns kept as they are (no field reads them): "
                      f"{', '.join(report.unmapped_columns)}")
    for e in report.errors[:50]:
        err_console.print(f"row {e.row if e.row is not None else '-'} · {e.column} · "
                          f"{e.value!r}: {e.code}: {e.message}", markup=False)
    if len(report.errors) > 50:
        err_console.print(f"... and {len(report.errors) - 50} more")
    if errors is not None and report.errors:
        write_errors_csv(errors, report.errors)
    if report.errors:
        err_console.print(f"{len(report.errors)} error(s) in {report.rows_read} row(s): "
                          "nothing was written")
        raise typer.Exit(1)
    verb = "would destroy" if dry_run else "destroyed"
    console.print(f"{report.rows_read} row(s): {verb} {report.weapons} weapon(s), "
                  f"{report.parts} part(s), {report.rounds} round(s) in {certificate}")


@destruction_app.command("list")
def destruction_list(user: UserOption = None, db: DbOption = None) -> None:
    """Destruction events in your scope, newest first."""
    from salus.usecases.weapons import campaigns as uc

    engine, viewer = _viewer(db, user)
    try:
        found = uc.list_batches(engine, viewer)
    except UseCaseError as exc:
        fail_use_case(exc)
    table = Table("certificate", "date", "method", "place", "area", "agency", "weapons",
                  "parts", "rounds")
    for b in found:
        table.add_row(b.certificate_number, str(b.destroyed_on), b.method, b.place,
                      b.area_code or "", b.collecting_agency or "", str(b.weapons),
                      str(b.parts), str(b.rounds))
    console.print(table)


@destruction_app.command("show")
def destruction_show(certificate: Annotated[str, typer.Argument()],
                     user: UserOption = None, db: DbOption = None) -> None:
    """One destruction event: its record, weapons, parts and ammunition."""
    from salus.usecases.weapons import campaigns as uc

    engine, viewer = _viewer(db, user)
    try:
        b = uc.get_batch(engine, viewer, certificate)
    except UseCaseError as exc:
        fail_use_case(exc)
    console.print(f"{b.certificate_number}: {b.method} on {b.destroyed_on} at {b.place}"
                  f" · verified by {b.verifying_body or '-'} · witnesses "
                  f"{', '.join(b.witnesses) or '-'} · agency {b.collecting_agency or '-'}",
                  markup=False)
    console.print(f"{len(b.weapons)} weapon(s), {b.parts} part(s), {b.rounds} round(s)")
    for i in b.items:
        console.print(f"  {i.kind} {i.part_kind or i.calibre}: {i.quantity}", markup=False)


# ---------------------------------------------------------------- report


def collection_report(
    period: Annotated[str, typer.Option(help="2024, 2024-Q1, 2024-03, 2020..2024")],
    grain: Annotated[str, typer.Option(help="year, quarter or month")] = "year",
    by: Annotated[str, typer.Option(help="any of area,category,agency (comma-separated; "
                                    "'' for totals per period)")] = "area,category,agency",
    area: AreaOption = None,
    level: Annotated[int | None, typer.Option(help="area level the rows roll up to")] = None,
    fmt: FormatOption = "table",
    public: PublicOption = False,
    user: UserOption = None, db: DbOption = None,
) -> None:
    """Weapons collected, surrendered, seized, found and destroyed; parts and ammunition."""
    from salus.usecases.weapons import collection_report as cr

    check_report_format(fmt)
    engine, viewer = _viewer(db, user)
    dims = tuple(x.strip() for x in by.split(",") if x.strip())
    try:
        report = cr.collection_report(engine, viewer, period, area, grain=grain, by=dims,
                                      area_level=level, public=public)
    except UseCaseError as exc:
        fail_use_case(exc)
    if fmt == "csv":
        typer.echo(report.csv(lineterminator="\n"), nl=False)
        return
    table = Table(*cr.COLUMNS)
    for row in report.rows():
        table.add_row(*(str(row[c]) for c in cr.COLUMNS))
    totals = report.totals()
    if totals is not None:
        table.add_row("total", "", "", "", *(str(totals[c]) for c in cr.COLUMNS[4:]))
    console.print(table)
    if report.items:
        items = Table(*cr.ITEM_COLUMNS)
        for row in report.item_rows():
            items.add_row(*(str(row[c]) for c in cr.ITEM_COLUMNS))
        console.print(items)
