"""Peak memory and time of hostile and large files (issue 15, item 5): the zip bomb, a large CSV.

Not part of the test suite. Each case runs in a fresh Python process, which prints its own peak
RSS (``VmHWM`` of ``/proc/self/status``: ``ru_maxrss`` would also count the RSS of the
parent it was forked from) and wall time:

* ``zip bomb, salus import``: a 2.5 MB XLSX that inflates to 2.7 GB, through the CLI;
* ``CSV, reader``: every row of a generated CSV (default 200 MB) through ``read_table``;
* ``CSV, whole text``: the same file read the way the reader did before (bytes, decoded text,
  ``io.StringIO``, csv) — what the streaming reader replaces;
* ``CSV over the file limit, salus import``: the CSV through the CLI with
  ``SALUS_IMPORT_MAX_FILE_MB`` below its size (refused before it is read);
* ``CSV, salus import`` (with ``--full``): the whole import, which keeps every validated record.

    .venv/bin/python bench/hostile_files.py                 # 200 MB CSV
    .venv/bin/python bench/hostile_files.py --mb 50 --full
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import hostile_files  # noqa: E402 - the generators live with the tests

MAPPING = """name: bench
kind: incidents
columns:
  record_id: id
  occurred_on: date
  area_code: area
  iccs_code: offence
defaults:
  source_type: police
  source_name: bench
"""

PROLOGUE = """
import json, sys, time
def peak_mb():  # this process's own high-water mark (ru_maxrss also counts the parent's, forked)
    with open("/proc/self/status") as status:
        return next(int(l.split()[1]) for l in status if l.startswith("VmHWM")) / 1024
started = time.perf_counter()
outcome = "ok"
try:
{body}
except SystemExit as exc:
    outcome = f"exit {{exc.code}}"
print(json.dumps({{"peak_mb": peak_mb(),
                  "seconds": time.perf_counter() - started, "outcome": outcome}}))
"""

CLI = """    from salus.cli.app import app
    app(sys.argv[1:])"""

READER = """    from salus.ingestion.readers import read_table
    rows = sum(1 for _ in read_table(sys.argv[1]).rows)
    outcome = f"{rows} rows" """

WHOLE_TEXT = """    import csv, io
    text = open(sys.argv[1], "rb").read().decode("utf-8-sig")
    rows = sum(1 for _ in csv.reader(io.StringIO(text, newline="")))
    outcome = f"{rows} rows" """

BASELINE = """    import salus.cli.app, salus.ingestion.readers, salus.usecases.imports.files"""


def run(name: str, body: str, *args: str, env: dict[str, str] | None = None) -> None:
    script = PROLOGUE.format(body=body)
    done = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True,
                          cwd=tempfile.gettempdir(), env={**os.environ, **(env or {})},
                          check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if not lines:
        print(f"{name:45s} failed: {done.stderr[-500:]}")
        return
    figures = json.loads(lines[-1])
    print(f"{name:45s} peak RSS {figures['peak_mb']:7.0f} MB   {figures['seconds']:6.1f} s   "
          f"{figures['outcome']}")


def seed_area(db: str) -> None:
    """The one area the generated rows name, so that every row imports."""
    sys.path.insert(0, str(ROOT))
    from salus.domain.incidents.model import Area
    from salus.storage import repository as repo
    from salus.storage.db import open_store

    engine = open_store(db)
    with engine.begin() as conn:
        repo.save_areas(conn, [Area("R1", "North", 0), Area("R1-A", "North A", 1, "R1")])
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=200, help="size of the CSV (MB)")
    parser.add_argument("--full", action="store_true", help="also import the whole CSV")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="salus-hostile-") as work:
        folder = Path(work)
        bomb = hostile_files.zip_bomb_xlsx(folder)
        big = hostile_files.large_csv(folder / "large.csv", args.mb)
        mapping = folder / "bench.yaml"
        mapping.write_text(MAPPING, encoding="utf-8")
        db = f"sqlite:///{folder / 'bench.db'}"
        print(f"zip bomb {bomb.stat().st_size / 1e6:.1f} MB; CSV {big.stat().st_size / 1e6:.0f} MB")
        run("interpreter and salus modules (baseline)", BASELINE)
        run("zip bomb, salus import", CLI, "import", "incidents", str(bomb), "-m", str(mapping),
            "--db", db)
        run("CSV, reader (streaming)", READER, str(big))
        run("CSV, whole text (the reader before)", WHOLE_TEXT, str(big))
        limit = str(max(1, args.mb // 2))
        run(f"CSV over a {limit} MB file limit, salus import", CLI, "import", "incidents",
            str(big), "-m", str(mapping), "--db", db, env={"SALUS_IMPORT_MAX_FILE_MB": limit})
        if args.full:
            seed_area(db)
            run("CSV, salus import (every record kept)", CLI, "import", "incidents", str(big),
                "-m", str(mapping), "--db", db)


if __name__ == "__main__":
    main()
