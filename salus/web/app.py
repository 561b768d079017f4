"""Application factory and server entry point."""

from __future__ import annotations

import os
from importlib import resources

import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp

from salus.api.context import AppState
from salus.config import settings
from salus.storage.db import open_store
from salus.web.security import SecurityHeadersMiddleware
from salus.web.templating import LanguageMiddleware

API_DESCRIPTION = """The Salus REST API. Authenticate with `Authorization: Bearer <token>` (create a
token on your account page) or the browser session (then send `X-CSRF-Token` on writes).
Errors are RFC 9457 `application/problem+json`."""


class SalusApp(FastAPI):
    """FastAPI with the security headers outside Starlette's error middleware, so that even
    the plain "Internal Server Error" answer of an unhandled exception carries them."""

    def build_middleware_stack(self) -> ASGIApp:
        return SecurityHeadersMiddleware(super().build_middleware_stack())


def create_app(engine: sa.Engine | str, *, public: bool = False,
               secure_cookies: bool | None = None,
               suppression_threshold: int | None = None) -> FastAPI:
    """Build the app over a store (an engine, or a database URL opened and migrated here).

    ``public``: only the published dashboard and indicators, no login, small counts suppressed,
    no record-level data. ``secure_cookies``: force the ``Secure`` flag (default: when the
    request came over HTTPS). ``suppression_threshold``: the smallest count published (default:
    ``SALUS_SUPPRESSION_THRESHOLD``, else 5; see :mod:`salus.config`). A URL is opened with
    the pool of ``SALUS_DB_POOL_SIZE`` and ``SALUS_DB_MAX_OVERFLOW``.
    """
    config = settings()
    if suppression_threshold is None:
        suppression_threshold = config.suppression_threshold
    if isinstance(engine, str):
        engine = open_store(engine, pool_size=config.db_pool_size,
                            max_overflow=config.db_max_overflow)
    app = SalusApp(title="Salus", version="1", description=API_DESCRIPTION,
                   docs_url=None, redoc_url=None, openapi_url="/api/v1/openapi.json")
    app.state.salus = AppState(engine=engine, public=public, secure_cookies=secure_cookies,
                               suppression_threshold=suppression_threshold)
    static = resources.files("salus.web").joinpath("static")
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    app.add_middleware(GZipMiddleware, minimum_size=1000)
    app.add_middleware(LanguageMiddleware)
    _install_routes(app, public)
    return app


def _install_routes(app: FastAPI, public: bool) -> None:
    from salus.api import errors as api_errors
    from salus.api import routes as api_routes
    from salus.web import alerts as web_alerts
    from salus.web import api_docs
    from salus.web import errors as web_errors
    from salus.web.routers import PUBLIC_ROUTERS, ROUTERS

    api_errors.install(app)
    web_errors.install(app)
    for router in api_routes.routers(public):
        app.include_router(router, prefix="/api/v1")
    app.include_router(api_docs.router)
    for router in PUBLIC_ROUTERS if public else [*ROUTERS, web_alerts.router]:
        app.include_router(router)


def app_from_environment() -> FastAPI:
    """The app that each worker process of ``salus serve --workers N`` builds (uvicorn's
    ``factory``): the store of ``SALUS_DATABASE_URL``, the public site if ``SALUS_PUBLIC``."""
    config = settings()
    return create_app(config.database_url, public=config.public)


WORKER_HEALTHCHECK_SECONDS = 30
"""How long uvicorn's supervisor waits for a worker to answer its health check before killing
it (uvicorn's default: 5 s). The answer comes from a thread of the worker, which needs the GIL:
under a burst (50 clients sending reports, each request on one of the worker's threads) on a
busy machine, a healthy worker missed 5 s and was killed with its requests in flight (seen in
``tests/test_citizen_reports_serve.py``); a hung worker is still replaced after 30 s."""


def serve(engine_url: str, host: str = "127.0.0.1", port: int = 8000,
          public: bool = False, *, workers: int = 1,
          forwarded_allow_ips: str | None = None) -> None:
    """Run the web app with uvicorn until interrupted (used by ``salus serve`` / ``salus demo``).

    With ``workers`` above 1, uvicorn starts that many processes on one socket, each building
    its app through :func:`app_from_environment`: the URL and ``public`` reach them as
    ``SALUS_DATABASE_URL`` and ``SALUS_PUBLIC`` (spawned processes inherit the environment).
    ``forwarded_allow_ips``: the proxies whose ``X-Forwarded-For`` and ``X-Forwarded-Proto`` are
    believed (uvicorn's default: ``FORWARDED_ALLOW_IPS``, else 127.0.0.1).
    """
    import uvicorn

    if workers < 1:
        raise ValueError(f"workers must be 1 or more, not {workers}")
    if workers == 1:
        uvicorn.run(create_app(engine_url, public=public), host=host, port=port,
                    log_level="info", proxy_headers=True,
                    forwarded_allow_ips=forwarded_allow_ips)
        return
    os.environ["SALUS_DATABASE_URL"] = engine_url
    os.environ["SALUS_PUBLIC"] = "true" if public else "false"
    uvicorn.run("salus.web.app:app_from_environment", factory=True, workers=workers,
                host=host, port=port, log_level="info", proxy_headers=True,
                forwarded_allow_ips=forwarded_allow_ips,
                timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS)
