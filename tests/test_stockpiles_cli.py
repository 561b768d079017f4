"""``salus weapons stock|trace|report-16-4-2`` on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
import typer
from arms_stock_support import (
    reset,
    stock_engine_fixture,  # noqa: F401 - fixture
)
from tracing_support import event, owner, register, weapon
from typer.testing import CliRunner

from salus.cli.weapons.stock import add_commands
from salus.domain.accounts.roles import SYSTEM_VIEWER
from salus.storage import schema as t
from salus.usecases.accounts import users as accounts

RUNNER = CliRunner()


def cli() -> typer.Typer:
    app, weapons_app = typer.Typer(), typer.Typer()
    add_commands(weapons_app)
    app.add_typer(weapons_app, name="weapons")
    return app


@pytest.fixture(scope="module")
def world(stock_engine: sa.Engine) -> dict[str, str]:
    engine = reset(stock_engine)
    with engine.begin() as conn:
        known = set(conn.scalars(sa.select(t.app_user.c.username)))
    for name, role in (("rita", "registry_officer"), ("clerk", "data_entry")):
        if name not in known:
            accounts.create_user(engine, SYSTEM_VIEWER, name, "a long enough secret 1", role)
    url = engine.url.render_as_string(hide_password=False)
    stolen = weapon(engine, "CLI-1")
    holder = owner(engine, "Ana", "ID-1")
    register(engine, stolen, holder, "ID-1", "2020-01-01")
    event(engine, stolen, "reported_stolen", "2023-05-01")
    event(engine, stolen, "seized", "2024-02-10")
    other = weapon(engine, "CLI-2")
    event(engine, other, "seized", "2024-03-10")
    return {"db": url, "stolen": stolen, "other": other}


def run(world: dict[str, str], *args: str, user: str = "rita") -> tuple[int, str]:
    result = RUNNER.invoke(cli(), ["weapons", *args, "--user", user, "--db", world["db"]])
    return result.exit_code, result.output


def test_a_site_receives_weapons_and_ammunition_and_reports_expiring_lots(
        world: dict[str, str]) -> None:
    assert run(world, "stock", "add-site", "DEP-1", "--name", "Central depot", "--kind",
               "stockpile", "--area", "R1-A", "--security", "high")[0] == 0
    code, out = run(world, "stock", "receive-lot", "DEP-1", "--lot-number", "L-7", "--calibre",
                    "7.62x39mm", "--manufacturer", "Factory 10", "--year", "2000",
                    "--shelf-life", "20", "--hazard-division", "1.4", "--quantity", "900",
                    "--received-by", "Sgt. C", "--received-on", "2025-01-02")
    assert code == 0 and "900 received at DEP-1" in out
    assert run(world, "stock", "move", "--to", "DEP-1", "--reason", "intake", "--weapon",
               world["stolen"], "--weapon", world["other"], "--released-by", "Cpl. S",
               "--received-by", "Sgt. C", "--released-on", "2025-01-05")[0] == 0
    code, out = run(world, "stock", "inventory", "DEP-1")
    assert code == 0 and "2 weapon(s)" in out and "CLI-1" in out and "(expired)" in out
    code, out = run(world, "stock", "expiring", "--today", "2025-06-01")
    assert code == 1 and "EXPIRED: lot L-7" in out


def test_a_count_prints_its_discrepancies(world: dict[str, str]) -> None:
    code, out = run(world, "stock", "count", "DEP-1", "--counted-by", "Sgt. C", "--signature",
                    "C.", "--counted-on", "2025-05-01", "--weapon", world["stolen"],
                    "--lot", "0=1")
    assert code == 2 and "no ammunition lot 0" in out
    code, out = run(world, "stock", "count", "DEP-1", "--counted-by", "Sgt. C", "--signature",
                    "C.", "--counted-on", "2025-05-01", "--weapon", world["stolen"],
                    "--unregistered", "rifle, no marking")
    assert code == 1 and "MISSING weapon CLI-2" in out and "UNEXPECTED unregistered" in out
    assert "book 900, counted 0 (-900)" in out


def test_moving_a_weapon_from_a_site_it_is_not_in_fails_with_the_reason(
        world: dict[str, str]) -> None:
    code, out = run(world, "stock", "move", "--from", "NOPE", "--to", "DEP-1", "--weapon",
                    world["stolen"], "--released-by", "a", "--received-by", "b",
                    "--released-on", "2025-02-01")
    assert code == 2 and "no storage site 'NOPE'" in out
    code, out = run(world, "stock", "move", "--to", "DEP-1", "--reason", "intake", "--weapon",
                    world["stolen"], "--released-by", "a", "--received-by", "b",
                    "--released-on", "2025-02-01")
    assert code == 2 and "already held" in out


def test_a_trace_is_answered_from_the_records_and_counted_in_16_4_2(
        world: dict[str, str]) -> None:
    code, out = run(world, "trace", "pending")
    assert code == 0 and "2 recovery(ies)" in out and "CLI-2" in out
    code, out = run(world, "trace", "create", world["stolen"], "--to", "national_records")
    assert code == 0 and ", draft," in out
    reference = out.split(":")[0].strip()
    code, out = run(world, "trace", "records", reference)
    assert code == 0 and "traced_illicit · theft_from_civilian_owner" in out
    assert "Ana Holder" in out
    code, out = run(world, "report-16-4-2", "--period", "2024", "--format", "csv")
    assert code == 0
    assert out.splitlines()[:2] == ["indicator,period,area,recovery,outcome,arms,traced,"
                                    "proportion", "16.4.2,2024,,all,all,2,1,0.5"]
    code, out = run(world, "report-16-4-2", "--period", "2024", "--public")
    assert code == 0 and "<5" in out


def test_a_trace_for_a_weapon_never_recovered_and_a_clerk_are_refused(
        world: dict[str, str]) -> None:
    code, out = run(world, "trace", "list", user="clerk")
    assert code == 2 and "weapons permission" in out
    code, out = run(world, "trace", "update", "TR-2024-99999", "--status", "sent")
    assert code == 2 and "no tracing request" in out
    code, out = run(world, "trace", "create", world["stolen"], "--to", "national_records",
                    "--sent-on", "yesterday")
    assert code == 2 and "not a date" in out


def test_a_trace_is_created_from_a_serial_read_with_other_case_and_punctuation(
        world: dict[str, str], stock_engine: sa.Engine) -> None:
    code, out = run(world, "trace", "create", "--serial", "cli 2", "--to", "national_records")
    assert code == 0, out
    shown = " ".join(out.split())          # the console wraps long lines
    assert f"weapon CLI-2 ({world['other']})" in shown and ", draft," in shown
    code, out = run(world, "trace", "create", "--serial", "NOPE-404", "--to", "national_records")
    assert code == 2 and "no weapon with serial 'NOPE-404'" in " ".join(out.split())
    code, out = run(world, "trace", "create", world["other"], "--serial", "CLI-2", "--to",
                    "national_records")
    assert code == 2 and "one of them" in out
    from arms_stock_support import OFFICER

    from salus.domain.weapons.registry import WeaponRecord
    from salus.usecases.weapons import records

    twin = records.record_weapon(stock_engine, OFFICER, WeaponRecord(   # reads as CLI-2 too
        category="revolver_pistol", manufacturer="Beretta", serial_number="CL1 2",
        area_code="R1-A"))
    code, out = run(world, "trace", "create", "--serial", "cli2", "--to", "national_records")
    shown = " ".join(out.split())
    assert code == 2 and "2 weapons have serial 'cli2'" in shown and twin in shown
