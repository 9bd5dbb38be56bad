"""Real processes for tests: a Celery worker on the real broker and a gunicorn server, on the test database."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.db import connections

from caseflow.celery import app as celery_app

ROOT = Path(__file__).resolve().parent.parent


def test_database_url(alias: str) -> str | None:
    """The URL of the database this test run uses (pytest-django's test_… database), for a subprocess."""
    if connections[alias].vendor != "postgresql":
        return None
    s = connections[alias].settings_dict
    auth = quote(s["USER"] or "")
    if s.get("PASSWORD"):
        auth += ":" + quote(s["PASSWORD"])
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def wait_until(predicate, timeout: float = 30.0, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())


@contextmanager
def celery_worker(
    *, concurrency: int = 1, extra_env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """Starts `celery worker` as a real process on this test run's queue; stops it on exit.

    tests/conftest.py gives each run a queue of its own, so messages of an earlier, interrupted run
    are never consumed here, and this worker never takes another run's messages.
    """
    queue = celery_app.conf.task_default_queue
    env = {**os.environ, "CELERY_QUEUE": queue, **(extra_env or {})}
    db_url = test_database_url("default")
    if db_url:
        env["DATABASE_URL"] = db_url
    # The key store of this run too, or the subprocess would not open a single case.
    keystore_url = test_database_url("keystore")
    if keystore_url:
        env["KEYSTORE_URL"] = keystore_url
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "caseflow",
            "worker",
            "--loglevel",
            "WARNING",
            "--concurrency",
            str(concurrency),
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-Q",
            queue,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Answer:
    """One HTTP answer of a server process: status, headers and body as text."""

    status: int
    headers: dict[str, str]
    text: str

    def json(self) -> Any:
        return json.loads(self.text)


@dataclass
class WebServer:
    """A gunicorn of the test's own on 127.0.0.1:`port`; `log` holds what it wrote."""

    port: int
    log: Path

    def call(self, method: str, path: str, *, body: Any = None, token: str | None = None) -> Answer:
        """One request as an API client sends it: JSON in, JSON out, a token if given."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Token {token}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        try:
            conn.request(method, path, body=data, headers=headers)
            response = conn.getresponse()
            return Answer(response.status, dict(response.getheaders()), response.read().decode())
        finally:
            conn.close()


@contextmanager
def web_server(log: Path, *, extra_env: dict[str, str] | None = None) -> Iterator[WebServer]:
    """Starts caseflow under gunicorn (its production config) on the test database; stops it on exit."""
    port = free_port()
    env = {
        **os.environ,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "1",
        "GUNICORN_THREADS": "2",
        "GUNICORN_ACCESS_LOG": "0",
        **(extra_env or {}),
    }
    db_url = test_database_url("default")
    if db_url:
        env["DATABASE_URL"] = db_url
    # The key store of this run too, or the subprocess would not open a single case.
    keystore_url = test_database_url("keystore")
    if keystore_url:
        env["KEYSTORE_URL"] = keystore_url
    server = WebServer(port, log)
    with log.open("wb") as out:
        process = subprocess.Popen(
            # No control socket: it lives at one path per user and would clash with another gunicorn.
            [sys.executable, "-m", "gunicorn", "-c", "caseflow/gunicorn.py", "--no-control-socket", "caseflow.wsgi"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the workers go down with the master
        )
        try:

            def healthy() -> bool:
                assert process.poll() is None, f"gunicorn exited: {log.read_text()[-2000:]}"
                with suppress(OSError):
                    return server.call("GET", "/healthz").status == 200
                return False

            assert wait_until(healthy, timeout=30), f"gunicorn never answered: {log.read_text()[-2000:]}"
            yield server
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
