"""SDG 16 survey indicators from a wave: design-based estimates by domain, two waves compared.

An indicator is the weighted proportion of respondents in its numerator among those in its
denominator (the survey's :class:`IndicatorMapping`). It is estimated as a domain estimate,
as R's ``svyby(~y, ~den + sex, design, svyciprop)`` keeps the rows with ``den`` — the full
design is kept, so the standard errors of a subpopulation are right (Lumley 2010, §2.3.1).
A viewer bound to an area gets the domains of its subtree the same way (``in_scope`` is one
more domain variable), never a design cut down to its subtree.

Public viewers get suppressed estimates blank (the estimator's flags: unweighted n below
``min_n`` or CV above ``max_cv``, :class:`salus.analytics.surveys.domains.Thresholds`);
others see them with the flag.

Two waves are compared as independent samples: the difference of the estimates, with the
standard error ``sqrt(se_a² + se_b²)`` (the variance of a difference of independent
estimators is the sum of their variances; Kish 1965, *Survey Sampling*, §14.1 on
comparisons between samples), a normal 95 % interval and a two-sided p-value.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from scipy import stats

from salus.analytics.surveys.domains import Thresholds
from salus.analytics.surveys.errors import SurveyDesignError
from salus.domain.accounts.roles import Viewer
from salus.domain.surveys.forms import Form
from salus.domain.surveys.indicators import (
    Condition,
    IndicatorMapping,
    get_indicator,
    parse_mapping,
)
from salus.ingestion.surveys.columns import answer_keys
from salus.storage.surveys import schema as s
from salus.usecases.errors import ValidationFailed
from salus.usecases.surveys.common import can_read, checked, survey_ref, wave_row
from salus.usecases.surveys.design import design_for, design_frame, stored_design
from salus.usecases.surveys.forms import form_of
from salus.usecases.surveys.frames import ROLE_COLUMNS, answer_column

GROUPS = ("sex", "age_band", "disability", "area")
CI_METHODS = ("logit", "wald", "wilson", "beta", "likelihood")


@dataclass(frozen=True, slots=True)
class EstimateRow:
    domain: Mapping[str, str]
    estimate: float | None
    se: float | None
    ci_low: float | None
    ci_high: float | None
    deff: float | None
    cv: float | None
    n_unweighted: int
    sum_weights: float | None
    suppressed: bool
    flagged: bool


@dataclass(frozen=True, slots=True)
class SurveyEstimates:
    """One indicator (or ad-hoc proportion) of one wave, by domain (proportions, 0–1)."""

    survey: str
    wave: str
    indicator: str
    sdg: str
    title: str
    unit: str
    by: tuple[str, ...]
    rows: tuple[EstimateRow, ...]
    ci_method: str
    reference: str
    public: bool


@dataclass(frozen=True, slots=True)
class Options:
    by: tuple[str, ...] = ()
    area_level: int | None = None
    thresholds: Thresholds = field(default_factory=Thresholds)
    ci: str = "logit"


def estimate_indicator(engine: sa.Engine, viewer: Viewer, code: str, wave: str,
                       indicator_id: str, options: Options = Options()) -> SurveyEstimates:
    """The indicator's estimates by ``options.by`` with SE, CI, deff, CV, n and flags."""
    can_read(viewer)
    indicator = checked(lambda: get_indicator(indicator_id))
    with engine.connect() as conn:
        ref = survey_ref(conn, viewer, code)
        stored = conn.execute(sa.select(s.survey.c.indicator_map)
                              .where(s.survey.c.id == ref.id)).scalar() or {}
        if indicator_id not in stored:
            raise ValidationFailed([{"field": "indicator", "code": "unmapped", "message":
                                     f"say which questions answer {indicator.sdg} for this "
                                     "survey first (surveys map)"}])
        mapping = checked(lambda: parse_mapping(stored[indicator_id], indicator_id))
        rows = _estimate(conn, viewer, ref, wave, mapping, options)
    return SurveyEstimates(code, wave, indicator.id, indicator.sdg, indicator.title,
                           indicator.unit, options.by, rows, options.ci,
                           str(indicator.metadata.get("reference", "")), viewer.public)


def estimate_question(engine: sa.Engine, viewer: Viewer, code: str, wave: str,
                      question: str, values: Sequence[str],
                      options: Options = Options()) -> SurveyEstimates:
    """The share of respondents (who answered ``question``) giving one of ``values``."""
    can_read(viewer)
    mapping = checked(lambda: parse_mapping({"numerator": {"question": question,
                                                           "values": list(values)}}))
    with engine.connect() as conn:
        ref = survey_ref(conn, viewer, code)
        rows = _estimate(conn, viewer, ref, wave, mapping, options)
    return SurveyEstimates(code, wave, question, "", f"{question}: {', '.join(values)}", "%",
                           options.by, rows, options.ci, "", viewer.public)


