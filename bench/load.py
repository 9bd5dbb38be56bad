"""A small HTTP load generator: client processes sending one request at a time, per-request latencies.

Each client keeps one http.client connection; gunicorn's sync workers close it after every response,
so the latency includes a new TCP connection to 127.0.0.1, as it does for the yardstick.

Standard library only: the client processes are forked and touch nothing of Django's (the caller
closes its database connections first).
"""

from __future__ import annotations

import http.client
import json
import math
import multiprocessing
import os
import time
from dataclasses import dataclass, field
from multiprocessing.synchronize import Barrier


@dataclass(frozen=True)
class Scenario:
    """What one client sends: GET `paths` in turn, or POST a fresh case to `paths[0]` each time."""

    name: str
    method: str
    paths: tuple[str, ...]
    expect: int
    headers: dict[str, str] = field(default_factory=dict)
    # A fixed body for every POST (a form, say) instead of a fresh case each time.
    body: bytes | None = None
    content_type: str = "application/json"


@dataclass
class Outcome:
    """Latencies in milliseconds of every answered request, and the wall time they took together."""

    latencies_ms: list[float]
    seconds: float
    errors: list[str]

    @property
    def requests(self) -> int:
        return len(self.latencies_ms)

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        """Nearest-rank percentile; `p` in 0..100."""
        ordered = sorted(self.latencies_ms)
        if not ordered:
            return float("nan")
        rank = max(1, math.ceil(p / 100 * len(ordered)))
        return ordered[rank - 1]


def case_body(client: int, n: int) -> bytes:
    """A new case that duplicates no other: the phone and e-mail are unique to this client and request."""
    serial = (os.getpid() % 10_000) * 1_000_000 + client * 100_000 + n
    return json.dumps(
        {
            "victim_name": f"벤치 피해자 {serial}",
            "contact_phone": f"010-{serial // 10_000 % 10_000:04d}-{serial % 10_000:04d}",
            "contact_email": f"bench.{serial}@example.org",
            "summary": "합성 이미지가 메신저 방에 유포되었다는 신고 (benchmark).",
            "priority": "high",
        }
    ).encode()


def _client(
    port: int,
    scenarios: tuple[Scenario, ...],
    index: int,
    seconds: float,
    barrier: Barrier,
    results: multiprocessing.Queue,
) -> None:
    """One client: waits for the others, then sends requests one after another until time is up, each of
    `scenarios` in turn (one request of each, then again), and keeps each one's latencies apart."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = []
    for scenario in scenarios:
        sent = {"Accept": "application/json", **scenario.headers}
        if scenario.method == "POST":
            sent["Content-Type"] = scenario.content_type
        headers.append(sent)
    latencies: list[list[float]] = [[] for _ in scenarios]
    errors: list[str] = []
    barrier.wait(timeout=60)
    started = time.perf_counter()
    deadline = started + seconds
    n = index  # each client starts at a different path and walks them in steps of one
    ended = started
    while ended < deadline and not errors:
        for turn, scenario in enumerate(scenarios):
            body = None
            if scenario.method == "POST":
                body = scenario.body if scenario.body is not None else case_body(index, n * len(scenarios) + turn)
            path = scenario.paths[n % len(scenario.paths)]
            before = time.perf_counter()
            try:
                conn.request(scenario.method, path, body=body, headers=headers[turn])
                response = conn.getresponse()
                payload = response.read()
            except (OSError, http.client.HTTPException) as exc:
                errors.append(f"{scenario.method} {path}: {type(exc).__name__}: {exc}")
                break
            ended = time.perf_counter()
            if response.status != scenario.expect:
                errors.append(f"{scenario.method} {path}: HTTP {response.status}: {payload[:300]!r}")
                break
            latencies[turn].append((ended - before) * 1000)
        n += 1
    conn.close()
    results.put((latencies, started, ended, errors))


def run(port: int, scenario: Scenario, *, clients: int, seconds: float) -> Outcome:
    """`clients` processes, each sending one request at a time for `seconds`; together they make the load."""
    return _run(port, (scenario,), clients=clients, seconds=seconds)[0]


def run_paired(port: int, first: Scenario, second: Scenario, *, seconds: float) -> tuple[Outcome, Outcome]:
    """One client sending a request of `first`, then one of `second`, and again, for `seconds`: both meet
    the same machine, request by request. A virtual machine whose speed drifts by a quarter within a
    minute otherwise moves the ratio of two runs taken one after the other by as much."""
    first_outcome, second_outcome = _run(port, (first, second), clients=1, seconds=seconds)
    return first_outcome, second_outcome


def _run(port: int, scenarios: tuple[Scenario, ...], *, clients: int, seconds: float) -> list[Outcome]:
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(clients)
    results = context.Queue()
    processes = [
        context.Process(target=_client, args=(port, scenarios, i, seconds, barrier, results), daemon=True)
        for i in range(clients)
    ]
    for process in processes:
        process.start()
    collected = [results.get(timeout=seconds + 120) for _ in processes]
    for process in processes:
        process.join(timeout=10)
    begin = min(part[1] for part in collected)
    end = max(part[2] for part in collected)
    errors = [error for part in collected for error in part[3]]
    return [
        Outcome(
            latencies_ms=[value for part in collected for value in part[0][turn]], seconds=end - begin, errors=errors
        )
        for turn in range(len(scenarios))
    ]
