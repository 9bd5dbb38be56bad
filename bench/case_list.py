"""Benchmark of the staff case list (/cases/) as a supervisor, against a bare view of the same rows.

    .venv/bin/python -m bench.case_list [--seconds 8] [--sequential-seconds 5] [--clients 4] [--wait-quiet 300]

Needs the data of `python -m bench.generate --reset` (100,000 cases over ten years). As the supervisor of
the centre with the most cases, under gunicorn (2 workers), it measures the page with two filters and a
sort (status and harm type, sorted by priority; and a large result, closed cases sorted by last change)
against `/bench/bare-case-list/` (hand-written queries for the same 25 rows and, apart, the total, names
decrypted), at concurrency 1 and `--clients`. The page must answer the same rows as the yardstick.

Queries per page come from Django's test client in-process, for the biggest and the smallest centre and
for a filter that matches no case: the count must not depend on the rows. The supervisor's session is
made as a finished two-step sign-in leaves it (supervisors owe a code). The access-log rows and the
session the run adds are deleted at the end. Writes bench/results/case_list.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from datetime import UTC, datetime
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
from bench.host import calibrate, free_port  # noqa: E402
from bench.sessions import verified_session  # noqa: E402
from bench.settings import RESULTS_DIR  # noqa: E402
from bench.takedowns import request_raw  # noqa: E402
from cases.case_list import CaseFilterForm, filtered  # noqa: E402
from cases.models import AccessLog, Case  # noqa: E402

TARGET_RATIO = 3.0
# name: (filters and sort of the page, the same for the yardstick)
SCENARIOS: dict[str, dict[str, str]] = {
    "open_work": {"status": "in_progress", "harm": "synthetic", "sort": "-priority"},
    "large": {"status": "closed", "harm": "synthetic", "sort": "-updated"},
}


def few_rows(centre_id: int) -> dict[str, str]:
    """Filters that match one case or a few: the oldest in-progress case's status, harm and opening day."""
    case = Case.objects.filter(centre_id=centre_id, status="in_progress").order_by("created_at").first()
    if case is None:
        raise SystemExit("no case in progress: run bench.generate")
    day = timezone.localdate(case.created_at).isoformat()
    return {
        "status": case.status,
        "harm": case.harm_types[0],
        "sort": "-priority",
        "opened_from": day,
        "opened_to": day,
    }


def page_path(filters: dict[str, str]) -> str:
    return "/cases/?" + "&".join(f"{key}={value}" for key, value in filters.items())


def bare_path(centre_id: int, filters: dict[str, str]) -> str:
    return f"/bench/bare-case-list/?centre={centre_id}&" + "&".join(f"{k}={v}" for k, v in filters.items())


def centres_by_cases() -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT centre_id FROM cases_case GROUP BY 1 ORDER BY count(*) DESC")
        return [int(row[0]) for row in cursor.fetchall()]


def supervisor(centre_id: int) -> User:
    user = User.objects.filter(centre_id=centre_id, role=Role.SUPERVISOR, is_active=True).order_by("pk").first()
    if user is None:
        raise SystemExit(f"centre {centre_id} has no supervisor: run bench.generate")
    return user


def shown_ids(html: str) -> list[int]:
    """The case ids of the page's rows, in order (the selection boxes of the bulk assignment)."""
    return [int(value) for value in re.findall(r'name="case" value="(\d+)"', html)]


def queries(user: User, filters: dict[str, str]) -> tuple[int, list[int], list[str]]:
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = verified_session(user)
    path = page_path(filters)
    client.get(path)  # the first request of a process loads what later ones find ready
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    client.logout()  # the session goes
    if response.status_code != 200:
        raise SystemExit(f"{path} in-process: HTTP {response.status_code}")
    return len(captured), shown_ids(response.content.decode()), [q["sql"] for q in captured.captured_queries]


