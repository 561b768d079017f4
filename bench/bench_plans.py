"""Community safety: how long a plan view, a community page and the plan exports take.

    .venv/bin/python bench/bench_plans.py [--db sqlite:///salus-demo.db]

Builds the small test observatory (tests/plans_support.py) in a temporary SQLite file when no
``--db`` is given, then prints the median of 3 runs of: the plan view (one linked indicator
computed by the engine), the public community page, and the plan as HTML and as PDF in
English, Arabic and Chinese (WeasyPrint; Chinese font subsetting dominates).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))


def timed(label: str, call: Callable[[], Any], runs: int = 3) -> None:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    print(f"{label:<40} median {statistics.median(times):7.3f} s  (min {min(times):.3f})")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db")
    args = parser.parse_args()
    from salus.domain.accounts.roles import PUBLIC_VIEWER, SYSTEM_VIEWER
    from salus.reports.plans import plan_html, plan_pdf
    from salus.storage.db import open_store
    from salus.usecases.plans import community_page
    from salus.usecases.plans import views as plan_views

    if args.db:
        engine = open_store(args.db)
        plan_id = plan_views.list_plans(engine, SYSTEM_VIEWER)[0].id
    else:
        from plans_support import observatory

        folder = tempfile.mkdtemp()
        engine = open_store(f"sqlite:///{folder}/bench.db")
        plan_id = observatory(engine).plan_id
    view = plan_views.get_plan(engine, SYSTEM_VIEWER, plan_id)
    timed("plan view (1 linked indicator)",
          lambda: plan_views.get_plan(engine, SYSTEM_VIEWER, plan_id))
    timed("public community page", lambda: community_page.community_page(
        engine, PUBLIC_VIEWER, view.area_code), runs=2)
    for lang in ("en", "ar", "zh"):
        timed(f"plan HTML ({lang})", lambda lang=lang: plan_html(view, lang))
        timed(f"plan PDF ({lang})", lambda lang=lang: plan_pdf(view, lang), runs=1)


if __name__ == "__main__":
    main()
