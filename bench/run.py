"""Benchmark of the cases API against a bare Django view, under gunicorn with 2 workers.

    .venv/bin/python -m bench.run [--seconds 10] [--sequential-seconds 5] [--clients 4]

Needs the data of `python -m bench.generate`. Starts gunicorn on a free port of 127.0.0.1, signs in
as one counsellor with an API token, then measures each scenario at concurrency 1 (latency without
queueing) and at concurrency `--clients` (throughput), and writes bench/results/cases.json.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from knox.models import AuthToken  # noqa: E402
from knox.settings import CONSTANTS  # noqa: E402

from accounts.models import User  # noqa: E402
from bench import host, load  # noqa: E402
from bench.host import BUSY_PCT, ForeignCpu, calibrate, free_port  # noqa: E402
from bench.sealing import exact_indexes, name_gram_indexes  # noqa: E402
from bench.settings import BENCH_PASSWORD, RESULTS_DIR  # noqa: E402
from cases.models import AccessLog, Case, CaseEvent, NameGram, Status  # noqa: E402
from keystore import index_keys  # noqa: E402
from keystore.models import CaseKey  # noqa: E402
from keystore.router import KEYSTORE  # noqa: E402

BASE_DIR = Path(settings.BASE_DIR)
LIST_PATH = "/api/v1/cases/?status=in_progress&assigned_to=me"
PAGE_SIZE = 25
SCENARIOS = ("bare", "list", "detail", "bare_create", "create")
# Each scenario's yardstick: the bare view that does the same work by hand (the detail has none of its
# own and is set against the list's). A yardstick is measured whenever one of its scenarios is.
YARDSTICK = {"bare": "bare", "list": "bare", "detail": "bare", "bare_create": "bare_create", "create": "bare_create"}
TARGET_P50_MS = 10.0
TARGET_CREATE_PER_SECOND = 200.0


def call(
    port: int, method: str, path: str, *, body: Any = None, token: str | None = None
) -> tuple[int, dict[str, Any]]:
    """One request to the bench server; the answer's status and JSON body."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
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
        raw = response.read()
    finally:
        conn.close()
    return response.status, json.loads(raw) if raw else {}


