"""Benchmark of takedown requests: the due list at 3,000,000 requests, and 1,000 pasted URLs drafted at once.

    .venv/bin/python -m bench.takedowns [--seconds 8] [--sequential-seconds 5] [--clients 4] [--repeats 5]

Needs the data of `python -m bench.generate --takedowns 3000000`. Starts gunicorn (2 workers) on a free
port of 127.0.0.1, as bench.run does, and measures:

- the due list, GET /api/v1/takedowns/?overdue=true&ordering=deadline (API token) and the page
  /takedowns/due/ (a token and a session as a finished two-step sign-in leaves them: bench/sessions.py),
  each as a supervisor of the centre with the most requests (she sees all of them) and as one of its
  counsellors, at concurrency 1 and `--clients`;
- `--repeats` times on a fresh case of that counsellor: POST /api/v1/cases/{id}/sightings/bulk/ with
  1,000 lines (addresses on the seeded platforms' domains and on unknown hosts, with tracking
  parameters and other spellings that canonicalisation removes), then POST …/draft-takedowns/.

Queries per request come from Django's test client in-process; EXPLAIN (ANALYZE, BUFFERS) of the
supervisor's due-list queries says whether the partial index takedown_due_idx is used, and of the
counsellor's API how each table is read (index only, or a heap page per row). The cases the
run opens (with their sightings and requests) and its sessions and tokens are deleted at the end.
Writes bench/results/takedowns.json.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import statistics
import sys
import time
from datetime import UTC, datetime
from typing import Any, cast

os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.sessions.models import Session  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.db.models import QuerySet  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from knox.models import AuthToken  # noqa: E402
from knox.settings import CONSTANTS  # noqa: E402

from accounts.models import Role, User  # noqa: E402
from bench import load, run  # noqa: E402
from bench.host import BUSY_PCT, calibrate, free_port  # noqa: E402
from bench.sessions import api_token, verified_session  # noqa: E402
from bench.settings import RESULTS_DIR  # noqa: E402
from cases.access import cases_visible_to  # noqa: E402
from cases.models import AccessLog, Case, PlatformDomain, TakedownRequest  # noqa: E402

API_DUE = "/api/v1/takedowns/?overdue=true&ordering=deadline"
PAGE_DUE = "/takedowns/due/"
BULK_LINES = 1000
TARGET_DUE_P50_MS = 50.0  # the pages (the takedowns issue)
TARGET_DUE_API_P50_MS = 20.0  # the API, supervisor and counsellor alike (issue 17)
TARGET_BULK_SECONDS = 2.0

# --- HTTP with cookies (the page needs a session) -----------------------------------------------------


def request_raw(
    port: int, method: str, path: str, *, body: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, list[tuple[str, str]], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        conn.close()


# --- 1,000 pasted addresses ------------------------------------------------------------------------------

_UNKNOWN = ["leak-videos.example", "kr-hidden.example", "imgbox24.example", "anon-board.example", "clipz.example"]
_TRACKING = ["utm_source=share", "utm_medium=social&utm_campaign=x", "fbclid=IwAR0abc", "gclid=Cj0KCQ", "_ga=2.1.2"]


def pasted_lines(seed: int, domains: list[str]) -> list[str]:
    """1,000 distinct addresses as counsellors paste them: 70 % on the directory's domains (sometimes on
    a subdomain, m. or www.), the rest on unknown hosts; spellings that canonicalisation undoes (upper
    case host, no scheme, default port, fragment, tracking and share parameters), one address a line."""
    rng = random.Random(seed)
    lines = []
    for n in range(BULK_LINES):
        if rng.random() < 0.7:
            host = rng.choice(domains)
            if rng.random() < 0.3 and host.count(".") == 1:
                host = rng.choice(("www.", "m.", "mobile.")) + host
        else:
            host = rng.choice(_UNKNOWN)
        path = f"/p/{seed}-{n}/{rng.randrange(10**6)}"
        query = [f"id={n}"] if rng.random() < 0.5 else []
        if rng.random() < 0.6:
            query.append(rng.choice(_TRACKING))
        if host.endswith(("youtube.com", "youtu.be")):
            query.append("si=AbCdEf123&feature=share")
        if host.endswith(("x.com", "twitter.com")):
            query.append("s=20&t=Zx9")
        url = host.upper() if rng.random() < 0.1 else host
        if rng.random() < 0.1:
            url += ":443"
        url += path + ("?" + "&".join(query) if query else "")
        if rng.random() < 0.2:
            url += "#comments"
        scheme = rng.choice(("https://", "https://", "http://", ""))
        lines.append(scheme + url)
    return lines


def bulk_and_draft(port: int, token: str, repeats: int, domains: list[str]) -> dict[str, Any]:
    """Each repeat: a fresh case, 1,000 lines pasted in one request, then one draft per platform."""
    runs = []
    for repeat in range(repeats):
        case = run.expect(port, 201, "POST", "/api/v1/cases/", body=json.loads(load.case_body(90, repeat)), token=token)
        text = "\n".join(pasted_lines(1000 + repeat, domains))
        started = time.perf_counter()
        added = run.expect(
            port, 200, "POST", f"/api/v1/cases/{case['id']}/sightings/bulk/", body={"text": text}, token=token
        )
        pasted = time.perf_counter()
        drafts = cast(
            list[dict[str, Any]],
            run.expect(port, 201, "POST", f"/api/v1/cases/{case['id']}/draft-takedowns/", token=token),
        )
        drafted = time.perf_counter()
        covered = sum(len(draft["sightings"]) for draft in drafts)
        if added["created"] != BULK_LINES or covered != BULK_LINES:
            raise SystemExit(
                f"expected {BULK_LINES} new places in drafts: created {added['created']}, "
                f"duplicates {added['duplicate']}, rejected {added['rejected']}, in drafts {covered}"
            )
        runs.append(
            {
                "case": case["id"],
                "bulk_s": round(pasted - started, 3),
                "draft_s": round(drafted - pasted, 3),
                "total_s": round(drafted - started, 3),
                "drafts": len(drafts),
            }
        )
        print(
            f"  bulk+draft #{repeat + 1}: sightings/bulk {pasted - started:6.3f} s, draft-takedowns "
            f"{drafted - pasted:6.3f} s ({len(drafts)} drafts), together {drafted - started:6.3f} s",
            flush=True,
        )
    summary: dict[str, Any] = {"runs": runs}
    for key in ("bulk_s", "draft_s", "total_s"):
        values = [r[key] for r in runs]
        summary[key] = {"min": min(values), "median": statistics.median(values), "max": max(values)}
    return summary


# --- In-process: queries per request, EXPLAIN -----------------------------------------------------------


def in_process(supervisor: User, counsellor: User, domains: list[str]) -> dict[str, Any]:
    """Queries per request of each measured request, in-process with the test client on the same data;
    the SQL of the supervisor's due list, for EXPLAIN."""
    found: dict[str, Any] = {}
    for label, user in (("supervisor", supervisor), ("counsellor", counsellor)):
        token = AuthToken.objects.create(user=user)[1]
        api = Client(HTTP_AUTHORIZATION=f"Token {token}")
        page = Client()
        page.cookies[settings.SESSION_COOKIE_NAME] = verified_session(user)
        try:
            for name, request in (("api", lambda c=api: c.get(API_DUE)), ("page", lambda c=page: c.get(PAGE_DUE))):
                request()  # the first request of a process loads what later ones find ready
                with CaptureQueriesContext(connection) as queries:
                    started = time.perf_counter()
                    response = request()
                    elapsed = time.perf_counter() - started
                if response.status_code != 200:
                    raise SystemExit(f"{name} as {label} in-process: HTTP {response.status_code}")
                found[f"{name}_{label}"] = {
                    "queries": len(queries),
                    "in_process_ms": round(elapsed * 1000, 1),
                    "sql_ms": [round(float(q["time"]) * 1000, 1) for q in queries.captured_queries],
                    "sql": [q["sql"] for q in queries.captured_queries],
                }
        finally:
            AuthToken.objects.filter(token_key=token[: CONSTANTS.TOKEN_KEY_LENGTH]).delete()
            page.logout()
    # The bulk paste and the drafting, on a fresh case of the counsellor (deleted with the others).
    token = AuthToken.objects.create(user=counsellor)[1]
    api = Client(HTTP_AUTHORIZATION=f"Token {token}")
    try:
        case = api.post("/api/v1/cases/", json.loads(load.case_body(91, 0)), content_type="application/json").json()
        text = "\n".join(pasted_lines(999, domains))
        for name, path, body in (
            ("bulk", f"/api/v1/cases/{case['id']}/sightings/bulk/", {"text": text}),
            ("draft", f"/api/v1/cases/{case['id']}/draft-takedowns/", None),
        ):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = api.post(path, body, content_type="application/json")
                elapsed = time.perf_counter() - started
            if response.status_code not in (200, 201):
                raise SystemExit(f"{name} in-process: HTTP {response.status_code}: {response.content[:300]!r}")
            sql_ms = sum(float(q["time"]) for q in queries.captured_queries) * 1000
            found[name] = {
                "queries": len(queries),
                "in_process_ms": round(elapsed * 1000, 1),
                "sql_total_ms": round(sql_ms, 1),
                "slowest_sql": [
                    {"ms": round(float(q["time"]) * 1000, 1), "sql": q["sql"][:300]}
                    for q in sorted(queries.captured_queries, key=lambda q: -float(q["time"]))[:5]
                ],
            }
    finally:
        AuthToken.objects.filter(token_key=token[: CONSTANTS.TOKEN_KEY_LENGTH]).delete()
    return found


