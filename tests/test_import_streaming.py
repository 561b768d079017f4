"""The streamed incident import (the default) stores and refuses exactly what the whole-file
path does, holds one transaction (a SIGKILL mid-file leaves the store as it was) and adds
nothing on a re-import.

Each case imports the same file into two fresh stores of one backend, once streamed and once
through the whole-file path (``streaming=False``), with a small write chunk so that a file of a
few rows spans several chunks, and compares the reports (every error and warning: row, column,
value, code, message) and every stored row (incidents, sources, victims, weapons, batches,
audit events), ids and stamps aside.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from import_support import (
    GOOD_ROWS,
    HEADER,
    INCIDENT_MAPPING,
    seed_areas,
    snapshot,
    write_csv,
    write_mapping,
    write_xlsx,
)
from support_db import BACKENDS, DATA_DIR, new_store, new_store_url

from salus.storage import schema as t
from salus.storage.db import open_store
from salus.usecases.imports import files
from salus.usecases.imports.files import ImportReport, import_file

BAD_ROWS = [
    ["B1", "31/02/2020", "XX-01", "ARMA DE FUEGO", "MASCULINO", "1"],  # date.invalid
    ["B2", "01/02/2020", "ZZ-99", "ARMA BLANCA", "FEMENINO", "1"],  # area.unknown
    ["B3", "01/01/2999", "XX-01", "", "", "1"],  # date.future
    ["A1", "01/02/2020", "XX-01", "ARMA DE FUEGO", "MASCULINO", "2"],  # row.duplicate
    ["B5", "01/02/2020", "XX-02", "TIRACHINAS", "X", "1"],  # code.unknown twice
    ["B6", "01/02/2020", "XX-02", "CONTUNDENTE", "FEMENINO", "0"],  # count.invalid
]
MORE_ROWS = [[f"G{i}", f"{1 + i % 28:02d}/0{1 + i % 9}/2021", f"XX-0{1 + i % 2}",
              ["ARMA DE FUEGO", "ARMA BLANCA", "CONTUNDENTE"][i % 3],
              ["MASCULINO", "FEMENINO", "NO REPORTA"][i % 3], str(1 + i % 3)]
             for i in range(12)]
NUMBERED = INCIDENT_MAPPING.replace("dates:", "duplicates: number\ndates:")
POINTS = INCIDENT_MAPPING.replace("  count: [count, cantidad]\n",
                                  "  longitude: lon\n  latitude: lat\n")

CASES: dict[str, tuple[str, list[list[Any]], dict[str, Any]]] = {
    "good rows over several chunks": (INCIDENT_MAPPING, [HEADER, *GOOD_ROWS, *MORE_ROWS], {}),
    "errors in a later chunk": (INCIDENT_MAPPING,
                                [HEADER, *GOOD_ROWS, *MORE_ROWS, *BAD_ROWS], {}),
    "errors, skipping invalid rows": (INCIDENT_MAPPING,
                                      [HEADER, *GOOD_ROWS, *BAD_ROWS, *MORE_ROWS],
                                      {"skip_invalid": True}),
    "only bad rows, skipping them": (INCIDENT_MAPPING, [HEADER, *BAD_ROWS[:3]],
                                     {"skip_invalid": True}),
    "repeated ids numbered": (NUMBERED, [HEADER, *GOOD_ROWS, *GOOD_ROWS, GOOD_ROWS[0]], {}),
    "unmapped columns kept": (INCIDENT_MAPPING,
                              [[*HEADER, "station"],
                               *[[*r, f"S{i % 2}" if i % 3 else ""]
                                 for i, r in enumerate([*GOOD_ROWS, *MORE_ROWS])]], {}),
    "points and a warning": (POINTS, [["id", "date", "area", "lon", "lat"],
                                      ["P1", "01/02/2020", "XX-01", "0.5", "0.5"],
                                      ["P2", "01/02/2020", "XX-01", "5", "5"],
                                      ["P3", "01/02/2020", "XX-01", "0.5", ""]],
                             {"skip_invalid": True}),
    "sheet furniture": (INCIDENT_MAPPING, [["TÍTULO"], [], HEADER, *GOOD_ROWS, [],
                                           ["TOTAL", "", "", "", "", "4"], ["FUENTE: X"]], {}),
    "a row after the footer": (INCIDENT_MAPPING, [HEADER, GOOD_ROWS[0],
                                                  ["TOTAL", "", "", "", "", "2"],
                                                  GOOD_ROWS[1]], {}),
    "a header only": (INCIDENT_MAPPING, [HEADER], {}),
}


@pytest.fixture(params=BACKENDS)
def store_pair(request: pytest.FixtureRequest) -> tuple[sa.Engine, sa.Engine]:
    """Two fresh stores of one backend with the test country (streamed, whole-file)."""
    pair = (new_store(request, request.param), new_store(request, request.param))
    for engine in pair:
        seed_areas(engine)
    yield pair
    for engine in pair:
        engine.dispose()


def _report(r: ImportReport) -> tuple[Any, ...]:
    findings = [(e.row, e.column, e.value, e.code, e.message, e.severity)
                for e in r.errors + r.warnings]
    return (r.written, r.header_row, r.rows_read, r.rows_skipped, r.rows_rejected, r.records,
            r.victims, r.inserted, r.updated, r.unchanged, findings, r.absent_columns,
            r.unmapped_columns)


def _stored(engine: sa.Engine) -> dict[str, Any]:
    """Every row an incident import writes, by natural key (ids, uids and stamps aside)."""
    skip = {"id", "uid", "created_at", "updated_at", "import_batch_id", "incident_id"}
    with engine.connect() as conn:
        keys = {r.incident_id: (r.source_type, r.source_name, r.record_id, r.url)
                for r in conn.execute(sa.select(t.incident_source))}
        out: dict[str, Any] = {"incident": {}}
        for r in conn.execute(sa.select(t.incident)):
            row = r._asdict()
            out["incident"][keys[row["id"]]] = {k: v for k, v in row.items() if k not in skip}
        for table in (t.person, t.incident_weapon):
            rows = [r._asdict() for r in conn.execute(sa.select(table))]
            out[table.name] = sorted(
                (keys[r["incident_id"]], repr(sorted((k, v) for k, v in r.items()
                                                     if k not in skip))) for r in rows)
        out["batch"] = [(r.kind, r.file_name, r.file_sha256, r.mapping, r.rows_read,
                         r.inserted, r.updated, r.unchanged, r.rejected)
                        for r in conn.execute(sa.select(t.import_batch)
                                              .order_by(t.import_batch.c.id))]
        out["audit"] = [(r.actor, r.action, r.entity, json.dumps(r.after, sort_keys=True))
                        for r in conn.execute(sa.select(t.audit_event)
                                              .where(t.audit_event.c.action == "import")
                                              .order_by(t.audit_event.c.id))]
    return out


def _both(pair: tuple[sa.Engine, sa.Engine], source: Path, mapping: Path | str,
          **options: Any) -> tuple[ImportReport, ImportReport]:
    streamed = import_file(pair[0], "incidents", source, mapping, **options)
    whole = import_file(pair[1], "incidents", source, mapping, streaming=False, **options)
    return streamed, whole


@pytest.mark.parametrize("case", list(CASES))
def test_a_streamed_import_stores_and_refuses_what_the_whole_file_import_does(
        store_pair, tmp_path, monkeypatch, case):
    monkeypatch.setattr(files, "WRITE_CHUNK", 4)
    text, rows, options = CASES[case]
    mapping = write_mapping(tmp_path, text)
    source = write_csv(tmp_path / "incidents.csv", rows)
    before = snapshot(store_pair[0])
    streamed, whole = _both(store_pair, source, mapping, **options)
    assert _report(streamed) == _report(whole)
    assert _stored(store_pair[0]) == _stored(store_pair[1])
    if not whole.written:
        assert snapshot(store_pair[0]) == before
    again = _both(store_pair, source, mapping, **options)  # a re-import: unchanged
    assert _report(again[0]) == _report(again[1])
    assert _stored(store_pair[0]) == _stored(store_pair[1])


def test_a_streamed_reimport_of_a_corrected_file_updates_as_the_whole_file_import(
        store_pair, tmp_path, monkeypatch):
    monkeypatch.setattr(files, "WRITE_CHUNK", 2)
    mapping = write_mapping(tmp_path)
    _both(store_pair, write_csv(tmp_path / "a.csv", [HEADER, *GOOD_ROWS, *MORE_ROWS]), mapping)
    fixed = [[*GOOD_ROWS[0][:5], "3"], *GOOD_ROWS[1:], *MORE_ROWS[:5],
             [*MORE_ROWS[5][:4], "FEMENINO", "1"], *MORE_ROWS[6:]]
    streamed, whole = _both(store_pair, write_csv(tmp_path / "b.csv", [HEADER, *fixed]),
                            mapping)
    assert (streamed.inserted, streamed.updated, streamed.unchanged) == (0, 2, 13)
    assert _report(streamed) == _report(whole)
    assert _stored(store_pair[0]) == _stored(store_pair[1])


def test_a_streamed_xlsx_import_equals_the_whole_file_import(store_pair, tmp_path, monkeypatch):
    monkeypatch.setattr(files, "WRITE_CHUNK", 3)
    source = write_xlsx(tmp_path / "c.xlsx", [HEADER, *GOOD_ROWS, *MORE_ROWS, BAD_ROWS[1]])
    streamed, whole = _both(store_pair, source, write_mapping(tmp_path), skip_invalid=True)
    assert streamed.written and streamed.rows_rejected == 1
    assert _report(streamed) == _report(whole)
    assert _stored(store_pair[0]) == _stored(store_pair[1])


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_streamed_import_of_ucdp_events_equals_the_whole_file_import(request, tmp_path,
                                                                        monkeypatch, backend):
    """The first 3,000 events of the shared UCDP GED Syria file, shipped mappings (SQLite)."""
    ged = DATA_DIR / "ucdp_ged_syria" / "ucdp_ged191_syria_slim.csv"
    if not ged.is_file():
        pytest.skip(f"UCDP file not found at {ged}")
    monkeypatch.setattr(files, "WRITE_CHUNK", 700)
    with ged.open(encoding="utf-8") as handle:
        head = [next(handle) for _ in range(3001)]
    source = tmp_path / "ged.csv"
    source.write_text("".join(head), encoding="utf-8")
    pair = (new_store(request, backend), new_store(request, backend))
    for engine in pair:
        assert import_file(engine, "areas", source, "ucdp-ged-areas").written
    streamed, whole = _both(pair, source, "ucdp-ged")
    assert streamed.written and streamed.records > 2000
    assert _report(streamed) == _report(whole)
    assert _stored(pair[0]) == _stored(pair[1])


KILLED_ROWS = 6_000
CHILD = textwrap.dedent("""
    import sys
    from salus.storage.db import open_store
    from salus.usecases.imports import files

    files.WRITE_CHUNK = 500

    def progress(stage, done, total):
        if stage == "write":
            print("wrote", done, flush=True)

    report = files.import_file(open_store(sys.argv[1]), "incidents", sys.argv[2], sys.argv[3],
                               progress=progress)
    print("finished", report.written, flush=True)
