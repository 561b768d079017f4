"""Community safety assessments take their survey results from a linked survey (issue 14).

Instead of typing figures in, the user names a survey (and optionally a wave): every SDG 16
indicator mapped for that survey is estimated for the assessment's community
(:func:`salus.usecases.surveys.community.perception_figures`, a domain estimate on the full
design) and recorded as one of the assessment's survey results, with its source saying the
survey, the wave, the standard error, the 95 % interval and the unweighted number of
respondents. Estimates the disclosure rules suppress are not taken (listed as skipped).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa

from salus.domain.accounts.roles import Viewer
from salus.usecases.plans.assessments import SurveySpec, add_survey_result, get_assessment
from salus.usecases.surveys.community import PerceptionFigure, perception_figures


@dataclass(frozen=True, slots=True)
class TakenResults:
    added: list[int] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def take_survey_results(engine: sa.Engine, viewer: Viewer, assessment_id: int, survey: str,
                        wave: str | None = None) -> TakenResults:
    """Record the linked survey's indicators for the assessment's community."""
    assessment = get_assessment(engine, viewer, assessment_id)
    figures = perception_figures(engine, viewer, assessment.area_code, survey, wave)
    out = TakenResults()
    for f in figures:
        if f.row.estimate is None or f.row.suppressed:
            out.skipped.append(f"{f.sdg}: suppressed (n = {f.row.n_unweighted})")
            continue
        out.added.append(add_survey_result(engine, viewer, assessment_id, _spec(f)))
    return out


def _spec(f: PerceptionFigure) -> SurveySpec:
    assert f.row.estimate is not None
    interval = ("" if f.row.ci_low is None or f.row.ci_high is None else
                f", 95% CI {100 * f.row.ci_low:.1f}-{100 * f.row.ci_high:.1f}")
    se = "" if f.row.se is None else f", SE {100 * f.row.se:.1f} points"
    source = (f"survey {f.survey}, wave {f.wave}: design-based estimate{se}{interval}"
              f"{', flagged' if f.row.flagged else ''}")
    return SurveySpec(question=f"{f.sdg} {f.title}"[:300], value=100 * f.row.estimate,
                      unit="%", source=source[:300], sample_size=f.row.n_unweighted or None,
                      collected_on=dt.date.fromisoformat(f.period_end[:10])
                      if f.period_end else None)