def expect(port: int, status: int, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
    got, body = call(port, method, path, **kwargs)
    if got != status:
        raise SystemExit(f"{method} {path}: expected HTTP {status}, got {got}: {str(body)[:500]}")
    return body


@contextmanager
def gunicorn(port: int, workers: int) -> Iterator[subprocess.Popen[bytes]]:
    """gunicorn with caseflow's own config on 127.0.0.1:`port`; stopped on the way out, error or not."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": str(workers),
        "GUNICORN_THREADS": "1",
        "GUNICORN_ACCESS_LOG": "0",
    }
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    log_path = RESULTS_DIR / "gunicorn.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            # No control socket: it lives at one path per user and would clash with another gunicorn.
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                "caseflow/gunicorn.py",
                "--no-control-socket",
                "caseflow.wsgi:application",
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the workers go down with the master
        )
        try:
            wait_until_healthy(port, process, log_path)
            yield process
        finally:
            stop(process)


def wait_until_healthy(port: int, process: subprocess.Popen[bytes], log_path: Path, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode}:\n{log_path.read_text()[-2000:]}")
        with suppress(OSError):
            if call(port, "GET", "/healthz")[0] == 200:
                return
        time.sleep(0.1)
    raise SystemExit(f"gunicorn did not answer /healthz within {seconds:.0f} s:\n{log_path.read_text()[-2000:]}")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


def count_queries(token: str, case_id: int, bare_list: str, bare_create: str) -> dict[str, dict[str, Any]]:
    """SQL queries per request of each endpoint, in-process with Django's test client, same database;
    apart, those sent to the key store (case keys, index keys)."""
    client = Client(HTTP_AUTHORIZATION=f"Token {token}")
    bodies = iter(json.loads(load.case_body(99, n)) for n in range(100))  # a new person each: no duplicate
    requests = {
        "bare": lambda: client.get(bare_list),
        "list": lambda: client.get(LIST_PATH),
        "detail": lambda: client.get(f"/api/v1/cases/{case_id}/"),
        "bare_create": lambda: client.post(bare_create, next(bodies), content_type="application/json"),
        "create": lambda: client.post("/api/v1/cases/", next(bodies), content_type="application/json"),
    }
    found: dict[str, dict[str, Any]] = {}
    for name, request in requests.items():
        request()  # the first request of a process loads what later ones find ready
        with CaptureQueriesContext(connection) as queries, CaptureQueriesContext(connections[KEYSTORE]) as keys:
            response = request()
        if response.status_code not in (200, 201):
            raise SystemExit(f"{name} in-process: HTTP {response.status_code}: {response.content[:300]!r}")
        found[name] = {
            "queries": len(queries),
            "keystore_queries": len(keys),
            "sql": [query["sql"] for query in queries.captured_queries],
            "keystore_sql": [query["sql"] for query in keys.captured_queries],
        }
    return found


def check_bare_create(token: str, bare_create: str) -> None:
    """The create yardstick must insert what the API inserts: two new people of the same shape, one
    through each; the same rows in every table the API writes, the same values where they do not
    depend on the person, and the app reads the yardstick's case as it reads its own."""
    client = Client(HTTP_AUTHORIZATION=f"Token {token}")
    sent = [json.loads(load.case_body(98, n)) for n in range(2)]
    api = client.post("/api/v1/cases/", sent[0], content_type="application/json")
    bare = client.post(bare_create, sent[1], content_type="application/json")
    if api.status_code != 201 or bare.status_code != 201:
        raise SystemExit(f"create: API HTTP {api.status_code}, bare HTTP {bare.status_code}: {bare.content[:300]!r}")
    made = {"api": api.json(), "bare": bare.json()}
    personal = {"id", "reference", "victim_name", "contact_email", "contact_phone", "created_at", "updated_at"}
    if set(made["api"]) != set(made["bare"]):
        raise SystemExit(f"the bare create's answer has other fields: {set(made['api']) ^ set(made['bare'])}")
    differ = [key for key in made["api"] if key not in personal and made["api"][key] != made["bare"][key]]
    if differ:
        raise SystemExit(f"the bare create answers other values than the API for {differ}")
    rows = {label: _rows_of_case(body) for label, body in made.items()}
    if rows["api"] != rows["bare"]:
        raise SystemExit(f"the bare create wrote other rows than the API: {rows}")
    read = client.get(f"/api/v1/cases/{made['bare']['id']}/").json()
    for key in ("victim_name", "contact_email", "contact_phone", "summary", "reference", "status", "version"):
        if read[key] != made["bare"][key]:
            raise SystemExit(f"the API reads {key} of the bare create's case as {read[key]!r}")


def _rows_of_case(made: dict[str, Any]) -> dict[str, Any]:
    """What a new case left in each table: counts, the values that do not depend on the person, and
    whether its keyed hashes and name pieces are the ones the app computes for her."""
    hashes = ["name_index", "email_index", "phone_index", "phone_last4_index"]
    same = ["status", "priority", "version", "has_own_key", "centre_id", "assigned_to_id", "created_by_id"]
    case = Case.objects.filter(pk=made["id"]).values(*same, *hashes)[0]
    centre, name, key = case["centre_id"], made["victim_name"], index_keys.newest()
    events = list(CaseEvent.objects.filter(case_id=made["id"]).values_list("kind", "actor_kind", "actor_id", "new"))
    pieces = set(NameGram.objects.filter(case_id=made["id"], centre_id=centre).values_list("gram", flat=True))
    return {
        "case": {column: case[column] for column in same},
        "hashes_as_the_app_makes_them": [case[column] for column in hashes]
        == list(exact_indexes(centre, name, made["contact_email"], made["contact_phone"], key)),
        "name_pieces_as_the_app_makes_them": sorted(pieces) == name_gram_indexes(centre, name, key),
        "events": events,
        "keys": CaseKey.objects.using(KEYSTORE).filter(case_id=made["id"]).count(),
    }


def machine() -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=BASE_DIR, capture_output=True, text=True, check=False
    ).stdout.strip()
    return {
        "nproc": os.cpu_count(),
        "cpu": _cpu_model(),
        "postgresql": postgres,
        "python": platform.python_version(),
        "django": django.get_version(),
        "commit": commit,
    }


def _cpu_model() -> str:
    with suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor()


def database_pids() -> set[int]:
    """The database's own processes serving this benchmark, for the cases and for the key store (their CPU
    is the benchmark's: every request of the creates writes a key, every read opens cases' keys)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname IN (current_database(), %s)",
            [settings.DATABASES[KEYSTORE]["NAME"]],
        )
        return {row[0] for row in cursor.fetchall()}


def foreign_cpu() -> ForeignCpu:
    """Counts the CPU of processes other than this benchmark's from now on."""
    return ForeignCpu(database_pids)


def wait_until_quiet(seconds: float) -> float:
    return host.wait_until_quiet(seconds, database_pids)


