"""``salus serve --workers N`` (issue 11): several uvicorn processes on one socket, each with
the store and the ``--public`` choice of the command line, stopped cleanly by Ctrl-C."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

SALUS = Path(sys.executable).with_name("salus")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def _server(db_url: str, log: Path, *options: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``salus serve --workers 2`` on a free port, ready to answer; interrupted at the end."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SALUS_")}
    with log.open("wb") as out:
        proc = subprocess.Popen([str(SALUS), "serve", "--db", db_url, "--port", str(port),
                                 "--workers", "2", *options],
                                stdout=out, stderr=subprocess.STDOUT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while len(_worker_pids(log)) < 2 or not _answers(base):
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.3)
        yield base, proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _answers(base: str) -> bool:
    try:
        httpx.get(base + "/api/v1/openapi.json", timeout=5)
    except httpx.TransportError:
        return False
    return True


def _worker_pids(log: Path) -> set[int]:
    """The processes that uvicorn says it started (one line per worker)."""
    text = log.read_text(errors="replace")
    return {int(pid) for pid in re.findall(r"Started server process \[(\d+)\]", text)}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_two_workers_serve_the_signed_in_app_from_the_store_given_and_stop_on_ctrl_c(
        db_url: str, tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    with _server(db_url, log) as (base, proc):
        workers = _worker_pids(log)
        assert len(workers) == 2 and proc.pid not in workers
        assert all(_alive(pid) for pid in workers)

        def fetch(path: str) -> httpx.Response:
            return httpx.get(base + path, timeout=30)

        with ThreadPoolExecutor(8) as pool:
            pages = list(pool.map(fetch, ["/login"] * 20))
        assert all(r.status_code == 200 for r in pages)
        assert all('name="password"' in r.text for r in pages)
        home = fetch("/")
        assert home.status_code in (303, 307) and home.headers["location"].startswith("/login")
        spec = fetch("/api/v1/openapi.json").json()
        assert "/api/v1/incidents" in spec["paths"]

        proc.send_signal(signal.SIGINT)
        assert proc.wait(60) == 0
    assert not any(_alive(pid) for pid in workers)
    assert "Finished server process" in log.read_text()


def test_two_workers_of_a_public_server_serve_only_the_public_site(
        db_url: str, tmp_path: Path) -> None:
    with _server(db_url, tmp_path / "serve.log", "--public") as (base, _proc):
        home = httpx.get(base + "/", timeout=30)
        login = httpx.get(base + "/login", timeout=30)
    assert home.status_code == 200
    assert login.status_code == 404


def test_the_web_app_opens_its_store_with_the_pool_size_of_the_settings(
        db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlalchemy.pool import QueuePool

    from salus.web.app import create_app

    monkeypatch.setenv("SALUS_DB_POOL_SIZE", "3")
    monkeypatch.setenv("SALUS_DB_MAX_OVERFLOW", "2")
    engine = create_app(db_url).state.salus.engine
    try:
        pool = engine.pool
        assert isinstance(pool, QueuePool)
        assert (pool.size(), pool._max_overflow) == (3, 2)
    finally:
        engine.dispose()


def test_a_pool_size_below_one_is_refused_by_the_settings(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from pydantic import ValidationError

    from salus.config import settings

    monkeypatch.setenv("SALUS_DB_POOL_SIZE", "0")
    with pytest.raises(ValidationError, match="db_pool_size"):
        settings()
