"""Local servers for the notification tests: a minimal SMTP sink and a flaky webhook.

The SMTP server speaks just enough of RFC 5321 (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT)
for :mod:`smtplib`, one connection at a time, and keeps every message it accepted.
"""

from __future__ import annotations

import json
import socketserver
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


class _SmtpHandler(socketserver.StreamRequestHandler):
    def _reply(self, line: str) -> None:
        self.wfile.write((line + "\r\n").encode())

    def handle(self) -> None:
        self._reply("220 localhost test SMTP")
        envelope: dict[str, Any] = {"to": []}
        while line := self.rfile.readline().decode():
            verb = line.strip().split(" ")[0].upper()
            if verb in ("EHLO", "HELO"):
                self._reply("250 localhost")
            elif verb == "MAIL":
                envelope = {"from": line.strip()[10:], "to": []}
                self._reply("250 OK")
            elif verb == "RCPT":
                envelope["to"].append(line.strip()[8:].strip("<>"))
                self._reply("250 OK")
            elif verb == "DATA":
                self._reply("354 end with .")
                envelope["data"] = self._data()
                self.server.messages.append(envelope)  # type: ignore[attr-defined]
                self._reply("250 queued")
            elif verb == "QUIT":
                self._reply("221 bye")
                return
            else:
                self._reply("250 OK")

    def _data(self) -> str:
        lines = []
        while (line := self.rfile.readline().decode()) not in (".\r\n", ""):
            lines.append(line)
        return "".join(lines)


class SmtpSink(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _SmtpHandler)
        self.messages: list[dict[str, Any]] = []
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def port(self) -> int:
        return int(self.server_address[1])


class _HookHandler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        server: FlakyWebhook = self.server  # type: ignore[assignment]
        server.attempts += 1
        if server.attempts <= server.fail_first:
            self.send_response(503)
        else:
            server.received.append(body)
            self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


class FlakyWebhook(ThreadingHTTPServer):
    """Answers 503 to the first ``fail_first`` POSTs, then 204 (keeping the JSON bodies)."""

    daemon_threads = True

    def __init__(self, fail_first: int = 1) -> None:
        super().__init__(("127.0.0.1", 0), _HookHandler)
        self.fail_first, self.attempts = fail_first, 0
        self.received: list[dict[str, Any]] = []
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hook"


def smtp_sink(monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpSink]:
    """An :class:`SmtpSink` that the settings point at (``SALUS_SMTP_HOST``, ``_PORT`` and
    ``_SENDER``), shut down afterwards; for an ``smtp`` fixture to ``yield from``."""
    server = SmtpSink()
    monkeypatch.setenv("SALUS_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SALUS_SMTP_PORT", str(server.port))
    monkeypatch.setenv("SALUS_SMTP_SENDER", "alerts@observatory.test")
    yield server
    server.shutdown()
    server.server_close()
