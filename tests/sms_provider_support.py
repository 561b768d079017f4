"""A real SMS provider for the tests: an HTTP server on 127.0.0.1 in a thread that records the
JSON payloads the outbox worker posts (issue 13). Only the outside network is stood in for."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Provider:
    """An SMS provider on 127.0.0.1: records every POST; answers with ``statuses`` in turn
    (then 200), each after ``delay_s`` seconds."""

    def __init__(self, statuses: list[int] | None = None, delay_s: float = 0.0) -> None:
        self.received: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.statuses = list(statuses or [])
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                time.sleep(delay_s)
                outer.received.append(json.loads(body))
                outer.headers.append(dict(self.headers))
                status = outer.statuses.pop(0) if outer.statuses else 200
                answer = json.dumps({"id": f"P{len(outer.received)}"}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/messages"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
