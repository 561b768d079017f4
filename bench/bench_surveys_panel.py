"""The dashboard's survey panel: its figures computed the first time and again.

    .venv/bin/python bench/bench_surveys_panel.py [--db URL] [--respondents 200000]

Stores the shared benchmark sample (``../shared/bench/workloads.py survey``: 100 strata x 50
PSUs) as one wave with a design, maps two SDG 16 indicators to its victim question, then
prints the time of :func:`salus.usecases.surveys.panel.latest_figures` (what
``/dashboard/panel/surveys`` shows, before the web layer's 30-second cache): the first call
(reads the wave's frame, builds the design) and the next (the wave's columns and design kept in
the process: no respondent read). Temporary SQLite file unless ``--db``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_surveys_store import _clock, _form, _sample


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db")
    parser.add_argument("--respondents", type=int, default=200_000)
    args = parser.parse_args()
    import sqlalchemy as sa

    from salus.domain.accounts.roles import SYSTEM_VIEWER as ADMIN
    from salus.domain.incidents import model as m
    from salus.domain.surveys.design import DesignSpec
    from salus.storage import repository
    from salus.storage.db import open_store
    from salus.storage.surveys import schema as s
    from salus.usecases.surveys import data, design, forms, frames, panel

    folder = tempfile.mkdtemp()
    engine = open_store(args.db or f"sqlite:///{folder}/bench.db")
    with engine.begin() as conn:
        repository.save_areas(conn, [m.Area("C", "Country", 0)])
    forms.create_survey(engine, ADMIN, forms.SurveySpec("BENCH", "Benchmark survey", "C"))
    forms.import_form(engine, ADMIN, "BENCH", _form(), "bench.xlsx")
    cols = _sample(args.respondents)
    report = data.import_data(engine, ADMIN, "BENCH", "all", [(
        "k.csv", b"area,stratum,psu,weight,domain,victim,_uuid\nC,1,1,1.0,1,1,u0\n")])
    assert report.written, report.errors[:3]
    with engine.begin() as conn:
        wave = int(conn.execute(sa.select(s.survey_wave.c.id)).scalar_one())
        conn.execute(s.survey_wave.update().values(respondents=len(cols["id"])))
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
    design.set_design(engine, ADMIN, "BENCH", "all",
                      DesignSpec(weights="weight", strata="stratum", ids=("psu",), nest=True))
    for indicator in ("sdg-16-1-3", "sdg-16-3-1"):
        forms.set_indicator_mapping(engine, ADMIN, "BENCH", indicator,
                                    {"numerator": {"question": "victim", "values": ["1"]}})
    design.clear_cache()
    frames.clear_cache()
    start = time.perf_counter()
    first = panel.latest_figures(engine, ADMIN)
    start = _clock(f"panel, first call ({len(cols['id']):,} respondents, 2 indicators)", start)
    panel.latest_figures(engine, ADMIN)
    _clock("panel again (kept frame and design)", start)
    for f in first:
        print(f"{f.sdg} {f.row.estimate:.6f} CI {f.row.ci_low:.6f}-{f.row.ci_high:.6f} "
              f"n {f.row.n_unweighted:,}")


if __name__ == "__main__":
    main()
