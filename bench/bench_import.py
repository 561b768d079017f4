"""Import throughput: a generated police-style CSV of N victim rows through ``import_file``.

Not part of the test suite. Generates a deterministic CSV (default 1,000,000 rows) with a
shipped-style mapping, imports it into a fresh SQLite file and, with ``--postgres URL`` (an
admin URL; a fresh database is created and dropped), into PostgreSQL, and prints rows/s,
victims/s, wall and CPU seconds and peak RSS.

Two variants (``--variant``):

* ``victim``: one victim per row, the record id from an ``ID`` column;
* ``count``: Colombian-police style, a ``CANTIDAD`` column (1–3 victims per row), no id
  column (record id = the documented content hash of the row, repeats numbered ``#2``…).

``--path``: ``stream`` (the default import: chunks written in one transaction, memory bounded)
or ``whole`` (the whole-file path, ``import_file(..., streaming=False)``) to compare them. Each
import runs in a fresh interpreter (``--one``), so the peak RSS printed (``getrusage``'s
``ru_maxrss``) is that import's alone, whatever the file's size.

``--extra-columns N`` adds N columns the mapping does not name (a station, a collecting agency…),
which the import keeps with each incident as ``source_attributes`` (issue 13): compare the
figures with and without them.

    .venv/bin/python bench/bench_import.py                      # 1M rows, both variants, SQLite
    .venv/bin/python bench/bench_import.py --rows 5000000 --postgres \
        postgresql+psycopg://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from salus.domain.incidents.model import Area
from salus.storage import repository as repo
from salus.storage.db import create_engine, open_store
from salus.usecases.imports.files import import_file

AREAS = 1100
WEAPONS = ["ARMA DE FUEGO", "ARMA BLANCA / CORTOPUNZANTE", "CONTUNDENTES", "NO REPORTADO"]
SEXES = ["MASCULINO", "FEMENINO", "NO REPORTA"]
BANDS = ["ADULTOS", "ADOLESCENTES", "MENORES", "NO REPORTA"]

MAPPING = """
name: bench-{variant}
kind: incidents
columns:
{record_id}  area_code: [MUNICIPIO]
  occurred_on: [FECHA HECHO]
  weapon: [ARMAS MEDIOS]
  weapon_description: [ARMAS MEDIOS]
  sex: [GENERO]
  age_band: [AGRUPA EDAD PERSONA]
{count}values:
  weapon:
    ARMA DE FUEGO: firearm
    ARMA BLANCA / CORTOPUNZANTE: sharp
    CONTUNDENTES: blunt
    NO REPORTADO: unknown
  sex: {{MASCULINO: male, FEMENINO: female, NO REPORTA: unknown}}
  age_band:
    MENORES: "colombia_law_1098:0-12"
    ADOLESCENTES: "colombia_law_1098:13-17"
    ADULTOS: "colombia_law_1098:18+"
    NO REPORTA: ~
defaults:
  iccs_code: "0101"
  source_type: police
  source_name: Bench police
  date_precision: day
  sensitivity: public
  outcome: killed
  role: victim
dates:
  formats: ["%d/%m/%Y"]
