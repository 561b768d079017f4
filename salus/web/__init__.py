"""The Salus web app: server-rendered pages (Jinja2 + HTMX) and the REST API, one FastAPI app.

``create_app`` builds it; ``serve`` runs it with uvicorn (used by ``salus serve`` and
``salus demo``).
"""

from __future__ import annotations

from salus.web.app import create_app, serve

__all__ = ["create_app", "serve"]