def dataset() -> dict[str, int]:
    with connection.cursor() as cursor:
        found = {}
        for table in ["accounts_centre", "accounts_user", "cases_case", "cases_note", "cases_caseevent"]:
            cursor.execute(f"SELECT count(*) FROM {table}")
            found[table] = cursor.fetchone()[0]
    return found


def measure(port: int, scenario: load.Scenario, args: argparse.Namespace) -> dict[str, Any]:
    """Warm-up, then concurrency 1 for latency, then `--clients` at once for throughput."""
    figures: dict[str, Any] = {}
    for label, clients, seconds in (
        ("warmup", args.clients, args.warmup_seconds),
        ("c1", 1, args.sequential_seconds),
        (f"c{args.clients}", args.clients, args.seconds),
    ):
        connections.close_all()  # the forked clients must not share this process's connection
        foreign = foreign_cpu()
        outcome = load.run(port, scenario, clients=clients, seconds=seconds)
        other = foreign.percent_of_a_core()
        if outcome.errors:
            raise SystemExit(f"{scenario.name} ({label}) failed:\n" + "\n".join(outcome.errors[:5]))
        if label == "warmup":
            continue
        figures[label] = {
            "clients": clients,
            "requests": outcome.requests,
            "seconds": round(outcome.seconds, 3),
            "per_second": round(outcome.per_second, 1),
            "p50_ms": round(outcome.percentile(50), 3),
            "p99_ms": round(outcome.percentile(99), 3),
            "other_processes_cpu_pct": other,
        }
        print(
            f"  {scenario.name:<7} c={clients}: {outcome.requests:>6} requests, {outcome.per_second:8.1f}/s, "
            f"p50 {outcome.percentile(50):7.2f} ms, p99 {outcome.percentile(99):7.2f} ms" + busy_note(other),
            flush=True,
        )
    return figures


def busy_note(other: float) -> str:
    return f"  (other processes used {other:.0f}% of a core meanwhile)" if other >= BUSY_PCT else ""


