"""Define a wave's survey design, and build it (R's ``svydesign``, then ``calibrate``).

Defining a design checks it on the wave's respondents at once: the estimator's own error (a
PSU in two strata without ``nest``, a stratum with one PSU under ``lonely_psu="fail"``,
missing or non-positive weights, a variable the data do not have) is a validation error
naming the field, so a design that is stored can be estimated from.

A replicate-weight design (R's ``svrepdesign`` from weight columns, or ``as.svrepdesign`` from
the Taylor design) is built after the Taylor design; its estimates use the replicates.
A design built for an estimate is kept for the process, keyed by (database, wave, import time,
design as stored, area level), so repeated estimates of a wave build it once; each estimate
gets it over its own frame (the same respondents in the same order).
"""

from __future__ import annotations

import dataclasses
import itertools
import threading
from collections import OrderedDict
from collections.abc import Hashable, Sequence
from typing import Any

import pandas as pd
import sqlalchemy as sa

from salus.analytics.surveys.calibration import calibrate
from salus.analytics.surveys.design import SurveyDesign
from salus.analytics.surveys.errors import SurveyDesignError
from salus.analytics.surveys.replicates import ReplicateDesign
from salus.domain.accounts.roles import Viewer
from salus.domain.surveys.design import DesignSpec, Margin, check_design
from salus.domain.surveys.respondents import SDG_BANDS, sdg_band
from salus.storage import schema as t
from salus.storage import versions
from salus.storage.surveys import schema as s
from salus.usecases.errors import NotFound, ValidationFailed
from salus.usecases.surveys.common import (
    SurveyRef,
    audit,
    can_read,
    checked,
    for_write,
    now,
    survey_ref,
    wave_row,
)
from salus.usecases.surveys.forms import form_of
from salus.usecases.surveys.frames import (
    CACHED_WAVES,
    ROLE_COLUMNS,
    answer_column,
    load_frame,
)

AnyDesign = SurveyDesign | ReplicateDesign
_DESIGNS: OrderedDict[Hashable, AnyDesign] = OrderedDict()
_LOCK = threading.Lock()


def set_design(engine: sa.Engine, viewer: Viewer, code: str, wave: str,
               spec: DesignSpec) -> DesignSpec:
    """Store the design of a wave after building it once on the wave's respondents."""
    checked(lambda: check_design(spec))
    with engine.begin() as conn:
        ref = for_write(conn, viewer, code)
        row = wave_row(conn, ref, wave)
        frame = design_frame(conn, ref, row, spec, [])
        design_for(conn, row, spec, frame)
        values = {"weights": spec.weights, "strata": spec.strata, "ids": list(spec.ids),
                  "fpc": list(spec.fpc), "nest": spec.nest, "lonely_psu": spec.lonely_psu,
                  "calibration": spec.to_json()["calibration"],
                  "calibration_method": spec.calibration_method,
                  "replicates": spec.replicates.to_json() if spec.replicates else None,
                  "updated_by": viewer.username, "updated_at": now()}
        d = s.survey_design
        conn.execute(d.delete().where(d.c.wave_id == row.id))
        conn.execute(d.insert().values(wave_id=row.id, **values))
        audit(conn, viewer, "set_design", "survey_wave", int(row.id), spec.to_json())
    return spec


def get_design(engine: sa.Engine, viewer: Viewer, code: str, wave: str) -> DesignSpec:
    can_read(viewer)
    with engine.connect() as conn:
        ref = survey_ref(conn, viewer, code)
        return stored_design(conn, ref, int(wave_row(conn, ref, wave).id))


def stored_design(conn: sa.Connection, ref: SurveyRef, wave_id: int) -> DesignSpec:
    row = conn.execute(sa.select(s.survey_design)
                       .where(s.survey_design.c.wave_id == wave_id)).first()
    if row is None:
        raise NotFound(f"no design is defined for this wave of {ref.code!r}")
    return DesignSpec.from_json(row._asdict())


