"""Roll-up of assessments: the most frequent problems and their root causes in a subtree.

District → region → national: every assessment of a community under the chosen area (the
whole country when none, always inside the viewer's scope) counts once per problem category it
raised. Categories are ranked by the number of assessments that raised them, then by the number
of problems, then by category code; root causes are counted case-insensitively (the first
spelling seen is shown) and the most frequent come first, ties by text.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from salus.domain.accounts.roles import Viewer
from salus.storage import plans as p
from salus.usecases.plans.common import area_ref, can_read, check_read
from salus.usecases.scope import area_condition, subtree

TOP_CAUSES = 5


@dataclass(frozen=True, slots=True)
class CategoryRollup:
    category: str
    assessments: int
    communities: int
    problems: int
    root_causes: list[tuple[str, int]]


@dataclass(frozen=True, slots=True)
class Rollup:
    area_code: str | None
    area_name: str | None
    assessments: int
    categories: list[CategoryRollup]


def rollup(engine: sa.Engine, viewer: Viewer, area: str | None = None) -> Rollup:
    """The most frequent problems and causes across the assessments under ``area``."""
    can_read(viewer)
    ca, ps = p.community_assessment, p.assessment_problem
    q = (sa.select(ca.c.id.label("assessment_id"), ca.c.area_id, ps.c.category,
                   ps.c.root_causes)
         .select_from(ca.outerjoin(ps, ps.c.assessment_id == ca.c.id))
         .where(*area_condition(ca.c.area_id, viewer)))
    name = None
    with engine.connect() as conn:
        if area:
            root = area_ref(conn, area)
            check_read(conn, viewer, root.id)
            name = root.name
            q = q.where(ca.c.area_id.in_(subtree(root.id)))
        rows = conn.execute(q).all()
    return Rollup(area, name, len({r.assessment_id for r in rows}), _categories(rows))


def _categories(rows: Sequence[Any]) -> list[CategoryRollup]:
    assessments: dict[str, set[int]] = {}
    communities: dict[str, set[int]] = {}
    problems: Counter[str] = Counter()
    causes: dict[str, Counter[str]] = {}
    spelling: dict[str, str] = {}
    for r in rows:
        if r.category is None:
            continue
        assessments.setdefault(r.category, set()).add(r.assessment_id)
        communities.setdefault(r.category, set()).add(r.area_id)
        problems[r.category] += 1
        for cause in r.root_causes or []:
            key = " ".join(str(cause).lower().split())
            spelling.setdefault(key, str(cause).strip())
            causes.setdefault(r.category, Counter())[key] += 1
    out = []
    for category in assessments:
        top = sorted(causes.get(category, Counter()).items(), key=lambda kv: (-kv[1], kv[0]))
        out.append(CategoryRollup(category, len(assessments[category]),
                                  len(communities[category]), problems[category],
                                  [(spelling[k], n) for k, n in top[:TOP_CAUSES]]))
    out.sort(key=lambda c: (-c.assessments, -c.problems, c.category))
    return out
