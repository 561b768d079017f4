"""A national-size registry for the demo (issue 11): ``salus demo --weapons N``.

The demo's own registry (:mod:`salus.demo.weapons.generate`) is a few thousand to ten thousand
weapons with whole lifecycles; a national registry holds hundreds of thousands to millions. This
module writes a deterministic registry file (:func:`write_registry_file`: the same rows, byte for
byte, for the same size and seed) and imports it through the registry import
(:func:`salus.usecases.weapons.imports.import_registry`, its set-based path), so every weapon,
owner, licence, registration and first event passes the registry's rules and is audited as any
imported file is. :func:`add_national_registry` tops the demo's registry up to N weapons.

The file is the one ``bench/bench_weapons_import.py`` imports: about one owner in three holds two
weapons under one licence, one owner in twenty is a company, one row in ten has no holder (a
dealer's stock); made 1990–2012 and imported the year after, licences issued 2015–2022 for ten
years, weapons registered within 60 days of the issue. Every demo row carries a record id
``demo:national:<n>`` (so :func:`salus.demo.weapons.store.clear_arms` removes them with the rest
of the demo) and a serial ``NR-<n>``, which the demo's own weapons never use.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import tempfile
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa

from salus.domain.accounts.roles import Viewer
from salus.storage import repository as repo
from salus.storage import schema as t
from salus.storage.weapons import schema as w

MAKERS = ("Zastava Arms", "Glock", "Beretta", "Baikal", "Česká zbrojovka", "Makarov",
          "Smith & Wesson", "Heckler & Koch", "Sig Sauer", "Remington")
CATEGORIES = ("Pistol", "Revolver", "Rifle", "Shotgun", "Carbine")
HEADER = ["Category", "Manufacturer", "Model", "Serial number", "Year of manufacture",
          "Area code", "Owner kind", "Given name", "Family name", "Entity name",
          "Registration number", "ID document type", "ID document number", "Licence number",
          "Licence type", "Licence issued on", "Licence expires on", "Registered on", "Event",
          "Event date"]
FILE_NAME = "demo-national-registry.csv"
"""The name of the demo's national registry file (its import batch)."""
RECORD_PREFIX = "demo:national:"
SETTING = "demo_national_weapons"
"""The observatory setting that keeps the registry size the demo was built with."""
OFFICER = Viewer.for_role("registry", "registry_officer")


class RegistryTooSmallError(ValueError):
    """``--weapons N`` below the number of weapons the demo's own registry already holds."""


def write_registry_file(path: Path, rows: int, seed: int, areas: Sequence[str], *,
                        serial_prefix: str = "S", record_prefix: str | None = None) -> None:
    """Write ``rows`` weapons to a CSV file, the same file for the same arguments (a
    ``random.Random(seed)`` stream, no clock). ``areas`` are the area codes drawn from;
    ``record_prefix`` adds a first column "Record id" (``<prefix><row number>``)."""
    rng = random.Random(seed)
    day0 = dt.date(2015, 1, 1)
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        first: list[str] = [] if record_prefix is None else ["Record id"]
        out.writerow(first + HEADER)
        for i in range(rows):
            year = 1990 + rng.randrange(23)
            record: list[object] = [] if record_prefix is None else [f"{record_prefix}{i:07d}"]
            weapon = [*record, rng.choice(CATEGORIES), MAKERS[i % len(MAKERS)], f"M{i % 37}",
                      f"{serial_prefix}{i:07d}", year, areas[rng.randrange(len(areas))]]
            event = ["imported", f"{year + 1}-{1 + rng.randrange(12):02d}-01"]
            if rng.random() < 0.10:
                out.writerow(weapon + [""] * 12 + event)
                continue
            owner = i if rng.random() < 0.66 else max(0, i - 1)
            issued = day0 + dt.timedelta(days=owner * 7919 % 2900)
            licence = [f"L{owner:08d}", "", issued.isoformat(),
                       (issued + dt.timedelta(days=3652)).isoformat(),
                       (issued + dt.timedelta(days=owner % 60)).isoformat()]
            if owner % 20 == 0:
                holder = ["company", "", "", f"Company {owner}", f"R{owner:08d}", "", ""]
                licence[1] = "security_company"
            else:
                holder = ["individual", "Given", f"Family{owner}", "", "", "passport",
                          f"P{owner:08d}"]
                licence[1] = "possession"
            out.writerow(weapon + holder + licence + event)


def add_national_registry(engine: sa.Engine, weapons: int, seed: int) -> int:
    """Top the demo's registry up to ``weapons`` weapons with a national registry file drawn
    from ``seed`` and the demo's municipalities (see the module docstring), imported in one
    transaction; returns how many weapons the file added. Raises :class:`RegistryTooSmallError`
    when the registry already holds more than ``weapons``, and ``RuntimeError`` (naming the
    first refusals) if the import refuses a row, which would be a bug of this generator."""
    from salus.usecases.weapons.imports import import_registry

    with engine.connect() as conn:
        held = int(conn.scalar(sa.select(sa.func.count()).select_from(w.weapon)) or 0)
        areas = list(conn.scalars(sa.select(t.area.c.code).where(
            t.area.c.level == sa.select(sa.func.max(t.area.c.level)).scalar_subquery())
            .order_by(t.area.c.code)))
    if weapons < held:
        raise RegistryTooSmallError(f"--weapons {weapons}: the demo's registry already holds "
                                    f"{held} weapons; ask for at least that many")
    extra = weapons - held
    if extra:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / FILE_NAME
            write_registry_file(path, extra, seed, areas, serial_prefix="NR-",
                                record_prefix=RECORD_PREFIX)
            report = import_registry(engine, OFFICER, path, file_name=FILE_NAME)
        if not report.committed:
            raise RuntimeError(f"the national registry file was refused: {report.errors[:3]}")
    with engine.begin() as conn:
        repo.set_setting(conn, SETTING, weapons, actor=OFFICER.username)
    return extra


def stored_size(conn: sa.Connection) -> int | None:
    """The registry size the demo was built with (None: the demo's own registry only)."""
    value = repo.get_setting(conn, SETTING)
    return None if value is None else int(value)


def clear_national(conn: sa.Connection) -> None:
    """Forget the national registry's import batch and size (its rows go with the demo's)."""
    conn.execute(t.import_batch.delete().where(t.import_batch.c.kind == "weapons",
                                               t.import_batch.c.file_name == FILE_NAME))
    conn.execute(t.observatory_setting.delete().where(t.observatory_setting.c.key == SETTING))