def design_frame(conn: sa.Connection, ref: SurveyRef, wave: Any, spec: DesignSpec,
                 answers: Sequence[str], area_level: int | None = None,
                 viewer: Viewer | None = None) -> pd.DataFrame:
    """The wave's frame with the design's variables and the ``answers`` an estimate needs;
    a design variable that is neither a role nor a question is read from the kept columns."""
    form = form_of(conn, ref, None)
    names = [v for v in spec.variables() if v not in ROLE_COLUMNS]
    questions = [v for v in names if form.question(v) is not None]
    extras = [v for v in names if v not in questions]
    frame = load_frame(conn, int(wave.id), list(dict.fromkeys([*answers, *questions])),
                       extras, area_level, viewer, stamp=getattr(wave, "imported_at", None))
    for v in questions:
        frame[v] = frame[answer_column(v)]
    return frame


def design_for(conn: sa.Connection, wave: Any, spec: DesignSpec, frame: pd.DataFrame,
               area_level: int | None = None) -> AnyDesign:
    """:func:`build` once per (database, wave, import time, ``surveys`` data version, design,
    area level); the design
    returned is over ``frame``, which must hold the wave's respondents in store order (as
    :func:`design_frame` gives them)."""
    stamp = getattr(wave, "imported_at", None)
    if stamp is None:
        return build(frame, spec)
    key = (versions.store_key(conn.engine), int(wave.id), str(stamp),
           versions.current(conn, ("surveys",)), repr(spec.to_json()), area_level)
    with _LOCK:
        found = _DESIGNS.get(key)
        if found is not None:
            _DESIGNS.move_to_end(key)
    if found is None or len(found.frame) != len(frame):
        found = build(frame, spec)
        with _LOCK:
            _DESIGNS[key] = found
            while len(_DESIGNS) > CACHED_WAVES:
                _DESIGNS.popitem(last=False)
    return dataclasses.replace(found, frame=frame)


def clear_cache() -> None:
    """Forget the designs built (benchmarks and tests; writes move the key instead)."""
    with _LOCK:
        _DESIGNS.clear()


def build(frame: pd.DataFrame, spec: DesignSpec) -> AnyDesign:
    """R's ``svydesign`` (and ``calibrate`` when targets are given) on ``frame``; then the
    replicate weights when the design has them (R's ``svrepdesign`` from columns with
    ``combined.weights=TRUE``, or ``as.svrepdesign``)."""
    try:
        design = SurveyDesign.from_frame(
            frame, weights=spec.weights, strata=spec.strata, psu=list(spec.ids) or None,
            fpc=list(spec.fpc) or None, nest=spec.nest,
            lonely_psu=spec.lonely_psu)  # type: ignore[arg-type]
        if spec.calibration:
            margins = [pd.DataFrame([[*cell, total] for cell, total in m.totals.items()],
                                    columns=[*m.variables, "total"])
                       for m in spec.calibration]
            design = calibrate(design, margins,
                               spec.calibration_method)  # type: ignore[arg-type]
        if spec.replicates is not None:
            return _replicates(frame, spec, design)
    except SurveyDesignError as exc:
        raise ValidationFailed([{"field": "design", "code": "invalid", "message": str(exc)}],
                               str(exc)) from None
    except KeyError as exc:
        raise ValidationFailed([{"field": "design", "code": "unknown",
                                 "message": f"the data have no variable {exc}"}]) from None
    return design


def _replicates(frame: pd.DataFrame, spec: DesignSpec, design: SurveyDesign) -> ReplicateDesign:
    rep = spec.replicates
    assert rep is not None and spec.weights is not None
    if rep.columns:
        return ReplicateDesign.from_frame(
            frame, weights=spec.weights, replicate_weights=list(rep.columns),
            method=rep.method,  # type: ignore[arg-type]
            scale=rep.scale, rscales=rep.rscales, fay_rho=rep.fay_rho, mse=rep.mse)
    return ReplicateDesign.from_design(design, rep.method,  # type: ignore[arg-type]
                                       replicates=rep.count, seed=rep.seed,
                                       fay_rho=rep.fay_rho, mse=rep.mse)