duplicates: number
"""


def write_mapping(folder: Path, variant: str) -> Path:
    text = MAPPING.format(variant=variant,
                          record_id="  record_id: [ID]\n" if variant == "victim" else "",
                          count="  count: [CANTIDAD]\n" if variant == "count" else "")
    path = folder / f"bench-{variant}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def write_csv(folder: Path, rows: int, variant: str,
              extra: int = 0) -> tuple[Path, int]:
    """The file and its number of victims (deterministic: seeded by the row count)."""
    rng = random.Random(rows)
    start = dt.date(2015, 1, 1)
    path = folder / f"bench-{variant}-{rows}.csv"
    victims = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        header = ["FECHA HECHO", "MUNICIPIO", "ARMAS MEDIOS", "GENERO", "AGRUPA EDAD PERSONA"]
        out.writerow((["ID"] if variant == "victim" else []) + header +
                     (["CANTIDAD"] if variant == "count" else []) +
                     [f"EXTRA {k}" for k in range(1, extra + 1)])
        for i in range(rows):
            day = start + dt.timedelta(days=rng.randrange(3650))
            cells = [day.strftime("%d/%m/%Y"), f"M{rng.randrange(AREAS):05d}",
                     rng.choice(WEAPONS), rng.choice(SEXES), rng.choice(BANDS)]
            if variant == "victim":
                cells.insert(0, f"R{i:08d}")
                victims += 1
            else:
                n = rng.choice((1, 1, 1, 1, 2, 3))
                cells.append(str(n))
                victims += n
            out.writerow(cells + [f"Station {rng.randrange(400)} / {k}"
                                  for k in range(1, extra + 1)])
    return path, victims


def seed_areas(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        repo.save_areas(conn, [Area("CO", "Benchland", 0)] +
                        [Area(f"M{i:05d}", f"Municipality {i}", 1, "CO") for i in range(AREAS)])


def run_one(url: str, label: str, csv_path: Path, mapping: Path, rows: int,
            path: str = "stream") -> None:
    """One import in a fresh interpreter (its own peak RSS)."""
    subprocess.run([sys.executable, __file__, "--one", url, label, str(csv_path), str(mapping),
                    str(rows), path], check=True)


def one(url: str, label: str, csv_path: Path, mapping: Path, rows: int, path: str) -> None:
    engine = open_store(url)
    seed_areas(engine)
    cpu0, wall0 = time.process_time(), time.perf_counter()
    report = import_file(engine, "incidents", csv_path, mapping, streaming=path == "stream")
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    assert report.written and not report.errors, report.errors[:5]
    assert report.records == rows, (report.records, rows)
    with engine.connect() as conn:
        stored = conn.execute(sa.text("select count(*) from person")).scalar()
    engine.dispose()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    label = f"{label}/{path}"
    print(f"{label:<22} {rows:>9,} rows {report.victims:>9,} victims  wall {wall:7.1f} s  "
          f"cpu {cpu:7.1f} s  {rows / wall:>8,.0f} rows/s  {report.victims / wall:>8,.0f} "
          f"victims/s  (cpu: {rows / cpu:>8,.0f} rows/s)  peak RSS {rss:,.0f} MiB  "
          f"[stored persons {stored:,}]", flush=True)


def main() -> None:
    if sys.argv[1:2] == ["--one"]:
        a = sys.argv[2:8]
        one(a[0], a[1], Path(a[2]), Path(a[3]), int(a[4]), a[5])
        return
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--variant", choices=["victim", "count", "both"], default="both")
    parser.add_argument("--postgres", metavar="URL", help="admin URL of a PostgreSQL server")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--path", choices=["stream", "whole"], default="stream",
                        help="the streamed import (default) or the whole-file path")
    parser.add_argument("--extra-columns", type=int, default=0,
                        help="columns the mapping does not name (kept as source attributes)")
    args = parser.parse_args()
    variants = ["victim", "count"] if args.variant == "both" else [args.variant]
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cpus, load "
          f"{os.getloadavg()[0]:.1f}", flush=True)
    with tempfile.TemporaryDirectory(prefix="salus-bench-import-") as tmp:
        folder = Path(tmp)
        for variant in variants:
            mapping = write_mapping(folder, variant)
            csv_path, _ = write_csv(folder, args.rows, variant, args.extra_columns)
            if not args.no_sqlite:
                db = folder / f"{variant}.sqlite"
                run_one(f"sqlite:///{db}", f"sqlite/{variant}", csv_path, mapping, args.rows,
                        args.path)
                db.unlink()
            if args.postgres:
                admin = create_engine(args.postgres, isolation_level="AUTOCOMMIT")
                name = f"salus_bench_{uuid.uuid4().hex[:10]}"
                with admin.connect() as conn:
                    conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
                try:
                    url = admin.url.set(database=name).render_as_string(hide_password=False)
                    run_one(url, f"postgresql/{variant}", csv_path, mapping, args.rows, args.path)
                finally:
                    with admin.connect() as conn:
                        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                    admin.dispose()
            csv_path.unlink()


if __name__ == "__main__":
    main()