def measure_paired(port: int, yardstick: load.Scenario, scenario: load.Scenario, seconds: float) -> dict[str, Any]:
    """One client alternating a request of the yardstick and one of the scenario: the ratio of their p50s
    is taken on the same machine, request by request, whatever its speed does meanwhile."""
    connections.close_all()
    foreign = foreign_cpu()
    bare, outcome = load.run_paired(port, yardstick, scenario, seconds=seconds)
    other = foreign.percent_of_a_core()
    if outcome.errors:
        raise SystemExit(f"{scenario.name} (paired with {yardstick.name}) failed:\n" + "\n".join(outcome.errors[:5]))
    p50, bare_p50 = outcome.percentile(50), bare.percentile(50)
    print(
        f"  {scenario.name:<7} paired with {yardstick.name}: {outcome.requests:>6} requests each,"
        f" p50 {p50:7.2f} ms against {bare_p50:7.2f} ms: {p50 / bare_p50:.2f}x" + busy_note(other),
        flush=True,
    )
    return {
        "requests": outcome.requests,
        "p50_ms": round(p50, 3),
        "yardstick_p50_ms": round(bare_p50, 3),
        "x_bare_p50": round(p50 / bare_p50, 2),
        "other_processes_cpu_pct": other,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10, help="per scenario at full concurrency")
    parser.add_argument("--sequential-seconds", type=float, default=5, help="per scenario at concurrency 1")
    parser.add_argument("--warmup-seconds", type=float, default=2)
    parser.add_argument(
        "--paired-seconds", type=float, default=10, help="per scenario, alternating with its yardstick (one client)"
    )
    parser.add_argument("--clients", type=int, default=4, help="client processes for the throughput run")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--email", default="counsellor1@centre1.bench", help="the counsellor to sign in as")
    parser.add_argument(
        "--wait-quiet", type=float, default=0, help="wait up to this many seconds for other processes to go idle"
    )
    parser.add_argument(
        "--only",
        default=",".join(SCENARIOS),
        help=f"comma-separated subset of {', '.join(SCENARIOS)} (their yardsticks are kept)",
    )
    args = parser.parse_args(argv)
    chosen = set(args.only.split(","))
    if unknown := chosen - set(SCENARIOS):
        parser.error(f"unknown scenarios: {', '.join(sorted(unknown))}")
    chosen |= {YARDSTICK[name] for name in chosen}

    user = User.objects.get(email=args.email)
    matching = Case.objects.filter(centre_id=user.centre_id, assigned_to=user, status=Status.IN_PROGRESS).count()
    if matching < PAGE_SIZE:
        raise SystemExit(f"{args.email} has {matching} in-progress cases, fewer than a page; run bench.generate")
    case_ids = list(Case.objects.filter(assigned_to=user).order_by("-created_at").values_list("id", flat=True))
    print(f"dataset: {dataset()}; {args.email} has {len(case_ids)} cases, {matching} in progress")
    bare_list = f"/bench/bare-list/?user={user.pk}&centre={user.centre_id}"
    bare_create = f"/bench/bare-create/?user={user.pk}&centre={user.centre_id}"
    # What this run adds (the cases it opens with their keys, the openings it logs) is removed at the end.
    last_case = Case.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    last_access = AccessLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    busy = wait_until_quiet(args.wait_quiet)
    if busy >= BUSY_PCT:
        print(f"WARNING: other processes use {busy:.0f}% of a core right now; the figures will be noisy")
    port = free_port()
    report: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "dataset": dataset(),
        "setup": {
            "gunicorn_workers": args.workers,
            "clients": args.clients,
            "seconds": args.seconds,
            "sequential_seconds": args.sequential_seconds,
            "user": args.email,
            "matching_rows": matching,
        },
        "calibration_ms": {"before": calibrate()},
        "other_processes_cpu_pct_before": busy,
        "scenarios": {},
    }
    token = ""
    try:
        with gunicorn(port, args.workers):
            token = expect(
                port,
                200,
                "POST",
                "/api/v1/auth/token/",
                body={"email": args.email, "password": BENCH_PASSWORD},
            )["token"]
            auth = {"Authorization": f"Token {token}"}

            # The yardstick must answer what the API answers, or the comparison means nothing.
            api_page = expect(port, 200, "GET", LIST_PATH, token=token)
            bare_page = expect(port, 200, "GET", bare_list)
            if api_page["count"] != matching or len(api_page["results"]) != PAGE_SIZE:
                raise SystemExit(f"the API's list has count {api_page['count']}, expected {matching}")
            if bare_page["count"] != matching:
                raise SystemExit(f"the bare view counts {bare_page['count']}, the API {matching}")
            if [row["id"] for row in api_page["results"]] != [row["id"] for row in bare_page["results"]]:
                raise SystemExit("the bare view's first page differs from the API's")
            if [row["victim_name"] for row in api_page["results"]] != [
                row["victim_name"] for row in bare_page["results"]
            ]:
                raise SystemExit("the bare view's victim names differ from the API's")

            # Likewise the create yardstick must write what the API writes.
            check_bare_create(token, bare_create)

            queries = count_queries(token, case_ids[0], bare_list, bare_create)
            scenarios = [
                load.Scenario("bare", "GET", (bare_list,), 200),
                load.Scenario("list", "GET", (LIST_PATH,), 200, auth),
                load.Scenario("detail", "GET", tuple(f"/api/v1/cases/{pk}/" for pk in case_ids), 200, auth),
                load.Scenario("bare_create", "POST", (bare_create,), 201),
                load.Scenario("create", "POST", ("/api/v1/cases/",), 201, auth),
            ]
            print(f"gunicorn: {args.workers} workers on 127.0.0.1:{port}; {args.clients} client processes")
            for scenario in scenarios:
                if scenario.name not in chosen:
                    continue
                figures = measure(port, scenario, args)
                for key in ("queries", "keystore_queries"):
                    figures[f"{key}_per_request"] = queries[scenario.name][key]
                figures["sql"] = queries[scenario.name]["sql"]
                figures["keystore_sql"] = queries[scenario.name]["keystore_sql"]
                report["scenarios"][scenario.name] = figures
            by_name = {scenario.name: scenario for scenario in scenarios}
            for name in [name for name in report["scenarios"] if YARDSTICK[name] != name]:
                report["scenarios"][name]["paired"] = measure_paired(
                    port, by_name[YARDSTICK[name]], by_name[name], args.paired_seconds
                )
            expect(port, 204, "POST", "/api/v1/auth/token/revoke/", token=token)
            token = ""
    finally:
        cleanup(last_case, last_access, token)

    report["calibration_ms"]["after"] = calibrate()
    full = f"c{args.clients}"
    scenarios = report["scenarios"]
    targets = {
        "list p50 c1 < 10 ms": ("list", lambda f: f["c1"]["p50_ms"] < TARGET_P50_MS),
        "detail p50 c1 < 10 ms": ("detail", lambda f: f["c1"]["p50_ms"] < TARGET_P50_MS),
        "create > 200 cases/s": ("create", lambda f: f[full]["per_second"] > TARGET_CREATE_PER_SECOND),
    }
    report["targets"] = {label: met(scenarios[name]) for label, (name, met) in targets.items() if name in scenarios}
    for name, figures in scenarios.items():
        yardstick = scenarios[YARDSTICK[name]]
        figures["yardstick"] = YARDSTICK[name]
        figures["x_bare_p50_c1"] = round(figures["c1"]["p50_ms"] / yardstick["c1"]["p50_ms"], 2)
        figures[f"x_bare_p50_{full}"] = round(figures[full]["p50_ms"] / yardstick[full]["p50_ms"], 2)
        figures[f"x_bare_per_second_{full}"] = round(figures[full]["per_second"] / yardstick[full]["per_second"], 2)
    print_table(report, full)
    path = RESULTS_DIR / "cases.json"
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"written to {path.relative_to(BASE_DIR)}")
    return 0


