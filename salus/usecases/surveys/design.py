"""Define a wave's survey design, and build it (R's ``svydesign``, then ``calibrate``).

Defining a design checks it on the wave's respondents at once: the estimator's own error (a
PSU in two strata without ``nest``, a stratum with one PSU under ``lonely_psu="fail"``,
missing or non-positive weights, a variable the data do not have) is a validation error
naming the field, so a design that is stored can be estimated from.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
import sqlalchemy as sa

from salus.analytics.surveys.calibration import calibrate
from salus.analytics.surveys.design import SurveyDesign
from salus.analytics.surveys.errors import SurveyDesignError
from salus.domain.accounts.roles import Viewer
from salus.domain.surveys.design import DesignSpec, check_design
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
from salus.usecases.surveys.frames import ROLE_COLUMNS, answer_column, load_frame


def set_design(engine: sa.Engine, viewer: Viewer, code: str, wave: str,
               spec: DesignSpec) -> DesignSpec:
    """Store the design of a wave after building it once on the wave's respondents."""
    checked(lambda: check_design(spec))
    with engine.begin() as conn:
        ref = for_write(conn, viewer, code)
        row = wave_row(conn, ref, wave)
        frame = design_frame(conn, ref, row, spec, [])
        build(frame, spec)
        values = {"weights": spec.weights, "strata": spec.strata, "ids": list(spec.ids),
                  "fpc": list(spec.fpc), "nest": spec.nest, "lonely_psu": spec.lonely_psu,
                  "calibration": spec.to_json()["calibration"],
                  "calibration_method": spec.calibration_method,
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
                       extras, area_level, viewer)
    for v in questions:
        frame[v] = frame[answer_column(v)]
    return frame


def build(frame: pd.DataFrame, spec: DesignSpec) -> SurveyDesign:
    """R's ``svydesign`` (and ``calibrate`` when targets are given) on ``frame``."""
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
    except SurveyDesignError as exc:
        raise ValidationFailed([{"field": "design", "code": "invalid", "message": str(exc)}],
                               str(exc)) from None
    except KeyError as exc:
        raise ValidationFailed([{"field": "design", "code": "unknown",
                                 "message": f"the data have no variable {exc}"}]) from None
    return design
