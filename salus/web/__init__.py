"""The Salus web app: server-rendered pages (Jinja2 + HTMX) and the REST API, one FastAPI app.

:func:`salus.web.app.create_app` builds it; :func:`salus.web.app.serve` runs it with uvicorn
(used by ``salus serve`` and ``salus demo``). This package's ``__init__`` imports nothing, so
its modules may import each other without going through the app.
"""