def explain(statements: list[str]) -> list[dict[str, Any]]:
    """EXPLAIN (ANALYZE, BUFFERS) of the statements that read takedown requests."""
    plans = []
    with connection.cursor() as cursor:
        for statement in statements:
            if "cases_takedownrequest" not in statement or not statement.lstrip().upper().startswith("SELECT"):
                continue
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement)
            lines = [row[0] for row in cursor.fetchall()]
            total = next((line for line in reversed(lines) if line.startswith("Execution Time")), "")
            plans.append(
                {
                    "sql": statement,
                    "uses_takedown_due_idx": any("takedown_due_idx" in line for line in lines),
                    "execution": total,
                    "scans": scans(lines),
                    "plan": lines,
                }
            )
    return plans


SCAN = re.compile(r"(Seq Scan|Index Only Scan|Index Scan|Bitmap Heap Scan)(?: using (\S+))? on (cases_\w+)")


def scans(lines: list[str]) -> list[str]:
    """How a plan reads each table, e.g. "Index Only Scan case_mine_status_idx on cases_case (1713 rows)":
    whether the counsellor's due list reads a heap page per case of hers is read off here."""
    found = []
    for line in lines:
        match = SCAN.search(line)
        if match:
            rows = re.search(r"actual time=\S+ rows=(\d+) loops=(\d+)", line)
            count = f" ({int(rows[1]) * int(rows[2])} rows)" if rows else ""
            found.append(f"{match[1]}{' ' + match[2] if match[2] else ''} on {match[3]}{count}")
    return found


