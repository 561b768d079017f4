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
    frame = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    areas = _area_codes(conn, area_level)
    area_ids = frame.pop("area_id")
    frame.insert(0, "area", area_ids.map(areas))
    if viewer is not None and viewer.area_id is not None:
        inside = set(conn.execute(sa.select(t.area_ancestor.c.area_id).where(
            t.area_ancestor.c.ancestor_id == viewer.area_id)).scalars())
        frame["in_scope"] = area_ids.isin(inside)
    frame["disability"] = frame["disability"].map(
        lambda v: None if v is None or v != v else ("yes" if bool(v) else "no"))
    frame["weight"] = frame["weight"].astype(float)
    frame["fpc"] = frame["fpc"].astype(float)
    for i, key in enumerate(answers):
        frame[answer_column(key)] = frame.pop(f"a{i}").map(_value)
    for i, key in enumerate(extras):
        frame[key] = frame.pop(f"e{i}")
    return frame


def _value(raw: Any) -> Any:
    """The answer as stored: a list for a select_multiple (JSON text from the database)."""
    if raw is None:
        return None
    if isinstance(raw, str) and raw.startswith("["):
        return json.loads(raw)
    return raw if isinstance(raw, list) else str(raw)


def _area_codes(conn: sa.Connection, level: int | None) -> dict[int, str]:
    a, anc = t.area, t.area_ancestor
    if level is None:
        return {int(i): str(c) for i, c in conn.execute(sa.select(a.c.id, a.c.code))}
    q = (sa.select(anc.c.area_id, a.c.code).join(a, a.c.id == anc.c.ancestor_id)
         .where(anc.c.ancestor_level == level))
    return {int(i): str(c) for i, c in conn.execute(q)}
