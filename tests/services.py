"""Real processes for tests: a Celery worker on the real broker, talking to the test database."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from django.db import connection

from caseflow.celery import app as celery_app

ROOT = Path(__file__).resolve().parent.parent


def test_database_url() -> str | None:
    """The URL of the database this test run uses (pytest-django's test_… database), for a subprocess."""
    if connection.vendor != "postgresql":
        return None
    s = connection.settings_dict
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
    db_url = test_database_url()
    if db_url:
        env["DATABASE_URL"] = db_url
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