# --- Main ----------------------------------------------------------------------------------------------


def biggest_centre() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT centre_id FROM cases_takedownrequest GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
        row = cursor.fetchone()
    if row is None:
        raise SystemExit("no takedown requests: run `python -m bench.generate --takedowns 3000000` first")
    return int(row[0])


def due_scenarios(port: int, tokens: dict[str, str], sessions: dict[str, str]) -> list[load.Scenario]:
    scenarios = []
    for label in ("supervisor", "counsellor"):
        auth = {"Authorization": f"Token {tokens[label]}"}
        scenarios.append(load.Scenario(f"api_{label}", "GET", (API_DUE,), 200, auth))
    for label in ("supervisor", "counsellor"):
        cookie = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={sessions[label]}", "Accept": "text/html"}
        scenarios.append(load.Scenario(f"page_{label}", "GET", (PAGE_DUE,), 200, cookie))
    return scenarios


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=8, help="per due-list scenario at full concurrency")
    parser.add_argument("--sequential-seconds", type=float, default=5, help="per due-list scenario at concurrency 1")
    parser.add_argument("--warmup-seconds", type=float, default=2)
    parser.add_argument("--clients", type=int, default=4, help="client processes for the throughput run")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--repeats", type=int, default=5, help="bulk paste + draft runs, each on a fresh case")
    parser.add_argument(
        "--wait-quiet", type=float, default=0, help="wait up to this many seconds for other processes to go idle"
    )
    parser.add_argument("--skip-due", action="store_true", help="only the bulk paste and drafting")
    args = parser.parse_args(argv)
    if not 1 <= args.repeats <= 20:
        parser.error("--repeats must be between 1 and 20")

    centre_id = biggest_centre()
    supervisor = User.objects.filter(centre_id=centre_id, role=Role.SUPERVISOR).order_by("pk").first()
    counsellor = User.objects.filter(centre_id=centre_id, role=Role.COUNSELLOR).order_by("pk").first()
    if supervisor is None or counsellor is None:
        raise SystemExit(f"centre {centre_id} needs a supervisor and a counsellor: run bench.generate")
    users = {"supervisor": supervisor, "counsellor": counsellor}
    domains = sorted(PlatformDomain.objects.values_list("domain", flat=True))
    visible = {
        label: {
            "requests": TakedownRequest.objects.filter(case__in=_visible_cases(user)).count(),
            "open_with_deadline": TakedownRequest.objects.filter(
                case__in=_visible_cases(user), status__in=["sent", "acknowledged", "escalated"]
            ).count(),
        }
        for label, user in users.items()
    }
    dataset = run.dataset()
    dataset["cases_takedownrequest"] = TakedownRequest.objects.count()
    print(f"dataset: {dataset}")
    for label, user in users.items():
        print(
            f"{label} {user.email}: sees {visible[label]['requests']:,} requests, "
            f"{visible[label]['open_with_deadline']:,} open with a deadline"
        )
    # What this run adds is removed at the end: its cases (with their sightings, requests, events), and
    # the access-log rows, sessions and tokens it made.
    last_case = Case.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    last_access = AccessLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    busy = run.wait_until_quiet(args.wait_quiet)
    if busy >= BUSY_PCT:
        print(f"WARNING: other processes use {busy:.0f}% of a core right now; the figures will be noisy")
    report: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": run.machine(),
        "dataset": dataset,
        "setup": {
            "gunicorn_workers": args.workers,
            "clients": args.clients,
            "seconds": args.seconds,
            "sequential_seconds": args.sequential_seconds,
            "centre": centre_id,
            "users": {label: user.email for label, user in users.items()},
            "visible": visible,
        },
        "calibration_ms": {"before": calibrate()},
        "other_processes_cpu_pct_before": busy,
        "due": {},
    }
    tokens: dict[str, str] = {}
    sessions: dict[str, str] = {}
    port = free_port()
    try:
        report["in_process"] = in_process(supervisor, counsellor, domains)
        report["explain_supervisor_api"] = explain(report["in_process"]["api_supervisor"]["sql"])
        report["explain_supervisor_page"] = explain(report["in_process"]["page_supervisor"]["sql"])
        report["explain_counsellor_api"] = explain(report["in_process"]["api_counsellor"]["sql"])
        # Signed in as a finished sign-in leaves it: the supervisor owes a two-step code.
        for label, user in users.items():
            tokens[label] = api_token(user)
            sessions[label] = verified_session(user)
        connections.close_all()
        with run.gunicorn(port, args.workers):
            print(f"gunicorn: {args.workers} workers on 127.0.0.1:{port}; {args.clients} client processes")
            if not args.skip_due:
                for scenario in due_scenarios(port, tokens, sessions):
                    figures = run.measure(port, scenario, args)
                    figures["queries_per_request"] = report["in_process"][scenario.name]["queries"]
                    report["due"][scenario.name] = figures
            report["bulk"] = bulk_and_draft(port, tokens["counsellor"], args.repeats, domains)
    finally:
        cleanup(last_case, last_access, tokens, sessions)

    report["calibration_ms"]["after"] = calibrate()
    full = f"c{args.clients}"
    due = report["due"]
    targets = {}
    for name in due:
        target = TARGET_DUE_API_P50_MS if name.startswith("api_") else TARGET_DUE_P50_MS
        targets[f"due {name} p50 c1 < {target:.0f} ms"] = due[name]["c1"]["p50_ms"] < target
    targets[f"bulk 1,000 + draft median < {TARGET_BULK_SECONDS:.0f} s"] = (
        report["bulk"]["total_s"]["median"] < TARGET_BULK_SECONDS
    )
    report["targets"] = targets
    print_table(report, full)
    path = RESULTS_DIR / "takedowns.json"
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    print(f"written to {path.relative_to(run.BASE_DIR)}")
    return 0


