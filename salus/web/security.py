"""Security headers on every response: pages, the public site, the API, static files, errors.

A strict Content-Security-Policy (CSP Level 3, W3C) is the second line of defence against
cross-site scripting, after escaping (data reaches the page as text, never as HTML): only
scripts served by Salus itself run, never inline scripts, inline event handlers (``onclick=``),
``eval`` or ``javascript:`` URLs, and nothing loads from elsewhere (the maps use no tile server).
The other headers follow the OWASP Secure Headers Project: no framing (``X-Frame-Options`` and
``frame-ancestors``, against clickjacking), no MIME sniffing, and no full URL (with its query
string) sent to other sites in ``Referer``.

Styles: ``<style>`` elements and style sheets must come from Salus too; only ``style``
*attributes* are allowed (``style-src-attr 'unsafe-inline'``), because ECharts writes them in
its SVG text and tooltip markup. An attribute cannot hold a selector, so it cannot read the page
(the CSS exfiltration attacks need a style sheet).
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP_DIRECTIVES: dict[str, str] = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "style-src-attr": "'unsafe-inline'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}

#: The interactive API documentation (Swagger UI) is the one page that loads a library from a
#: CDN (``cdn.jsdelivr.net``), as FastAPI's own page does; its start-up script is a Salus file.
API_DOCS_PATH = "/api/docs"
SWAGGER_CDN = "https://cdn.jsdelivr.net"


def policy(directives: dict[str, str]) -> str:
    """The ``Content-Security-Policy`` header value of ``directives``."""
    return "; ".join(f"{name} {value}" for name, value in directives.items())


CONTENT_SECURITY_POLICY = policy(CSP_DIRECTIVES)
API_DOCS_POLICY = policy({**CSP_DIRECTIVES, "script-src": f"'self' {SWAGGER_CDN}",
                          "style-src": f"'self' {SWAGGER_CDN}"})

HEADERS: dict[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


class SecurityHeadersMiddleware:
    """Adds :data:`HEADERS` to every HTTP response (pure ASGI, so streamed and error responses
    get them too); a header a route set itself is kept."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        docs = scope["path"] == API_DOCS_PATH

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    headers.setdefault(name, value)
                if docs:
                    headers["Content-Security-Policy"] = API_DOCS_POLICY
            await send(message)

        await self.app(scope, receive, send_with_headers)
