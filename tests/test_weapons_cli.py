"""``salus weapons``: import, history, the audited check, expiring licences, export and the
legal-status breakdown from the command line, acting as a named account of the store."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
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

from salus.storage import schema as t

CSV = ("Category,Manufacturer,Model,Serial number,Year of manufacture,Area code,Event,"
       "Event date\nPistol,Makarov,PM,AB 1234,1985,R1-A,imported,01/06/1995\n")


@pytest.fixture
def engine(weapons_engine: sa.Engine) -> sa.Engine:  # noqa: F811
    seed_registry(weapons_engine)
    add_cli_accounts(weapons_engine)
    return weapons_engine


@pytest.fixture
def db(engine: sa.Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def test_import_then_history_by_serial(db: str, tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text(CSV, encoding="utf-8")
    out = salus("weapons", "import", str(path), "--user", "registry", "--db", db)
    assert "1 new weapon(s)" in out and "1 event(s)" in out
    again = salus("weapons", "import", str(path), "--user", "registry", "--db", db)
    assert "0 new weapon(s), 1 already recorded" in again
    history = salus("weapons", "history", "AB-1234", "--user", "registry", "--db", db)
    assert "Makarov" in history and "imported" in history and "1995-06-01" in history


def test_a_bad_file_exits_1_lists_the_errors_and_writes_them(
        db: str, engine: sa.Engine, tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text(CSV.replace("Pistol", "Catapult"), encoding="utf-8")
    before = table_counts(engine)
    out = salus("weapons", "import", str(path), "--user", "registry", "--errors",
                str(tmp_path / "errors.csv"), "--db", db, code=1)
    assert "row 2 · Category · 'Catapult': category.unknown" in out
    assert "nothing imported" in out
    assert "category.unknown" in (tmp_path / "errors.csv").read_text(encoding="utf-8-sig")
    assert table_counts(engine) == before


def test_the_check_names_the_holder_and_is_audited_under_the_account(
        db: str, engine: sa.Engine) -> None:
    out = salus("weapons", "check", "ABC0042", "--reason", "roadside stop", "--user",
                "registry", "--db", db)
    assert "REGISTERED" in out and "Bob Dushenko" in out and "L-200" in out
    assert "NOT FOUND" in salus("weapons", "check", "NOPE-9", "--reason", "x", "--user",
                                "registry", "--db", db, code=1)
    refused = salus("weapons", "check", "ABC0042", "--reason", "curious", "--user", "ana",
                    "--db", db, code=2)
    assert "only registry roles" in refused
    a = t.audit_event
    with engine.connect() as conn:
        rows = conn.execute(sa.select(a.c.actor, a.c.before).where(
            a.c.action == "weapon.check").order_by(a.c.id)).all()
    assert [(r.actor, r.before["reason"]) for r in rows] == [
        ("registry", "roadside stop"), ("registry", "x")]


def test_commands_need_an_account_of_the_store(db: str) -> None:
    assert "give --user" in salus("weapons", "history", "12345", "--db", db, code=2)
    assert "no active account 'ghost'" in salus("weapons", "history", "12345", "--user",
                                                "ghost", "--db", db, code=2)


def test_expiring_licences_export_and_legal_status(db: str, tmp_path: Path) -> None:
    out = salus("weapons", "licences", "expiring", "--within", "60", "--today", "2028-12-01",
                "--user", "registry", "--db", db)
    assert "L-300" in out and "Safeguard LLC" in out and "L-100" not in out
    target = tmp_path / "registry.csv"
    assert "wrote 3 weapon(s)" in salus("weapons", "export", "--out", str(target), "--user",
                                        "ana", "--db", db)
    text = target.read_text(encoding="utf-8")
    assert "owner_pseudonym" in text and "Marin" not in text
    status = salus("weapons", "legal-status", "--from", "2020-01-01", "--to", "2020-12-31",
                   "--user", "ana", "--db", db)
    assert "Firearm incidents 2020-01-01 – 2020-12-31: 0" in status