def _visible_cases(user: User) -> QuerySet[Case]:
    return cases_visible_to(user)


def cleanup(last_case: int, last_access: int, tokens: dict[str, str], sessions: dict[str, str]) -> None:
    """Removes what the run added, so that every run reads the same data (bench data only)."""
    AccessLog.objects.filter(pk__gt=last_access).delete()
    # Sightings, takedown requests with their items, events: all go with their case (on_delete=CASCADE).
    Case.objects.filter(pk__gt=last_case).delete()
    for token in tokens.values():
        AuthToken.objects.filter(token_key=token[: CONSTANTS.TOKEN_KEY_LENGTH]).delete()
    Session.objects.filter(session_key__in=list(sessions.values())).delete()
    with connection.cursor() as cursor:
        cursor.execute(
            "VACUUM (ANALYZE) cases_case, cases_caseevent, cases_accesslog, cases_sighting, cases_takedownrequest,"
            " cases_takedownitem, knox_authtoken"
        )


def print_table(report: dict[str, Any], full: str) -> None:
    facts = report["machine"]
    print()
    print(
        f"{facts['nproc']} cores ({facts['cpu']}), PostgreSQL {facts['postgresql']}, Python {facts['python']}, "
        f"Django {facts['django']}; {report['dataset']['cases_takedownrequest']:,} takedown requests"
    )
    header = (
        f"{'due list':<18} {'req/s ' + full:>11} {'p50 c1':>9} {'p99 c1':>9} {'p50 ' + full:>9} {'p99 ' + full:>9}"
        f" {'queries':>7}"
    )
    print(header)
    print("-" * len(header))
    for name, figures in report["due"].items():
        one, many = figures["c1"], figures[full]
        print(
            f"{name:<18} {many['per_second']:>11.1f} {one['p50_ms']:>9.1f} {one['p99_ms']:>9.1f} "
            f"{many['p50_ms']:>9.1f} {many['p99_ms']:>9.1f} {figures['queries_per_request']:>7}"
        )
    print("(latencies in ms)")
    bulk = report["bulk"]
    print(f"{'1,000 URLs (s)':<18} {'min':>7} {'median':>7} {'max':>7}")
    for key, label in (("bulk_s", "sightings/bulk"), ("draft_s", "draft-takedowns"), ("total_s", "together")):
        print(f"{label:<18} {bulk[key]['min']:>7.3f} {bulk[key]['median']:>7.3f} {bulk[key]['max']:>7.3f}")
    for name in ("bulk", "draft"):
        facts_in = report["in_process"][name]
        print(
            f"in-process {name}: {facts_in['queries']} queries, {facts_in['in_process_ms']:.0f} ms "
            f"of which SQL {facts_in['sql_total_ms']:.0f} ms"
        )
    for key in ("explain_supervisor_api", "explain_supervisor_page", "explain_counsellor_api"):
        for plan in report[key]:
            print(
                f"{key}: {plan['execution']}; "
                f"takedown_due_idx {'used' if plan['uses_takedown_due_idx'] else 'NOT used'}"
                f"; {plan['sql'][:90]}…"
            )
            print(f"  reads: {'; '.join(plan['scans'])}")
    before, after = report["calibration_ms"]["before"], report["calibration_ms"]["after"]
    if max(before, after) > 1.15 * min(before, after):
        print(f"WARNING: the machine's speed changed during the run (calibration {before} -> {after} ms); run again")
    busy = [
        f"{name} {label}"
        for name, figures in report["due"].items()
        for label, phase in figures.items()
        if isinstance(phase, dict) and phase.get("other_processes_cpu_pct", 0) >= BUSY_PCT
    ]
    if busy:
        print(f"WARNING: other processes were busy during {', '.join(busy)}; run again on a quiet machine")
    print("targets: " + ", ".join(f"{label}: {'met' if ok else 'MISSED'}" for label, ok in report["targets"].items()))


if __name__ == "__main__":
    sys.exit(main())
