"""An assessment takes its survey results from a linked survey (the form on its page).

Calls :func:`salus.usecases.plans.survey_link.take_survey_results` and returns to the
assessment, whose "Perception survey" table then lists the estimates with their source.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from salus.api import context as ctx
from salus.api.csrf import verify_csrf
from salus.api.deps import RowId
from salus.domain.accounts.roles import Permission, Viewer
from salus.usecases.plans.survey_link import take_survey_results
from salus.web.pages import needs

router = APIRouter(include_in_schema=False)
Editor = Annotated[Viewer, Depends(needs(Permission.EDIT_PLANS))]


@router.post("/assessments/{assessment_id}/survey-results", dependencies=[Depends(verify_csrf)])
def take_results(request: Request, viewer: Editor, assessment_id: RowId,
                 survey: Annotated[str, Form(max_length=64)],
                 wave: Annotated[str, Form(max_length=64)] = "") -> Response:
    take_survey_results(ctx.engine(request), viewer, assessment_id, survey.strip(),
                        wave.strip() or None)
    return RedirectResponse(f"/assessments/{assessment_id}#surveys", status_code=303)