def _estimate(conn: sa.Connection, viewer: Viewer, ref: Any, wave: str,
              mapping: IndicatorMapping, options: Options) -> tuple[EstimateRow, ...]:
    from salus.analytics.surveys.estimators import proportion

    _check_options(options)
    row = wave_row(conn, ref, wave)
    spec = stored_design(conn, ref, int(row.id))
    form = form_of(conn, ref, None)
    keys = _keys(form, mapping)
    extra_by = [b for b in options.by if b not in ROLE_COLUMNS]
    unknown = [b for b in extra_by if form.question(b) is None]
    if unknown:
        message = (f"{unknown[0]!r} is neither {', '.join(GROUPS)} nor a question of the "
                   "form")
        raise ValidationFailed([{"field": "by", "code": "unknown", "message": message}],
                               message)
    frame = design_frame(conn, ref, row, spec, [*keys.values(), *extra_by],
                         options.area_level, viewer)
    for b in extra_by:
        frame[b] = frame[answer_column(b)]
    y, den = indicator_columns(frame, mapping, keys)
    frame["_y"] = y.astype(float)
    frame["_den"] = np.where(den, "yes", "no")
    scope = ["in_scope"] if "in_scope" in frame.columns else []
    design = design_for(conn, row, spec, frame, options.area_level)
    try:
        result = proportion(design, "_y", by=[*scope, *options.by, "_den"],
                            method=options.ci,  # type: ignore[arg-type]
                            thresholds=options.thresholds)
    except SurveyDesignError as exc:
        raise ValidationFailed([{"field": "design", "code": "invalid",
                                 "message": str(exc)}]) from None
    result = result[result["_den"] == "yes"]
    if scope:
        result = result[result["in_scope"].astype(bool)]
    return tuple(_row(r, options.by, viewer.public) for r in result.to_dict("records"))


def _check_options(options: Options) -> None:
    if len(set(options.by)) != len(options.by):
        raise ValidationFailed([{"field": "by", "code": "invalid",
                                 "message": "name each domain variable once"}],
                               "name each domain variable once")
    if options.ci not in CI_METHODS:
        raise ValidationFailed([{"field": "ci", "code": "invalid", "message":
                                 f"{options.ci!r} is not one of {', '.join(CI_METHODS)}"}])


def _keys(form: Form, mapping: IndicatorMapping) -> dict[str, str]:
    """Question name → answer key, every question of the mapping checked against the form."""
    stored = answer_keys(form)
    out: dict[str, str] = {}
    for name in mapping.questions():
        q = form.question(name)
        if q is None:
            raise ValidationFailed([{"field": "mapping", "code": "unknown", "message":
                                     f"{name!r} is not a question of the wave's form"}])
        out[name] = stored[q.path]
    return out


def indicator_columns(frame: pd.DataFrame, mapping: IndicatorMapping,
                      keys: Mapping[str, str]) -> tuple[pd.Series, pd.Series]:
    """``(numerator, denominator)`` booleans per respondent (numerator within denominator).

    The numerator: any of its conditions holds. The denominator: any of its conditions holds,
    or, when it has none, the respondent answered one of the numerator's questions.
    """
    def holds(c: Condition) -> pd.Series:
        wanted = set(c.values)
        column = frame[answer_column(keys[c.question])]
        if column.dtype != object:  # text answers (no select_multiple list): vectorised
            return column.isin(wanted)
        return column.map(
            lambda v: bool(wanted.intersection(v)) if isinstance(v, list)
            else v is not None and v in wanted).astype(bool)

    num = pd.concat([holds(c) for c in mapping.numerator], axis=1).any(axis=1)
    if mapping.denominator:
        den = pd.concat([holds(c) for c in mapping.denominator], axis=1).any(axis=1)
    else:
        den = pd.concat([frame[answer_column(keys[c.question])].notna()
                         for c in mapping.numerator], axis=1).any(axis=1)
    return num & den, den


def _row(r: Mapping[str, Any], by: Sequence[str], public: bool) -> EstimateRow:
    hide = public and bool(r["suppressed"])

    def num(key: str) -> float | None:
        value = r.get(key)
        if hide or value is None or (isinstance(value, float) and math.isnan(value)):
            return None
        return float(value)

    return EstimateRow(domain={b: str(r[b]) for b in by}, estimate=num("estimate"),
                       se=num("se"), ci_low=num("ci_low"), ci_high=num("ci_high"),
                       deff=num("deff"), cv=num("cv"), n_unweighted=int(r["n_unweighted"]),
                       sum_weights=num("sum_weights"), suppressed=bool(r["suppressed"]),
                       flagged=bool(r["flagged"]))


# ---------------------------------------------------------------- two waves


@dataclass(frozen=True, slots=True)
class DifferenceRow:
    domain: Mapping[str, str]
    first: EstimateRow
    second: EstimateRow
    difference: float | None
    se_difference: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None


@dataclass(frozen=True, slots=True)
class WaveComparison:
    survey: str
    indicator: str
    sdg: str
    title: str
    first_wave: str
    second_wave: str
    by: tuple[str, ...]
    rows: tuple[DifferenceRow, ...]


def compare_waves(engine: sa.Engine, viewer: Viewer, code: str, first: str, second: str,
                  indicator_id: str, options: Options = Options()) -> WaveComparison:
    """``second - first`` for each domain present in both waves (see the module docstring)."""
    a = estimate_indicator(engine, viewer, code, first, indicator_id, options)
    b = estimate_indicator(engine, viewer, code, second, indicator_id, options)
    later = {tuple(r.domain.items()): r for r in b.rows}
    rows = [difference(r, later[tuple(r.domain.items())]) for r in a.rows
            if tuple(r.domain.items()) in later]
    return WaveComparison(code, a.indicator, a.sdg, a.title, first, second, options.by,
                          tuple(rows))


def difference(a: EstimateRow, b: EstimateRow) -> DifferenceRow:
    """The difference of two independent estimates with its standard error."""
    if None in (a.estimate, b.estimate, a.se, b.se):
        return DifferenceRow(a.domain, a, b, None, None, None, None, None)
    assert a.estimate is not None and b.estimate is not None
    assert a.se is not None and b.se is not None
    diff = b.estimate - a.estimate
    se = math.sqrt(a.se**2 + b.se**2)
    z = stats.norm.ppf(0.975)
    p = float(2 * stats.norm.sf(abs(diff / se))) if se > 0 else None
    return DifferenceRow(a.domain, a, b, diff, se, diff - z * se, diff + z * se, p)