""")


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_import_killed_mid_file_leaves_the_store_as_it_was_and_a_rerun_imports_it_once(
        request, tmp_path, backend):
    url = new_store_url(request, backend)
    engine = open_store(url)
    seed_areas(engine)
    rows = [[f"K{i:06d}", f"{1 + i % 28:02d}/{1 + i % 12:02d}/20{10 + i % 10}",
             f"XX-0{1 + i % 2}", "ARMA DE FUEGO", "MASCULINO", str(1 + i % 2)]
            for i in range(KILLED_ROWS)]
    source = write_csv(tmp_path / "big.csv", [HEADER, *rows])
    mapping = write_mapping(tmp_path)
    before = snapshot(engine)
    child = subprocess.Popen([sys.executable, "-c", CHILD, url, str(source), str(mapping)],
                             stdout=subprocess.PIPE, text=True,
                             cwd=Path(__file__).resolve().parents[1],
                             env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])})
    assert child.stdout is not None
    written = 0
    for line in child.stdout:  # wait until several chunks are written, then kill -9
        if line.startswith("wrote"):
            written = int(line.split()[1])
            if written >= 1500:
                os.kill(child.pid, signal.SIGKILL)
                break
    child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL, "the import ended before it could be killed"
    assert 1500 <= written < KILLED_ROWS
    assert snapshot(engine) == before
    first = import_file(engine, "incidents", source, mapping)
    assert first.written and (first.inserted, first.unchanged) == (KILLED_ROWS, 0)
    after = snapshot(engine)
    again = import_file(engine, "incidents", source, mapping)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, KILLED_ROWS)
    assert {k: v for k, v in snapshot(engine).items() if k not in ("import_batch",
                                                                     "audit_event")} == \
        {k: v for k, v in after.items() if k not in ("import_batch", "audit_event")}
    engine.dispose()
