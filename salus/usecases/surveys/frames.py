"""A wave's respondents as the estimator's frame: one ``SELECT``, only the columns needed.

The classifying and design columns are plain columns of ``survey_respondent``; each answer an
estimate needs is read from the JSON ``answers`` in SQL (``json_extract`` on SQLite, ``->>``
on PostgreSQL), so a 1,000,000-respondent wave is read without decoding every answer. The
respondent's area is its code, or the code of its ancestor at ``area_level`` (the closure
table); ``in_scope`` says whether it lies in the viewer's subtree.

Repeated estimates reuse what was read: given the wave's import timestamp (``stamp``), the
columns read are kept in memory for the process, keyed by (database, wave id, import time,
``surveys`` data version) — the ``surveys`` counter (:mod:`salus.storage.versions`) moves in
the same transaction as any write to the survey tables, so a stale entry is never read, whatever
wrote (it is dropped when the process has more than :data:`CACHED_WAVES` waves). An estimate
then reads from the store only the answers not read before; area codes and the viewer's
scope are looked up each time (areas may be renamed).
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from salus.domain.accounts.roles import Viewer
from salus.storage import schema as t
from salus.storage import versions
from salus.storage.surveys import schema as s

ROLE_COLUMNS = ("area", "sex", "age_band", "disability", "stratum", "psu", "weight", "fpc")
CACHED_WAVES = 4
"""Waves whose columns a process keeps (a 1,000,000-respondent wave with a few answers
takes a few hundred MB)."""


@dataclass
class _Wave:
    """The columns of one wave read so far: roles (``area_id`` ...), answers, kept columns."""

    roles: dict[str, Any]
    answers: dict[str, pd.Series] = field(default_factory=dict)
    extras: dict[str, pd.Series] = field(default_factory=dict)


_WAVES: OrderedDict[Hashable, _Wave] = OrderedDict()
_LOCK = threading.Lock()


def clear_cache() -> None:
    """Forget every wave read (benchmarks and tests; writes move the key instead)."""
    with _LOCK:
        _WAVES.clear()


def _cached(key: Hashable) -> _Wave | None:
    with _LOCK:
        wave = _WAVES.get(key)
        if wave is not None:
            _WAVES.move_to_end(key)
        return wave


def _keep(key: Hashable, wave: _Wave) -> None:
    with _LOCK:
        _WAVES[key] = wave
        _WAVES.move_to_end(key)
        while len(_WAVES) > CACHED_WAVES:
            _WAVES.popitem(last=False)


def answer_column(key: str) -> str:
    """The frame column of an answer (``q:safe_walk``), apart from the role columns."""
    return f"q:{key}"


def load_frame(conn: sa.Connection, wave_id: int, answers: Sequence[str],
               extras: Sequence[str] = (), area_level: int | None = None,
               viewer: Viewer | None = None, stamp: Any = None) -> pd.DataFrame:
    """Respondents of the wave with the role columns, ``q:<key>`` answers and extra columns.

    A select_multiple answer is a list of choice names; other answers are text. ``stamp``
    (the wave's import time) lets the columns already read be reused (module docstring).
    """
    key = None if stamp is None else (versions.store_key(conn.engine), wave_id, str(stamp),
                                      versions.current(conn, ("surveys",)))
    wave = None if key is None else _cached(key)
    want_answers = [a for a in answers if wave is None or a not in wave.answers]
    want_extras = [e for e in extras if wave is None or e not in wave.extras]
    if wave is None or want_answers or want_extras:
        read = _read(conn, wave_id, want_answers, want_extras, with_roles=wave is None)
        if wave is None:
            wave = _Wave(read.pop("roles"))
        for i, name in enumerate(want_answers):
            wave.answers[name] = read[f"a{i}"]
        for i, name in enumerate(want_extras):
            wave.extras[name] = read[f"e{i}"]
        if key is not None:
            _keep(key, wave)
    areas = _area_codes(conn, area_level)
    area_ids: pd.Series = wave.roles["area_id"]
    columns: dict[str, Any] = {"area": area_ids.map(areas)}
    if viewer is not None and viewer.area_id is not None:
        inside = set(conn.execute(sa.select(t.area_ancestor.c.area_id).where(
            t.area_ancestor.c.ancestor_id == viewer.area_id)).scalars())
        columns["in_scope"] = area_ids.isin(inside).to_numpy()
    columns.update({k: v for k, v in wave.roles.items() if k != "area_id"})
    for name in answers:
        columns[answer_column(name)] = wave.answers[name]
    for name in extras:
        columns[name] = wave.extras[name]
    return pd.DataFrame(columns)


def _read(conn: sa.Connection, wave_id: int, answers: Sequence[str], extras: Sequence[str],
          with_roles: bool) -> dict[str, Any]:
    """One ``SELECT`` of the wave's respondents (in id order): ``roles`` when asked, answers
    ``a<i>`` and kept columns ``e<i>``."""
    r = s.survey_respondent
    cols: list[Any] = ([r.c.area_id, r.c.sex, r.c.age_band, r.c.disability, r.c.stratum,
                        r.c.psu, r.c.weight, r.c.fpc] if with_roles else [r.c.id])
    cols += [r.c.answers[key].as_string().label(f"a{i}") for i, key in enumerate(answers)]
    cols += [r.c.extra[key].as_string().label(f"e{i}") for i, key in enumerate(extras)]
    result = conn.execute(sa.select(*cols).where(r.c.wave_id == wave_id).order_by(r.c.id))
    names = list(result.keys())
    rows = result.cursor.fetchall()  # plain tuples: no Row objects (a third of the time at 1M)
    result.close()
    data: dict[str, list[Any]] = ({n: list(c) for n, c in zip(names, zip(*rows, strict=True),
                                                              strict=True)}
                                  if rows else {n: [] for n in names})
    # pandas columns built once (inferring a text column's type is most of a frame's cost)
    out: dict[str, Any] = {f"a{i}": pd.Series(_values(data[f"a{i}"]))
                           for i in range(len(answers))}
    out.update({f"e{i}": pd.Series(data[f"e{i}"]) for i in range(len(extras))})
    if with_roles:
        out["roles"] = {
            "area_id": pd.Series(data["area_id"], dtype=object),
            "sex": pd.Series(data["sex"]), "age_band": pd.Series(data["age_band"]),
            "disability": pd.Series([None if v is None else ("yes" if v else "no")
                                     for v in data["disability"]]),
            "stratum": pd.Series(data["stratum"]), "psu": pd.Series(data["psu"]),
            "weight": np.array(data["weight"], dtype=float),
            "fpc": np.array(data["fpc"], dtype=float)}
    return out


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
