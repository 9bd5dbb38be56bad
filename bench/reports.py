"""Benchmark of the supervisor reports at ten years of data: each report page under gunicorn (2 workers).

    .venv/bin/python -m bench.reports [--seconds 8] [--sequential-seconds 5] [--clients 4] [--skip-rebuild]

Needs the data of `python -m bench.generate --reset --takedowns 3000000` (100,000 cases over ten years,
3,000,000 requests). First rebuilds the reports' daily summaries as the nightly task does, and times it.
Then, signed in as a finished two-step sign-in leaves it (bench/sessions.py) as the supervisor of the
centre with the most requests (and as one of its counsellors for her own workload row), measures every
report page with its default filters, and the platforms and trends pages over the whole ten years, at
concurrency 1 and `--clients`.

Queries per page come from Django's test client in-process, for the biggest and the smallest centre:
the count must not depend on the data. The access-log rows and sessions the run adds are deleted at the
end. Writes bench/results/reports.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.sessions.models import Session  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Role, User  # noqa: E402
from bench import load, run  # noqa: E402
from bench.host import BUSY_PCT, calibrate, free_port  # noqa: E402
from bench.sessions import verified_session  # noqa: E402
from bench.settings import RESULTS_DIR  # noqa: E402
from cases.models import AccessLog, Case, Sighting, TakedownRequest  # noqa: E402
from cases.reports import summaries  # noqa: E402

TARGET_P50_MS = 100.0


def pages() -> dict[str, str]:
    today = timezone.localdate()
    ten_years = today - timedelta(days=3652)
    return {
        "workload": "/reports/workload/",
        "ageing": "/reports/ageing/",
        "platforms": "/reports/platforms/",
        "trends": "/reports/trends/",
        "annual": "/reports/annual/",
        "annual_last_year": f"/reports/annual/?year={today.year - 1}",
        "platforms_10y": f"/reports/platforms/?from={ten_years}&to={today}",
        "trends_10y": f"/reports/trends/?from={ten_years}&to={today}",
        "api_platforms": "/api/v1/reports/platforms/",
        "workload_own": "/reports/workload/",
    }


def centres_by_requests() -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT centre_id FROM cases_takedownrequest GROUP BY 1 ORDER BY count(*) DESC")
        rows = [int(row[0]) for row in cursor.fetchall()]
    if not rows:
        raise SystemExit("no takedown requests: run `python -m bench.generate --reset --takedowns 3000000` first")
    return rows


def staff(centre_id: int, role: str) -> User:
    user = User.objects.filter(centre_id=centre_id, role=role, is_active=True).order_by("pk").first()
    if user is None:
        raise SystemExit(f"centre {centre_id} has no active {role}: run bench.generate")
    return user


def queries_per_page(users: dict[str, User]) -> dict[str, Any]:
    """Each page in-process, twice (the first loads what later ones find ready): queries and timings."""
    found: dict[str, Any] = {}
    for name, path in pages().items():
        user = users["counsellor" if name == "workload_own" else "supervisor"]
        client = Client()
        client.cookies[settings.SESSION_COOKIE_NAME] = verified_session(user)
        client.get(path)
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(path)
            elapsed = time.perf_counter() - started
        client.logout()
        if response.status_code != 200:
            raise SystemExit(f"{name} in-process: HTTP {response.status_code}")
        found[name] = {
            "queries": len(queries),
            "in_process_ms": round(elapsed * 1000, 1),
            "sql_ms": [round(float(q["time"]) * 1000, 1) for q in queries.captured_queries],
        }
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=8, help="per page at full concurrency")
    parser.add_argument("--sequential-seconds", type=float, default=5, help="per page at concurrency 1")
    parser.add_argument("--warmup-seconds", type=float, default=2)
    parser.add_argument("--clients", type=int, default=4, help="client processes for the throughput run")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--wait-quiet", type=float, default=0, help="wait up to this many seconds for a quiet machine")
    parser.add_argument("--skip-rebuild", action="store_true", help="use the daily summaries as they are")
    parser.add_argument("--only", default="", help="comma-separated page names")
    args = parser.parse_args(argv)

    order = centres_by_requests()
    biggest, smallest = order[0], order[-1]
    users = {"supervisor": staff(biggest, Role.SUPERVISOR), "counsellor": staff(biggest, Role.COUNSELLOR)}
    dataset = run.dataset()
    dataset["cases_sighting"] = Sighting.objects.count()
    dataset["cases_takedownrequest"] = TakedownRequest.objects.count()
    first_case = Case.objects.order_by("created_at").values_list("created_at", flat=True).first()
    print(f"dataset: {dataset}; oldest case {first_case:%Y-%m-%d}")
    last_access = AccessLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    busy = run.wait_until_quiet(args.wait_quiet)
    rebuild: dict[str, Any] = {}
    if not args.skip_rebuild:
        connections.close_all()
        started = time.perf_counter()
        build = summaries.rebuild()
        rebuild = {"seconds": round(time.perf_counter() - started, 1), "through": str(build.through)}
        with connection.cursor() as cursor:
            for table in ("cases_reportcaseday", "cases_reportplaceday", "cases_reportrequestday"):
                cursor.execute(f"SELECT count(*) FROM {table}")
                rebuild[table] = cursor.fetchone()[0]
            # A freshly written table has no visibility map yet; autovacuum would build it after the rebuild.
            cursor.execute("VACUUM ANALYZE cases_reportcaseday, cases_reportplaceday, cases_reportrequestday")
        print(f"daily summaries rebuilt in {rebuild['seconds']} s: {rebuild}")

    report: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": run.machine(),
        "dataset": dataset,
        "rebuild": rebuild,
        "setup": {
            "gunicorn_workers": args.workers,
            "clients": args.clients,
            "centre": biggest,
            "users": {label: user.email for label, user in users.items()},
            "requests_of_centre": TakedownRequest.objects.filter(centre_id=biggest).count(),
        },
        "calibration_ms": {"before": calibrate()},
        "other_processes_cpu_pct_before": busy,
        "pages": {},
    }
    sessions: dict[str, str] = {}
    port = free_port()
    try:
        report["in_process"] = queries_per_page(users)
        small = {"supervisor": staff(smallest, Role.SUPERVISOR), "counsellor": staff(smallest, Role.COUNSELLOR)}
        report["in_process_smallest_centre"] = {
            name: figures["queries"] for name, figures in queries_per_page(small).items()
        }
        for label, user in users.items():  # the supervisor owes a two-step code: signed in as a finished sign-in
            sessions[label] = verified_session(user)
        connections.close_all()
        with run.gunicorn(port, args.workers):
            print(f"gunicorn: {args.workers} workers on 127.0.0.1:{port}; {args.clients} client processes")
            wanted = {name for name in args.only.split(",") if name}
            for name, path in pages().items():
                if wanted and name not in wanted:
                    continue
                label = "counsellor" if name == "workload_own" else "supervisor"
                accept = "application/json" if name.startswith("api_") else "text/html"
                headers = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={sessions[label]}", "Accept": accept}
                scenario = load.Scenario(name, "GET", (path,), 200, headers)
                figures = run.measure(port, scenario, args)
                figures["path"] = path
                figures["queries_per_request"] = report["in_process"][name]["queries"]
                report["pages"][name] = figures
    finally:
        AccessLog.objects.filter(pk__gt=last_access).delete()
        Session.objects.filter(session_key__in=list(sessions.values())).delete()

    report["calibration_ms"]["after"] = calibrate()
    report["targets"] = {
        f"{name} p50 c1 < {TARGET_P50_MS:.0f} ms": figures["c1"]["p50_ms"] < TARGET_P50_MS
        for name, figures in report["pages"].items()
    }
    same = report["in_process_smallest_centre"] == {k: v["queries"] for k, v in report["in_process"].items()}
    report["targets"]["queries per page the same for the biggest and the smallest centre"] = same
    print_table(report, f"c{args.clients}")
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    written = RESULTS_DIR / "reports.json"
    written.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    print(f"written to {written.relative_to(run.BASE_DIR)}")
    return 0


def print_table(report: dict[str, Any], full: str) -> None:
    facts = report["machine"]
    print()
    print(
        f"{facts['nproc']} cores ({facts['cpu']}), PostgreSQL {facts['postgresql']}, Python {facts['python']}, "
        f"Django {facts['django']}; {report['dataset']['cases_case']:,} cases, "
        f"{report['dataset']['cases_takedownrequest']:,} requests"
    )
    header = (
        f"{'report page':<18} {'req/s ' + full:>11} {'p50 c1':>9} {'p99 c1':>9} {'p50 ' + full:>9} {'p99 ' + full:>9}"
        f" {'queries':>7}"
    )
    print(header)
    print("-" * len(header))
    for name, figures in report["pages"].items():
        one, many = figures["c1"], figures[full]
        print(
            f"{name:<18} {many['per_second']:>11.1f} {one['p50_ms']:>9.1f} {one['p99_ms']:>9.1f} "
            f"{many['p50_ms']:>9.1f} {many['p99_ms']:>9.1f} {figures['queries_per_request']:>7}"
        )
    print("(latencies in ms)")
    before, after = report["calibration_ms"]["before"], report["calibration_ms"]["after"]
    if max(before, after) > 1.15 * min(before, after):
        print(f"WARNING: the machine's speed changed during the run (calibration {before} -> {after} ms); run again")
    busy = [
        f"{name} {label}"
        for name, figures in report["pages"].items()
        for label, phase in figures.items()
        if isinstance(phase, dict) and phase.get("other_processes_cpu_pct", 0) >= BUSY_PCT
    ]
    if busy:
        print(f"WARNING: other processes were busy during {', '.join(busy)}; run again on a quiet machine")
    print("targets: " + ", ".join(f"{label}: {'met' if ok else 'MISSED'}" for label, ok in report["targets"].items()))


if __name__ == "__main__":
    sys.exit(main())