def cleanup(last_case: int, last_access: int, token: str) -> None:
    """Removes the cases this run opened (the API's and the bare create's) with their keys, and the
    openings it logged, so every run reads the same data.

    Bench data only: cases are otherwise never deleted, and never changed outside cases/actions/.
    """
    AccessLog.objects.filter(pk__gt=last_access).delete()
    # Their events and name pieces go with them (on_delete=CASCADE); their keys live in the key store.
    Case.objects.filter(pk__gt=last_case).delete()
    CaseKey.objects.using(KEYSTORE).filter(case_id__gt=last_case).delete()
    if token:  # the run stopped before it could revoke its token
        AuthToken.objects.filter(token_key=token[: CONSTANTS.TOKEN_KEY_LENGTH]).delete()
    # Dead rows of the deleted cases would otherwise sit in the counsellor's index until autovacuum.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) cases_case, cases_caseevent, cases_namegram, cases_accesslog, knox_authtoken")
    with connections[KEYSTORE].cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) keystore_casekey")


def print_table(report: dict[str, Any], full: str) -> None:
    scenarios = report["scenarios"]
    machine_facts = report["machine"]
    print()
    print(
        f"{machine_facts['nproc']} cores ({machine_facts['cpu']}), PostgreSQL {machine_facts['postgresql']}, "
        f"Python {machine_facts['python']}, Django {machine_facts['django']}; "
        f"{report['dataset']['cases_case']:,} cases, {report['dataset']['cases_note']:,} notes"
    )
    header = (
        f"{'scenario':<11} {'req/s ' + full:>11} {'p50 c1':>8} {'p99 c1':>8} {'p50 ' + full:>8} {'p99 ' + full:>8}"
        f" {'x bare p50':>10} {'x paired':>8} {'x bare req/s':>12} {'queries':>7}"
    )
    print(header)
    print("-" * len(header))
    for name, figures in scenarios.items():
        one, many = figures["c1"], figures[full]
        queries = f"{figures['queries_per_request']}+{figures['keystore_queries_per_request']}"
        paired = f"{figures['paired']['x_bare_p50']:.2f}" if "paired" in figures else "-"
        print(
            f"{name:<11} {many['per_second']:>11.1f} {one['p50_ms']:>8.2f} {one['p99_ms']:>8.2f} "
            f"{many['p50_ms']:>8.2f} {many['p99_ms']:>8.2f} {figures['x_bare_p50_c1']:>10.2f} {paired:>8} "
            f"{figures[f'x_bare_per_second_{full}']:>12.2f} {queries:>7}"
        )
    print(
        f"(latencies in ms; c1: one client at a time, {full}: that many clients at once; x bare: p50 c1 against"
        f" the scenario's yardstick ({', '.join(f'{k}: {v}' for k, v in YARDSTICK.items() if k != v)}), and"
        f" req/s {full} as a share of the yardstick's; x paired: p50 against the yardstick's with one client"
        f" alternating the two, request by request; queries: case database + key store)"
    )
    before, after = report["calibration_ms"]["before"], report["calibration_ms"]["after"]
    if max(before, after) > 1.15 * min(before, after):
        print(f"WARNING: the machine's speed changed during the run (calibration {before} -> {after} ms); run again")
    busy_phases = [
        f"{name} {label}"
        for name, figures in scenarios.items()
        for label, phase in figures.items()
        if isinstance(phase, dict) and phase.get("other_processes_cpu_pct", 0) >= BUSY_PCT
    ]
    if busy_phases:
        print(f"WARNING: other processes were busy during {', '.join(busy_phases)}; run again on a quiet machine")
    print("targets: " + ", ".join(f"{label}: {'met' if ok else 'MISSED'}" for label, ok in report["targets"].items()))


if __name__ == "__main__":
    sys.exit(main())
