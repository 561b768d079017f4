"""``salus weapons search`` from the command line (SQLite store; the search itself is tested on
both backends in test_weapon_search_queries)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner
from weapon_search_support import add_weapon

from salus.cli.app import app
from salus.domain.accounts.roles import SYSTEM_VIEWER
from salus.storage.db import open_store
from salus.usecases.accounts import users as accounts

runner = CliRunner()


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('weapon_cli') / 'salus.db'}"
    engine = open_store(url)
    accounts.create_user(engine, SYSTEM_VIEWER, "registrar", "a long enough secret 1",
                         "registry_officer")
    accounts.create_user(engine, SYSTEM_VIEWER, "clerk", "a long enough secret 2", "data_entry")
    with engine.begin() as conn:
        add_weapon(conn, "BOS-1234-ZIG", "Zavodi Crvena Zastava")
        add_weapon(conn, "BOS-1235-ZIG", "Glock")
    engine.dispose()
    return url


def test_search_prints_ranked_hits_for_a_misread_serial(db: str) -> None:
    result = runner.invoke(app, ["weapons", "search", "B0S-I234-2IG", "--user", "registrar",
                                 "--db", db])
    assert result.exit_code == 0, result.output
    assert "exact" in result.output and "BOS-1234-ZIG" in result.output
    assert "1 weapon(s)" in result.output
    near = runner.invoke(app, ["weapons", "search", "B0S-I236-2IG", "--user", "registrar",
                               "--db", db])
    assert near.output.count("near") == 2 and "2 weapon(s)" in near.output


def test_search_prints_json_narrowed_by_a_manufacturer_variant(db: str) -> None:
    result = runner.invoke(app, ["weapons", "search", "BOS-123?-ZIG", "-m", "Zastava Arms",
                                 "--json", "--user", "registrar", "--db", db])
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)
    assert found["manufacturer_key"] == "zastava"
    assert [(h["serial_number"], h["match"]) for h in found["hits"]] == [
        ("BOS-1234-ZIG", "pattern")]


@pytest.mark.parametrize(("args", "message"), [
    (["?*", "--user", "registrar"], "query: give at least 2 known"),
    (["ABC123", "--user", "clerk"], "'weapons' permission"),
    (["ABC123", "--user", "nobody"], "no active account 'nobody'"),
])
def test_search_refuses_with_a_clear_message(db: str, args: list[str], message: str,
                                             tmp_path: Path) -> None:
    result = runner.invoke(app, ["weapons", "search", *args, "--db", db])
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())
