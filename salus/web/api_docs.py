"""The interactive API documentation at ``/api/docs`` (Swagger UI), without inline script.

FastAPI's own page starts Swagger UI with an inline ``<script>``, which the Content-Security-
Policy forbids (:mod:`salus.web.security`); this page loads the same Swagger UI 5 files from
``cdn.jsdelivr.net`` and starts it from ``/static/js/api-docs.js``, which reads the OpenAPI
address from the page's ``data-openapi`` attribute.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from salus.web.security import API_DOCS_PATH, SWAGGER_CDN

OPENAPI_URL = "/api/v1/openapi.json"
SWAGGER = f"{SWAGGER_CDN}/npm/swagger-ui-dist@5"
PAGE = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Salus API</title>
<link rel="stylesheet" href="{SWAGGER}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui" data-openapi="{OPENAPI_URL}"></div>
<script src="{SWAGGER}/swagger-ui-bundle.js"></script>
<script src="/static/js/api-docs.js"></script>
</body>
</html>
"""

router = APIRouter(include_in_schema=False)


@router.get(API_DOCS_PATH)
def api_docs() -> HTMLResponse:
    return HTMLResponse(PAGE)
