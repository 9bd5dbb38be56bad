"""What every benchmark needs of the machine it runs on: a free port, and the CPU other processes use.

Standard library only: bench.notifications imports it before it has configured Django.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path

BUSY_PCT = 10.0  # CPU that other processes may use during a measurement before its figures are suspect


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _process_cpu() -> dict[int, tuple[int, int]]:
    """Every process's parent id and CPU time so far (clock ticks), from /proc."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with suppress(OSError, ValueError, IndexError):
            # The command name, in brackets, may hold spaces: the fields that follow it are split.
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            found[int(entry.name)] = (int(fields[1]), int(fields[11]) + int(fields[12]))
    return found


class ForeignCpu:
    """How much CPU processes other than this benchmark's used since it was created: the machine has 2
    cores, and a test suite running beside the benchmark changes its figures more than any code change does.

    Ours: this process, its children (gunicorn, workers, clients) and the database processes that
    `our_database_pids` names (those serving the benchmark's database)."""

    def __init__(self, our_database_pids: Callable[[], set[int]]) -> None:
        self.our_database_pids = our_database_pids
        self.before = _process_cpu()
        self.started = time.monotonic()

    def percent_of_a_core(self) -> float:
        after = _process_cpu()
        seconds = time.monotonic() - self.started
        ours = self.our_database_pids() | {os.getpid()}
        ticks = 0
        for pid, (_parent, cpu) in after.items():
            ancestor, hops = pid, 0
            while ancestor not in ours and ancestor in after and hops < 10:
                ancestor, hops = after[ancestor][0], hops + 1
            if ancestor not in ours and pid in self.before:
                ticks += cpu - self.before[pid][1]
        return round(100 * ticks / os.sysconf("SC_CLK_TCK") / seconds, 1) if seconds else 0.0


def wait_until_quiet(seconds: float, our_database_pids: Callable[[], set[int]], busy_pct: float = BUSY_PCT) -> float:
    """Waits up to `seconds` for other processes to leave the CPUs alone; their last share of a core."""
    deadline = time.monotonic() + seconds
    while True:
        sample = ForeignCpu(our_database_pids)
        time.sleep(2)
        busy = sample.percent_of_a_core()
        if busy < busy_pct or time.monotonic() >= deadline:
            return busy
        print(f"waiting: other processes use {busy:.0f}% of a core", flush=True)


def calibrate() -> float:
    """Milliseconds of a fixed pure-Python loop (median of 15): the same before and after on a quiet machine."""
    timings = []
    for _ in range(15):
        started = time.perf_counter()
        total = 0
        for i in range(200_000):
            total += i * i
        timings.append((time.perf_counter() - started) * 1000)
    return round(sorted(timings)[len(timings) // 2], 2)
