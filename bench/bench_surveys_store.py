"""Surveys in the store: write, read back as a frame, and estimate, at 1,000,000 respondents.

    .venv/bin/python bench/bench_surveys_store.py [--db URL] [--respondents 1000000]
                                                  [--import-rows 20000]

Draws the shared benchmark sample (``../shared/bench/workloads.py survey``: 100 strata x 50
PSUs, 50 domains), stores it as one wave of a survey (respondents written in bulk, as
:func:`salus.usecases.surveys.data.import_data` writes them), then prints the time of: reading
the wave's frame with two answers (one ``SELECT``, answers extracted in SQL), the estimate of
the share of victims overall and by the 50 domains through the use case (frame + design +
estimator), the same two estimates again (the wave's columns and design kept in the process:
no respondent read, no design built), and, for scale, importing ``--import-rows``
submissions from a KoBo CSV through the whole import (parsing and validating every cell).
Temporary SQLite file unless ``--db``.
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
WORKLOADS = ROOT.parent / "shared" / "bench" / "workloads.py"


def _sample(n: int) -> dict[str, Any]:
    spec = importlib.util.spec_from_file_location("workloads", WORKLOADS)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.survey_sample(respondents=n)  # type: ignore[no-any-return]


FORM_ROWS = [("type", "name", "label"), ("integer", "domain", "Domain"),
             ("select_one yn", "victim", "Victim in the last 12 months")]


def _form() -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    sheet = wb.active
    assert sheet is not None
    sheet.title = "survey"
    for row in FORM_ROWS:
        sheet.append(row)
    choices = wb.create_sheet("choices")
    for row in [("list_name", "name", "label"), ("yn", "1", "Yes"), ("yn", "0", "No")]:
        choices.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _clock(label: str, start: float) -> float:
    now = time.perf_counter()
    print(f"{label:<58} {now - start:8.2f} s")
    return now


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db")
    parser.add_argument("--respondents", type=int, default=1_000_000)
    parser.add_argument("--import-rows", type=int, default=20_000)
    args = parser.parse_args()
    import sqlalchemy as sa

    from salus.domain.accounts.roles import SYSTEM_VIEWER as ADMIN
    from salus.domain.incidents import model as m
    from salus.domain.surveys.design import DesignSpec
    from salus.storage import repository
    from salus.storage.db import open_store
    from salus.storage.surveys import schema as s
    from salus.usecases.surveys import data, design, estimates, forms
    from salus.usecases.surveys.frames import load_frame

    folder = tempfile.mkdtemp()
    engine = open_store(args.db or f"sqlite:///{folder}/bench.db")
    with engine.begin() as conn:
        repository.save_areas(conn, [m.Area("C", "Country", 0)])
    forms.create_survey(engine, ADMIN, forms.SurveySpec("BENCH", "Benchmark survey", "C"))
    forms.import_form(engine, ADMIN, "BENCH", _form(), "bench.xlsx")
    cols = _sample(args.respondents)
    small = {k: v[: args.import_rows] for k, v in cols.items()}
    csv_text = "area,stratum,psu,weight,domain,victim,_uuid\n" + "".join(
        f"C,{st},{p},{w},{d},{v},u{i}\n" for i, st, p, w, d, v in zip(
            small["id"], small["stratum"], small["psu"], small["weight"], small["domain"],
            small["victim"], strict=True))
    start = time.perf_counter()
    report = data.import_data(engine, ADMIN, "BENCH", "import", [("k.csv", csv_text.encode())])
    assert report.written, report.errors[:3]
    start = _clock(f"import {args.import_rows:,} submissions from CSV (whole path)", start)
    with engine.begin() as conn:
        wave = int(conn.execute(sa.select(s.survey_wave.c.id)).scalar_one())
        conn.execute(s.survey_wave.update().values(label="all", respondents=len(cols["id"])))
        conn.execute(s.survey_respondent.delete())
        rows = [{"wave_id": wave, "row_number": int(i) + 1, "key": f"u{i}", "area_id": 1,
                 "sex": "unknown", "age": None, "age_band": None, "disability": None,
                 "stratum": str(st), "psu": str(p), "weight": float(w), "fpc": None,
                 "answers": {"domain": int(d), "victim": str(v)}, "extra": {}, "repeats": {}}
                for i, st, p, w, d, v in zip(cols["id"], cols["stratum"], cols["psu"],
                                             cols["weight"], cols["domain"], cols["victim"],
                                             strict=True)]
        for k in range(0, len(rows), 20_000):
            conn.execute(s.survey_respondent.insert(), rows[k:k + 20_000])
    del rows
    start = _clock(f"write {len(cols['id']):,} respondents (bulk insert)", start)
    with engine.connect() as conn:
        frame = load_frame(conn, wave, ["victim", "domain"])
    start = _clock(f"read the frame ({len(frame):,} rows, 2 answers extracted in SQL)", start)
    design.set_design(engine, ADMIN, "BENCH", "all",
                      DesignSpec(weights="weight", strata="stratum", ids=("psu",), nest=True))
    start = _clock("define the design (frame + svydesign check)", start)
    overall = estimates.estimate_question(engine, ADMIN, "BENCH", "all", "victim", ["1"])
    start = _clock("share of victims overall (frame + design + estimate)", start)
    by = estimates.estimate_question(engine, ADMIN, "BENCH", "all", "victim", ["1"],
                                     estimates.Options(by=("domain",)))
    start = _clock("share of victims by 50 domains (frame + design + estimate)", start)
    estimates.estimate_question(engine, ADMIN, "BENCH", "all", "victim", ["1"])
    start = _clock("again: overall (kept frame and design)", start)
    estimates.estimate_question(engine, ADMIN, "BENCH", "all", "victim", ["1"],
                                estimates.Options(by=("domain",)))
    _clock("again: by 50 domains (kept frame and design)", start)
    r = overall.rows[0]
    print(f"overall {r.estimate:.6f} SE {r.se:.6f}; {len(by.rows)} domains"
          " (R survey 4.1.1 on the same sample: 0.102669, SE 0.000702)")


if __name__ == "__main__":
    main()
