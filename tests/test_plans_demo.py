"""The demo's community safety plans: built through the use cases, valid, and cleared again."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from web_support import seed

from salus.demo.plans import busiest_districts, clear_plans, seed_plans
from salus.domain.accounts.roles import SYSTEM_VIEWER
from salus.storage import plans as p
from salus.storage.db import open_store
from salus.usecases.plans import assessments


def test_the_demo_plans_the_two_busiest_districts_and_clears_them(tmp_path: Path) -> None:
    engine = open_store(f"sqlite:///{tmp_path / 'demo.db'}")
    seed(engine, per_district=6)
    districts = busiest_districts(engine, 2024)
    assert len(districts) == 2
    plans = seed_plans(engine, (2023, 2024))
    assert len(plans) == 2
    with engine.connect() as conn:
        rows = conn.execute(sa.select(p.safety_plan.c.area_id, p.safety_plan.c.assessment_id)
                            ).all()
        assert all(r.assessment_id is not None for r in rows)
    view = assessments.get_assessment(engine, SYSTEM_VIEWER, rows[0].assessment_id)
    assert len(view.problems) == 4 and view.problems[0].rank == 1
    with engine.begin() as conn:
        clear_plans(conn)
    with engine.connect() as conn:
        left = [conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
                for table in p.metadata.sorted_tables if table.name in {
                    "safety_plan", "plan_action", "plan_indicator", "plan_progress",
                    "community_assessment", "assessment_problem", "problem_source",
                    "assessment_consultation", "assessment_survey", "plan_objective"}]
    assert left == [0] * 10
    engine.dispose()
