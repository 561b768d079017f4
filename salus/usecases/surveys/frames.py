"""A wave's respondents as the estimator's frame: one ``SELECT``, only the columns needed.

The classifying and design columns are plain columns of ``survey_respondent``; each answer an
estimate needs is read from the JSON ``answers`` in SQL (``json_extract`` on SQLite, ``->>``
on PostgreSQL), so a 1,000,000-respondent wave is read without decoding every answer. The
respondent's area is its code, or the code of its ancestor at ``area_level`` (the closure
table); ``in_scope`` says whether it lies in the viewer's subtree.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from salus.domain.accounts.roles import Viewer
from salus.storage import schema as t
from salus.storage.surveys import schema as s

ROLE_COLUMNS = ("area", "sex", "age_band", "disability", "stratum", "psu", "weight", "fpc")


def answer_column(key: str) -> str:
    """The frame column of an answer (``q:safe_walk``), apart from the role columns."""
    return f"q:{key}"


def load_frame(conn: sa.Connection, wave_id: int, answers: Sequence[str],
               extras: Sequence[str] = (), area_level: int | None = None,
               viewer: Viewer | None = None) -> pd.DataFrame:
    """Respondents of the wave with the role columns, ``q:<key>`` answers and extra columns.

    A select_multiple answer is a list of choice names; other answers are text.
    """
    r = s.survey_respondent
    cols: list[Any] = [r.c.area_id, r.c.sex, r.c.age_band, r.c.disability, r.c.stratum,
                       r.c.psu, r.c.weight, r.c.fpc]
    cols += [r.c.answers[key].as_string().label(f"a{i}") for i, key in enumerate(answers)]
    cols += [r.c.extra[key].as_string().label(f"e{i}") for i, key in enumerate(extras)]
    result = conn.execute(sa.select(*cols).where(r.c.wave_id == wave_id).order_by(r.c.id))
    names = list(result.keys())
    rows = result.cursor.fetchall()  # plain tuples: no Row objects (a third of the time at 1M)
    result.close()
    data: dict[str, list[Any]] = ({n: list(c) for n, c in zip(names, zip(*rows, strict=True),
                                                              strict=True)}
                                  if rows else {n: [] for n in names})
    areas = _area_codes(conn, area_level)
    area_ids = data.pop("area_id")
    columns: dict[str, Any] = {"area": [areas.get(a) for a in area_ids]}
    if viewer is not None and viewer.area_id is not None:
        inside = set(conn.execute(sa.select(t.area_ancestor.c.area_id).where(
            t.area_ancestor.c.ancestor_id == viewer.area_id)).scalars())
        columns["in_scope"] = [a in inside for a in area_ids]
    columns.update(sex=data["sex"], age_band=data["age_band"],
                   disability=[None if v is None else ("yes" if v else "no")
                               for v in data["disability"]],
                   stratum=data["stratum"], psu=data["psu"],
                   weight=np.array(data["weight"], dtype=float),
                   fpc=np.array(data["fpc"], dtype=float))
    for i, key in enumerate(answers):
        columns[answer_column(key)] = _values(data[f"a{i}"])
    for i, key in enumerate(extras):
        columns[key] = data[f"e{i}"]
    frame = pd.DataFrame(columns)
    return frame


def _values(raw: list[Any]) -> list[Any]:
    """Answers as stored: text, or a list for a select_multiple (JSON text from the database);
    one comprehension, no call per value unless it is a list or a number."""
    return [v if v is None or (v.__class__ is str and v[:1] != "[")
            else json.loads(v) if v.__class__ is str
            else v if isinstance(v, list) else str(v) for v in raw]


def _area_codes(conn: sa.Connection, level: int | None) -> dict[int, str]:
    a, anc = t.area, t.area_ancestor
    if level is None:
        return {int(i): str(c) for i, c in conn.execute(sa.select(a.c.id, a.c.code))}
    q = (sa.select(anc.c.area_id, a.c.code).join(a, a.c.id == anc.c.ancestor_id)
         .where(anc.c.ancestor_level == level))
    return {int(i): str(c) for i, c in conn.execute(q)}