def explain(centre_id: int, filters: dict[str, str]) -> list[str]:
    """EXPLAIN (ANALYZE, BUFFERS) of the page's own query for its rows, as the ORM writes it."""
    user = supervisor(centre_id)
    form = CaseFilterForm(filters, user=user)
    if not form.is_valid():
        raise SystemExit(f"filters not valid: {form.errors}")
    every = filtered(Case.objects.filter(centre_id=centre_id), user, form.cleaned_data)
    sql, params = every[:25].query.sql_with_params()
    total_sql, total_params = every.order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)  # nosec B608 - the ORM's own SQL
        plan = [row[0] for row in cursor.fetchall()]
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) SELECT count(*) FROM ({total_sql}) AS t", total_params)  # nosec B608
        plan += ["-- the total:"] + [row[0] for row in cursor.fetchall()]
    return plan


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=8, help="per scenario at full concurrency")
    parser.add_argument("--sequential-seconds", type=float, default=5, help="per scenario at concurrency 1")
    parser.add_argument("--warmup-seconds", type=float, default=2)
    parser.add_argument("--clients", type=int, default=4, help="client processes for the throughput run")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--wait-quiet", type=float, default=0, help="wait up to this many seconds for a quiet machine")
    args = parser.parse_args(argv)

    order = centres_by_cases()
    if not order:
        raise SystemExit("no cases: run `python -m bench.generate --reset` first")
    biggest, smallest = order[0], order[-1]
    user = supervisor(biggest)
    dataset = run.dataset()
    print(f"dataset: {dataset}; supervisor {user.email}, {Case.objects.filter(centre_id=biggest).count():,} cases")
    last_access = AccessLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    sessions: list[str] = []
    report: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": run.machine(),
        "dataset": dataset,
        "setup": {"gunicorn_workers": args.workers, "clients": args.clients, "centre": biggest, "user": user.email},
        "scenarios": {},
        "in_process": {},
        "explain": {},
    }
    try:
        for name, filters in SCENARIOS.items():
            count, ids, sql = queries(user, filters)
            matching = Case.objects.filter(
                centre_id=biggest, status=filters["status"], harm_types__contains=[filters["harm"]]
            ).count()
            report["in_process"][name] = {"queries": count, "rows": len(ids), "matching": matching, "sql": sql}
            report["in_process"][f"{name}_smallest_centre"] = {"queries": queries(supervisor(smallest), filters)[0]}
            report["explain"][name] = explain(biggest, filters)
        count, ids, _sql = queries(user, few_rows(biggest))
        report["in_process"]["few_rows"] = {"queries": count, "rows": len(ids)}
        counts = {figures["queries"] for figures in report["in_process"].values()}
        per_page = {name: figures["queries"] for name, figures in report["in_process"].items()}
        print(f"queries per page: {sorted(counts)} ({json.dumps(per_page)})")

        busy = run.wait_until_quiet(args.wait_quiet)
        report["other_processes_cpu_pct_before"] = busy
        report["calibration_ms"] = {"before": calibrate()}
        port = free_port()
        session = verified_session(user)
        sessions.append(session)
        connections.close_all()
        with run.gunicorn(port, args.workers):
            headers = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={session}", "Accept": "text/html"}
            print(f"gunicorn: {args.workers} workers on 127.0.0.1:{port}; {args.clients} client processes")
            for name, filters in SCENARIOS.items():
                # The yardstick must answer what the page shows, or the comparison means nothing.
                status, _h, page = load_get(port, page_path(filters), headers)
                status_bare, _h, bare = load_get(port, bare_path(biggest, filters), {})
                if status != 200 or status_bare != 200:
                    raise SystemExit(f"{name}: page HTTP {status}, bare HTTP {status_bare}")
                bare_rows = json.loads(bare)
                if shown_ids(page.decode()) != [row["id"] for row in bare_rows["results"]]:
                    raise SystemExit(f"{name}: the bare view's rows differ from the page's")
                if len(bare_rows["results"]) != 25:
                    raise SystemExit(f"{name}: fewer than 25 rows ({bare_rows['count']} match)")
                figures: dict[str, Any] = {"path": page_path(filters), "total": bare_rows["count"]}
                figures["bare"] = run.measure(
                    port, load.Scenario(f"{name}-bare", "GET", (bare_path(biggest, filters),), 200), args
                )
                figures["page"] = run.measure(
                    port, load.Scenario(name, "GET", (page_path(filters),), 200, headers), args
                )
                figures["queries_per_request"] = report["in_process"][name]["queries"]
                for label in ("c1", f"c{args.clients}"):
                    figures[f"x_bare_p50_{label}"] = round(
                        figures["page"][label]["p50_ms"] / figures["bare"][label]["p50_ms"], 2
                    )
                report["scenarios"][name] = figures
        report["calibration_ms"]["after"] = calibrate()
    finally:
        AccessLog.objects.filter(pk__gt=last_access).delete()
        Session.objects.filter(session_key__in=sessions).delete()

    report["targets"] = {
        f"{name} p50 c1 within {TARGET_RATIO:.0f}x the bare view": figures["x_bare_p50_c1"] <= TARGET_RATIO
        for name, figures in report["scenarios"].items()
    }
    report["targets"]["queries per page the same whatever the rows and the centre"] = len(counts) == 1
    print_table(report, f"c{args.clients}")
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    written = RESULTS_DIR / "case_list.json"
    written.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    print(f"written to {written.relative_to(run.BASE_DIR)}")
    return 0


def load_get(port: int, path: str, headers: dict[str, str]) -> tuple[int, list[tuple[str, str]], bytes]:
    return request_raw(port, "GET", path, headers=headers)


def print_table(report: dict[str, Any], full: str) -> None:
    facts = report["machine"]
    print()
    print(
        f"{facts['nproc']} cores ({facts['cpu']}), PostgreSQL {facts['postgresql']}, Python {facts['python']}, "
        f"Django {facts['django']}; {report['dataset']['cases_case']:,} cases"
    )
    header = (
        f"{'scenario':<16} {'matching':>8} {'req/s ' + full:>11} {'p50 c1':>8} {'p99 c1':>8} {'p50 ' + full:>8}"
        f" {'x bare c1':>9} {'x bare ' + full:>9} {'queries':>7}"
    )
    print(header)
    print("-" * len(header))
    for name, figures in report["scenarios"].items():
        for label in ("bare", "page"):
            one, many = figures[label]["c1"], figures[label][full]
            ratio = (
                f"{figures['x_bare_p50_c1']:>9.2f} {figures[f'x_bare_p50_{full}']:>9.2f}"
                if label == "page"
                else " " * 19
            )
            queries_shown = figures["queries_per_request"] if label == "page" else 1
            print(
                f"{name + ' ' + label:<16} {figures['total']:>8} {many['per_second']:>11.1f} {one['p50_ms']:>8.2f} "
                f"{one['p99_ms']:>8.2f} {many['p50_ms']:>8.2f} {ratio} {queries_shown:>7}"
            )
    print("(latencies in ms)")
    before, after = report["calibration_ms"]["before"], report["calibration_ms"]["after"]
    if max(before, after) > 1.15 * min(before, after):
        print(f"WARNING: the machine's speed changed during the run (calibration {before} -> {after} ms); run again")
    print("targets: " + ", ".join(f"{label}: {'met' if ok else 'MISSED'}" for label, ok in report["targets"].items()))


if __name__ == "__main__":
    sys.exit(main())
