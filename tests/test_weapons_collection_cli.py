"""``salus weapons campaign|destruction|collection-report`` (issue 13): a campaign and a
destruction event from the command line, and a 5,000-row destruction list whose bad rows are
refused with their row numbers, the store unchanged, then imported once fixed. SQLite and
PostgreSQL."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner
from weapons_support import (
    add_cli_accounts,
    seed_registry,
    table_counts,
    weapons_engine,  # noqa: F401 - fixtures
    weapons_store,  # noqa: F401
)
from weapons_support import (
    run_cli as salus,
)

from salus.cli.app import app
from salus.domain.weapons.serials import manufacturer_key, serial_key
from salus.storage import repository
from salus.storage.weapons import schema as w

runner = CliRunner()
N = 5000
SEIZED_ON = dt.date(2024, 1, 15)


@pytest.fixture
def engine(weapons_engine: sa.Engine) -> sa.Engine:  # noqa: F811
    seed_registry(weapons_engine)
    add_cli_accounts(weapons_engine)
    return weapons_engine


@pytest.fixture
def db(engine: sa.Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def _seized_weapons(engine: sa.Engine, n: int) -> list[str]:
    """``n`` rifles seized by the border police on one day (written in bulk, as the demo's
    registry writer does: the list import, not the seeding, is under test)."""
    now = repository.now()
    serials = [f"KX-{i:05d}" for i in range(n)]
    with engine.begin() as conn:
        area = repository.area_ids(conn)["R1-A"]
        conn.execute(w.weapon.insert(), [
            {"uid": str(uuid.uuid4()), "category": "assault_rifle", "manufacturer": "Norinco",
             "manufacturer_key": manufacturer_key("Norinco"), "model": "Type 56",
             "calibre": "7.62x39mm", "serial_number": s, "serial_key": serial_key(s),
             "serial_obliterated": False, "status": "seized", "area_id": area,
             "created_by": "test", "created_at": now, "updated_at": now} for s in serials])
        ids = dict(conn.execute(sa.select(w.weapon.c.serial_number, w.weapon.c.id).where(
            w.weapon.c.serial_number.in_(serials))).all())
        conn.execute(w.weapon_event.insert(), [
            {"weapon_id": ids[s], "event_type": "seized", "occurred_on": SEIZED_ON,
             "details": {}, "agency": "Border Police", "recorded_by": "test",
             "recorded_at": now} for s in serials])
    return serials


def test_a_campaign_and_a_destruction_from_the_command_line(db: str) -> None:
    common = ("--user", "registry", "--db", db)
    salus("weapons", "campaign", "create", "Amnesty 2024", "--kind", "amnesty", "--from",
          "2024-03-01", "--to", "2024-05-31", "--area", "R1", "--agency", "National Police",
          *common)
    out = salus("weapons", "campaign", "surrender", "Amnesty 2024", "99-881", "--on",
                "2024-04-02", *common)
    assert "surrendered" in out
    assert "Amnesty 2024" in salus("weapons", "campaign", "list", *common)
    salus("weapons", "destruction", "create", "DC-CLI-1", "--method", "smelting", "--on",
          "2024-06-05", "--place", "Steel works", "--verifying-body", "UNDP",
          "--witness", "J. Doe", "--agency", "National Police", "--area", "R1", *common)
    salus("weapons", "destruction", "add", "DC-CLI-1", "99881", *common)
    salus("weapons", "destruction", "parts", "DC-CLI-1", "--kind", "barrel", "--quantity",
          "40", *common)
    salus("weapons", "destruction", "ammunition", "DC-CLI-1", "--calibre", "9x19mm",
          "--quantity", "1200", *common)
    shown = salus("weapons", "destruction", "show", "DC-CLI-1", *common)
    assert "1 weapon(s), 40 part(s), 1200 round(s)" in shown and "UNDP" in shown
    csv = salus("weapons", "collection-report", "--period", "2024", "--by", "agency",
                "--format", "csv", *common)
    assert "2024,,,National Police,1,1,0,0,1" in csv
    bad = salus("weapons", "destruction", "create", "DC-CLI-2", "--method", "melting",
                "--on", "2024-06-05", "--place", "X", *common, code=2)
    assert "method" in bad


@pytest.mark.slow
def test_a_5000_row_destruction_list_with_bad_rows_is_refused_then_imported_once_fixed(
        engine: sa.Engine, db: str, tmp_path: Path) -> None:
    serials = _seized_weapons(engine, N)
    common = ("--user", "registry", "--db", db)
    salus("weapons", "destruction", "create", "DC-2024-BIG", "--method", "cutting", "--on",
          "2024-06-05", "--place", "Central depot", "--agency", "Border Police", *common)
    rows = [f"{s.lower().replace('-', ' ')},,,,crate {i // 100}" for i, s in enumerate(serials)]
    bad = list(rows)
    bad[1233] = "KX-99999,,,,crate 12"            # row 1235: no such weapon
    bad[3000] = f"{serials[10]},,,,crate 30"      # row 3002: the same weapon as row 12
    bad[4999] = ",ammunition,7.62x39mm,many,crate 49"  # row 5001: not a quantity
    header = "Serial number,Item,Calibre,Quantity,Crate\n"
    path = tmp_path / "list.csv"
    path.write_text(header + "\n".join(bad) + "\n", encoding="utf-8")
    before = table_counts(engine)
    result = runner.invoke(app, ["weapons", "destruction", "import", str(path),
                                 "--certificate", "DC-2024-BIG", "--errors",
                                 str(tmp_path / "errors.csv"), *common],
                           env={"COLUMNS": "200"})
    assert result.exit_code == 1, result.output
    assert "row 1235 · Serial number · 'KX-99999': weapon.unknown" in result.output
    assert "row 3002 · Serial number" in result.output and "row 12" in result.output
    assert "row 5001 · Quantity · 'many': number.invalid" in result.output
    assert "nothing was written" in result.output
    assert (tmp_path / "errors.csv").read_text(encoding="utf-8-sig").count("\n") == 4
    assert table_counts(engine) == before
    rows[4999] = ",ammunition,7.62x39mm,25000,crate 49"
    path.write_text(header + "\n".join(rows) + "\n", encoding="utf-8")
    out = salus("weapons", "destruction", "import", str(path), "--certificate",
                "DC-2024-BIG", *common)
    assert "destroyed 4999 weapon(s), 0 part(s), 25000 round(s)" in out
    assert "Crate" in out
    with engine.connect() as conn:
        statuses = dict(conn.execute(sa.select(w.weapon.c.status, sa.func.count()).where(
            w.weapon.c.serial_number.like("KX-%")).group_by(w.weapon.c.status)).all())
    assert statuses == {"destroyed": N - 1, "seized": 1}
    report = salus("weapons", "collection-report", "--period", "2024", "--by", "",
                   "--format", "csv", *common)
    assert f"2024,,,,{N},0,{N},0,{N - 1}" in report
