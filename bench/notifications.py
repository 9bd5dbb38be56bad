"""Benchmark of the outbox: 10,000 reminders due at once, delivered by 2 Celery worker processes.

    .venv/bin/python -m bench.notifications [--count 10000] [--workers 2] [--concurrency 1] [--channel email|inbox]
                                            [--redis-url redis://127.0.0.1:6379/0] [--dispatch-in worker|here]

Drops and creates the PostgreSQL database caseflow_bench_notify, migrates it and writes `count`
reminders due now (e-mails to victims, each to an address of its own, or inbox messages to staff).
Starts `--workers` processes of `celery -A caseflow worker --concurrency N` on a queue of their own,
then queues the dispatcher as beat does (it runs in one of those workers) and waits until the last
row is sent. Reports the time from queuing the dispatcher to the last `sent_at` and the deliveries
per second, and checks that none was sent twice: one successful attempt row per notification and, for
e-mail, one message per address in the file written by tests/notifications/mailbox.py's backend.
Beside it, the machine's yardsticks: a commit of its own on that database (every delivery needs one,
commit_yardstick) and bench.run's pure-Python loop. Writes bench/results/notifications.json.

Redis: a redis-server of the bench's own on a free port unless `--redis-url` names one; nothing is
ever flushed, and a queue name of the bench's own keeps its messages apart from anyone else's.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.host import ForeignCpu, calibrate, free_port, wait_until_quiet

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "notifications.json"
DATABASE = "caseflow_bench_notify"
SERVER_URL = "postgres://postgres@127.0.0.1:5432"
TARGET_SECONDS = 10.0  # issue 17: 10,000 reminders due at once, two workers


# Other processes' share of a core above which the figures are called noisy: a run of tens of seconds
# tolerates more than bench.run's short phases.
BUSY_PCT = 15.0


@contextmanager
def own_redis() -> Iterator[str]:
    """A throwaway redis-server on a free port of 127.0.0.1, stopped afterwards."""
    port = free_port()
    executable = shutil.which("redis-server")
    if not executable:
        sys.exit("redis-server is not installed; pass --redis-url to use a running Redis.")
    process = subprocess.Popen(
        [executable, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


def bench_environment(redis_url: str, mailbox: Path, var_dir: Path) -> dict[str, str]:
    """Bench-only settings, public on purpose: they protect synthetic rows on a throwaway database."""
    return {
        "DJANGO_SETTINGS_MODULE": "caseflow.settings",
        "DJANGO_DEBUG": "0",
        "DATABASE_URL": f"{SERVER_URL}/{DATABASE}",
        "REDIS_URL": redis_url,
        "SECRET_KEY": "bench-notify-secret-key-not-for-production-0123456789abcdefghij",
        "CASEFLOW_FIELD_KEYS": "BwHKXj2aALjEpV09H2N61XCmmqIIay8DuCwnv1mruHQ=",
        "CASEFLOW_INDEX_KEY": "bench-notify-index-key-not-for-production-0123456789",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "STATIC_MANIFEST": "0",
        "CASEFLOW_VAR_DIR": str(var_dir),
        "LOG_LEVEL": "WARNING",
        "CELERY_QUEUE": f"bench-notify-{uuid.uuid4().hex[:12]}",
        "EMAIL_BACKEND": "tests.notifications.mailbox.RecordingBackend",
        "CASEFLOW_TEST_MAILBOX": str(mailbox),
    }


def recreate_database() -> None:
    """Drops and creates the bench database (never the product's: its name is fixed here)."""
    import psycopg

    with psycopg.connect(f"{SERVER_URL}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DATABASE}"')


def start_worker(index: int, concurrency: int) -> subprocess.Popen[bytes]:
    queue = os.environ["CELERY_QUEUE"]
    return subprocess.Popen(
        [
            sys.executable, "-m", "celery", "-A", "caseflow", "worker",
            "--loglevel", "WARNING", "--concurrency", str(concurrency), "--hostname", f"bench{index}@%h",
            "--without-gossip", "--without-mingle", "--without-heartbeat", "-Q", queue,
        ],
        cwd=ROOT,
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--concurrency", type=int, default=1, help="processes per worker (docker-compose.yml runs one worker of 4)"
    )
    parser.add_argument("--channel", choices=["email", "inbox"], default="email")
    parser.add_argument("--redis-url", default=None, help="a running Redis (default: a redis-server of our own)")
    parser.add_argument("--dispatch-in", choices=["worker", "here"], default="worker")
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument(
        "--wait-quiet", type=float, default=0, help="wait up to this many seconds for other processes to go idle"
    )
    parser.add_argument(
        "--reuse-db-connections",
        action="store_true",
        help="run the workers with CELERY_DB_REUSE_MAX set (a proposed settings line; see REUSE_SETTINGS)",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="caseflow-bench-notify-") as scratch:
        if args.redis_url:
            run(args, args.redis_url, Path(scratch))
        else:
            with own_redis() as redis_url:
                run(args, redis_url, Path(scratch))


# What --reuse-db-connections adds to caseflow's settings, in a module of the scratch directory: without
# it, Celery's Django fixup closes the database connection before and after every task, so each task
# opens a new PostgreSQL connection.
REUSE_SETTINGS = "from caseflow.settings import *  # noqa: F403\n\nCELERY_DB_REUSE_MAX = 1000\n"


def commit_yardstick(statements: int = 500) -> float:
    """Median milliseconds of a one-row UPDATE committed on its own, on the bench's database (median of
    `statements`). Every delivery commits its claim before its send and its outcome right after (one
    statement, notifications.claims), so that a killed worker repeats at most the message in flight:
    count × this ÷ processes is a floor that the machine's disk sets, whatever the code does."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_commit_yardstick (id integer PRIMARY KEY, n integer NOT NULL)")
        cursor.execute("INSERT INTO bench_commit_yardstick VALUES (1, 0)")
        timings = []
        for _ in range(statements):
            started = time.perf_counter()
            cursor.execute("UPDATE bench_commit_yardstick SET n = n + 1 WHERE id = 1")
            timings.append((time.perf_counter() - started) * 1000)
        cursor.execute("DROP TABLE bench_commit_yardstick")
    return round(sorted(timings)[len(timings) // 2], 3)


def run(args: argparse.Namespace, redis_url: str, scratch: Path) -> None:
    mailbox = scratch / "mailbox.jsonl"
    os.environ.update(bench_environment(redis_url, mailbox, scratch / "var"))
    if args.reuse_db_connections:
        (scratch / "bench_notify_settings.py").write_text(REUSE_SETTINGS, encoding="utf-8")
        os.environ["PYTHONPATH"] = os.pathsep.join([str(scratch), str(ROOT)])
        os.environ["DJANGO_SETTINGS_MODULE"] = "bench_notify_settings"
        sys.path.insert(0, str(scratch))
    for name in ("SECRET_KEY", "CASEFLOW_FIELD_KEYS", "CASEFLOW_INDEX_KEY", "DATABASE_URL", "REDIS_URL"):
        os.environ.pop(f"{name}_FILE", None)
    recreate_database()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.db.models import Count, Max, Min
    from django.utils import timezone

    from accounts.models import Centre, Role, User
    from caseflow.celery import app as celery_app
    from notifications import outbox
    from notifications.models import Channel, Notification, NotificationAttempt, Outcome, State
    from notifications.tasks import dispatch_due

    call_command("migrate", verbosity=0)
    commit_ms, calibration_ms = commit_yardstick(), calibrate()
    centre = Centre.objects.create(name="Bench Centre")
    staff = User.objects.create_user(
        "counsellor@bench.test", None, full_name="Bench Counsellor", centre=centre, role=Role.COUNSELLOR
    )

    # The cost of enqueue() on the request path, over 1,000 calls in one transaction (then removed).
    started = time.perf_counter()
    with transaction.atomic():
        for i in range(1000):
            outbox.enqueue(
                recipient=staff,
                channel=Channel.INBOX,
                template_key="case.followup_due",
                params={"case_id": i},
                language="ko",
                due_at=timezone.now(),
                dedupe_key=f"warmup:{i}",
            )
    enqueue_ms = (time.perf_counter() - started) * 1000 / 1000
    Notification.objects.all().delete()

    now = timezone.now()
    email = args.channel == "email"
    Notification.objects.bulk_create(
        (
            Notification(
                recipient=None if email else staff,
                address=f"victim-{i}@bench.test" if email else None,
                channel=Channel.EMAIL if email else Channel.INBOX,
                template_key="victim.case_updated" if email else "case.followup_due",
                params={"case_id": i},
                language="ko" if i % 2 else "en",
                due_at=now,
                dedupe_key=f"bench:{i}",
                group_key=f"case:{i}",
            )
            for i in range(args.count)
        ),
        batch_size=2000,
    )
    connection.close()

    def our_database_pids() -> set[int]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
            return {row[0] for row in cursor.fetchall()}

    workers = [start_worker(index, args.concurrency) for index in range(1, args.workers + 1)]
    try:
        deadline = time.monotonic() + 60
        while len(celery_app.control.ping(timeout=0.5) or []) < args.workers:
            if time.monotonic() > deadline:
                sys.exit("the workers did not start")
        # What the running workers deliver with, as they read it (notifications.tasks.outbox_settings).
        replies = celery_app.control.broadcast("outbox_settings", reply=True, timeout=2)
        worker_settings = sorted(
            ({"worker": name, **told} for reply in replies or [] for name, told in reply.items()),
            key=lambda entry: str(entry["worker"]),
        )
        busy_before = wait_until_quiet(args.wait_quiet, our_database_pids, BUSY_PCT)
        if busy_before >= BUSY_PCT:
            print(f"WARNING: other processes use {busy_before:.0f}% of a core right now; the figures will be noisy")
        foreign = ForeignCpu(our_database_pids)
        queued_at = timezone.now()
        clock = time.monotonic()
        if args.dispatch_in == "worker":
            dispatch_due.delay()  # as beat does: one of the workers runs the dispatcher
        else:
            dispatch_due()
        sent = 0
        while sent < args.count and time.monotonic() - clock < args.timeout:
            time.sleep(0.2)
            sent = Notification.objects.filter(state=State.SENT).count()
        waited = time.monotonic() - clock
        busy_during = foreign.percent_of_a_core()
    finally:
        for process in workers:
            process.terminate()
        for process in workers:
            process.wait(timeout=30)

    span = Notification.objects.filter(state=State.SENT).aggregate(first=Min("sent_at"), last=Max("sent_at"))
    seconds = (span["last"] - queued_at).total_seconds() if span["last"] else waited
    successes = NotificationAttempt.objects.filter(outcome=Outcome.SENT)
    twice = successes.values("notification").annotate(n=Count("pk")).filter(n__gt=1).count()
    lines = [json.loads(line) for line in mailbox.read_text().splitlines()] if mailbox.exists() else []
    addresses = {address for line in lines for address in line["to"]}
    floor = args.count * commit_ms / (args.workers * args.concurrency) / 1000
    result: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "count": args.count,
        "workers": args.workers,
        "concurrency": args.concurrency,
        "channel": args.channel,
        "dispatcher_ran_in": args.dispatch_in,
        "worker_settings": worker_settings,
        "delivered": sent,
        "seconds_to_last_delivery": round(seconds, 2),
        "seconds_to_first_delivery": round((span["first"] - queued_at).total_seconds(), 3) if span["first"] else None,
        "deliveries_per_second": round(sent / seconds, 1) if seconds else None,
        "successful_attempt_rows": successes.count(),
        "notifications_sent_twice": twice,
        "failed_or_lost_attempts": NotificationAttempt.objects.exclude(outcome=Outcome.SENT).count(),
        "emails_written": len(lines) if email else None,
        "distinct_addresses": len(addresses) if email else None,
        "enqueue_ms_per_call": round(enqueue_ms, 3),
        "target_seconds": TARGET_SECONDS,
        # The machine: a commit of its own (the floor above) and bench.run's pure-Python loop.
        "commit_ms": commit_ms,
        "commit_floor_seconds": round(floor, 2),
        "x_commit_floor": round(seconds / floor, 2) if floor else None,
        "calibration_ms": calibration_ms,
        # Other processes' CPU while this ran, in % of one core (of 2): above 15 the figures are noisy.
        "foreign_cpu_percent_of_a_core": busy_during,
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
    }
    ok = (
        sent == args.count
        and twice == 0
        and successes.count() == args.count
        and (not email or (len(lines) == args.count and len(addresses) == args.count))
    )
    result["none_twice_and_all_delivered"] = ok
    result["met_target"] = ok and seconds < TARGET_SECONDS
    # One entry per configuration, so the figures with and without the proposed setting sit side by side.
    shape = f"{args.workers}-workers" + (f"-of-{args.concurrency}" if args.concurrency != 1 else "")
    configuration = f"{args.channel}-{shape}-" + ("db-reuse" if args.reuse_db_connections else "as-configured")
    previous = json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.exists() else {}
    previous[configuration] = result
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(previous, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))
    if busy_during >= BUSY_PCT:
        print(f"WARNING: other processes used {busy_during:.0f}% of a core during the run; run again when quiet")
    if not ok:
        sys.exit("FAILED: not every reminder was delivered exactly once")


if __name__ == "__main__":
    main()