# ------------------------------------------------------------ population tables as targets

POPULATION_VARIABLES = ("area", "sex", "age_band")


def population_margins(engine: sa.Engine, viewer: Viewer, code: str, wave: str, year: int,
                       variables: Sequence[str], method: str) -> tuple[Margin, ...]:
    """Calibration targets for a wave from the observatory's population table for ``year``.

    The finest table is area × sex × SDG age group (0–14, 15–29, 30–44, 45–59, 60+): a
    population row counts in the age group that holds its whole age range (a row spanning two
    groups, or ``total`` sex, is not used); a group given both whole and in parts is taken
    whole. ``poststratify`` and ``linear`` get one table crossing ``variables``; ``raking``
    one margin per variable (R's ``rake(design, list(~area, ~sex), ...)``). Areas are the
    population rows' own areas, as respondents' areas are their own (no ``area_level``). Only
    the age groups the wave's respondents are in count (a survey of people aged 15 and over
    is calibrated to the population aged 15 and over).
    """
    can_read(viewer)
    unknown = [v for v in variables if v not in POPULATION_VARIABLES]
    if not variables or unknown or len(set(variables)) != len(variables):
        message = (f"calibrate to population totals by one or more of "
                   f"{', '.join(POPULATION_VARIABLES)}, each once")
        raise ValidationFailed([{"field": "population_by", "code": "invalid",
                                 "message": message}], message)
    p = t.population
    query = (sa.select(t.area.c.code, p.c.sex, p.c.age_min, p.c.age_max, p.c.population)
             .join(t.area, t.area.c.id == p.c.area_id)
             .where(p.c.year == year, p.c.sex.in_(("female", "male"))))
    r = s.survey_respondent
    with engine.connect() as conn:
        wave_id = int(wave_row(conn, survey_ref(conn, viewer, code), wave).id)
        groups_sampled = set(conn.execute(sa.select(r.c.age_band).distinct()
                                          .where(r.c.wave_id == wave_id)).scalars())
        rows = conn.execute(query).all()
    cells = {k: v for k, v in _population_cells(rows).items() if k[2] in groups_sampled}
    if not cells:
        message = f"the population table has no rows by sex and age group for {year}"
        raise ValidationFailed([{"field": "population_year", "code": "missing",
                                 "message": message}], message)
    groups = [tuple(variables)] if method != "raking" else [(v,) for v in variables]
    index = {"area": 0, "sex": 1, "age_band": 2}
    margins = []
    for group in groups:
        totals: dict[tuple[str, ...], float] = {}
        for cell, total in cells.items():
            key = tuple(cell[index[v]] for v in group)
            totals[key] = totals.get(key, 0.0) + total
        margins.append(Margin(group, totals))
    return tuple(margins)


def _population_cells(rows: Sequence[Any]) -> dict[tuple[str, str, str], float]:
    """(area, sex, age group) → population, each group whole or from its parts."""
    whole: dict[tuple[str, str, str], float] = {}
    parts: dict[tuple[str, str, str], list[tuple[int, int, float]]] = {}
    for code, sex, low, high, count in rows:
        band = sdg_band(int(low))
        top = None if high is None or int(high) >= t.OPEN_AGE else int(high)
        if band is None or band != _band_of_top(top):
            continue
        key = (str(code), str(sex), band)
        if (int(low), top) in SDG_BANDS:
            whole[key] = float(count)
        else:
            parts.setdefault(key, []).append((int(low), t.OPEN_AGE if top is None else top,
                                              float(count)))
    cells = dict(whole)
    for key, pieces in parts.items():
        if key in cells:
            continue
        pieces.sort()
        if all(a[1] < b[0] for a, b in itertools.pairwise(pieces)):
            cells[key] = sum(c for _, _, c in pieces)
    return cells


def _band_of_top(top: int | None) -> str | None:
    if top is None:
        return sdg_band(SDG_BANDS[-1][0])
    return sdg_band(top)
