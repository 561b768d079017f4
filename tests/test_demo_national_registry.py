"""``salus demo --weapons N`` (issue 11): the demo's registry topped up to N weapons with a
deterministic national registry file imported through the registry import."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from salus.demo.observatory import run_demo
from salus.demo.weapons.national import (
    RECORD_PREFIX,
    RegistryTooSmallError,
    add_national_registry,
    write_registry_file,
)
from salus.storage import schema as t
from salus.storage.db import open_store
from salus.storage.weapons import schema as w

SMALL = 400
"""True events of the demo (its own registry then holds a few hundred weapons)."""
WEAPONS = 900


def test_the_national_registry_file_is_the_same_for_the_same_size_and_seed(
        tmp_path: Path) -> None:
    areas = ["A1", "A2", "A3"]
    paths = [tmp_path / f"{n}.csv" for n in range(3)]
    for path, seed in zip(paths, (5, 5, 6), strict=True):
        write_registry_file(path, 500, seed, areas, serial_prefix="NR-",
                            record_prefix=RECORD_PREFIX)
    first, again, other = (p.read_bytes() for p in paths)
    assert first == again and first != other
    rows = list(csv.DictReader(paths[0].open(encoding="utf-8")))
    assert len(rows) == 500 and {r["Area code"] for r in rows} == set(areas)
    assert rows[7]["Record id"] == f"{RECORD_PREFIX}0000007" and rows[7]["Serial number"] == \
        "NR-0000007"
    holders = [r for r in rows if r["Owner kind"]]
    assert 0.8 < len(holders) / len(rows) < 0.97
    assert 0 < sum(r["Owner kind"] == "company" for r in holders) < len(holders) / 5


def test_salus_demo_weapons_n_stores_a_registry_of_n_weapons_drawn_from_the_file(
        db_url: str, tmp_path: Path) -> None:
    from salus.cli import app

    result = CliRunner().invoke(app, ["demo", "--db", db_url, "--incidents", str(SMALL),
                                      "--weapons", str(WEAPONS), "--no-serve"])
    assert result.exit_code == 0, result.output
    assert f"{WEAPONS:,} registry weapons" in " ".join(result.output.split())
    engine = open_store(db_url)
    try:
        c = w.weapon.c
        with engine.connect() as conn:
            assert conn.scalar(sa.select(sa.func.count()).select_from(w.weapon)) == WEAPONS
            stored = {r.source_record: (r.serial_number, r.manufacturer, r.year_of_manufacture,
                                        r.code) for r in conn.execute(
                sa.select(c.source_record, c.serial_number, c.manufacturer,
                          c.year_of_manufacture, t.area.c.code)
                .join(t.area, t.area.c.id == c.area_id)
                .where(c.source_record.like(f"{RECORD_PREFIX}%")))}
            areas = list(conn.scalars(sa.select(t.area.c.code).where(t.area.c.level == 3)
                                      .order_by(t.area.c.code)))
        # the stored national weapons are the file's rows, drawn again from the seed
        path = tmp_path / "again.csv"
        write_registry_file(path, len(stored), 20240601, areas, serial_prefix="NR-",
                            record_prefix=RECORD_PREFIX)
        drawn = {r["Record id"]: (r["Serial number"], r["Manufacturer"],
                                  int(r["Year of manufacture"]), r["Area code"])
                 for r in csv.DictReader(path.open(encoding="utf-8"))}
        assert stored == drawn and 0 < len(stored) < WEAPONS
        kept = run_demo(db_url)
        assert not kept.built and kept.params["weapons"] == WEAPONS
        with pytest.raises(RegistryTooSmallError):
            add_national_registry(engine, WEAPONS - 1, 20240601)
    finally:
        engine.dispose()
