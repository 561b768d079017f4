"""The dashboard (home page)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from salus.auth.roles import Permission, Viewer
from salus.web.pages import needs
from salus.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/")
def home(request: Request,
         viewer: Annotated[Viewer, Depends(needs(Permission.DASHBOARD))]) -> Response:
    return render(request, "dashboard.html")
