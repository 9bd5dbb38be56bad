"""Helpers of the outbox tests: enqueue shortcuts, a publisher that collects ids, a Redis server of our own."""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

import pytest
import redis
from django.utils import timezone

from accounts.models import User
from notifications import outbox
from notifications.models import Channel, Notification

_keys = itertools.count(1)


def add(
    *,
    recipient: User | None = None,
    address: str | None = None,
    channel: str = Channel.INBOX,
    template_key: str = "case.followup_due",
    params: dict[str, Any] | None = None,
    language: str = "ko",
    due_at: datetime | None = None,
    dedupe_key: str | None = None,
    group_key: str = "",
) -> Notification:
    """A new notification through the real enqueue(), due now unless told; the caller holds the transaction."""
    created = outbox.enqueue(
        recipient=recipient,
        address=address,
        channel=channel,
        template_key=template_key,
        params=params if params is not None else {"case_id": 1},
        language=language,
        due_at=due_at or timezone.now(),
        dedupe_key=dedupe_key or f"test:{next(_keys)}:{time.monotonic_ns()}",
        group_key=group_key,
    )
    assert created is not None
    return created


class Collector:
    """A publisher for the dispatcher that keeps the ids instead of sending them to a broker."""

    def __init__(self, *, accept: int | None = None) -> None:
        self.ids: list[int] = []
        self.accept = accept  # how many ids the "broker" takes before it fails

    def __call__(self, ids: Sequence[int]) -> int:
        room = len(ids) if self.accept is None else max(0, min(len(ids), self.accept - len(self.ids)))
        self.ids.extend(ids[:room])
        return room


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RedisServer:
    """A redis-server of the test's own on a free port, which the test may stop and start again.

    The machine's shared Redis is never stopped or flushed by these tests.
    """

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        executable = shutil.which("redis-server")
        assert executable, "redis-server is not installed"
        self.process = subprocess.Popen(
            [executable, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=0.5)
        deadline = time.monotonic() + 15
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
            finally:
                client.close()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    """A running redis-server of this test's own; stopped afterwards."""
    if not shutil.which("redis-server"):
        if os.environ.get("CASEFLOW_REQUIRE_SERVICES") == "1":
            pytest.fail("redis-server is not installed (CASEFLOW_REQUIRE_SERVICES=1)", pytrace=False)
        pytest.skip("redis-server is not installed")
    server = RedisServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()
