"""Benchmark of the victim's portal: her progress page for a case with 300 places against a bare view
that reads the same rows with hand-written queries, and the sign-in (Argon2) rate.

    .venv/bin/python -m bench.portal [--seconds 10] [--clients 4] [--places 300]

Self-contained: its own database (caseflow_bench_portal, BENCH_DATABASE_URL to change it), created,
migrated and filled through the real actions on each run; gunicorn with 2 workers on a free port.
Writes bench/results/portal.json.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import sys
import time
from typing import Any
from urllib.parse import urlencode

# Its own database, so that it never disturbs the data of bench.generate.
os.environ.setdefault("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/caseflow_bench_portal")
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"

import django

django.setup()

import psycopg  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from psycopg import sql  # noqa: E402

from accounts.models import Centre, Role, User  # noqa: E402
from bench import load  # noqa: E402
from bench.host import calibrate, free_port  # noqa: E402
from bench.run import foreign_cpu, gunicorn, machine  # noqa: E402
from bench.settings import BENCH_DATABASE_URL, BENCH_PASSWORD, RESULTS_DIR  # noqa: E402
from cases.actions.cases import do_add_note, do_open_case  # noqa: E402
from cases.actions.portal import do_issue_portal_access  # noqa: E402
from cases.actions.sightings import do_add_sightings  # noqa: E402
from cases.models import Sighting  # noqa: E402

TARGET_RATIO = 3.0


def ensure_database() -> None:
    name = BENCH_DATABASE_URL.rsplit("/", 1)[1]
    if "bench" not in name:
        raise SystemExit(f"refusing to use {name!r}: a bench database's name contains 'bench'")
    admin = BENCH_DATABASE_URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def fill(places: int) -> dict[str, Any]:
    """A centre, a counsellor, and two cases with portal access: one with `places` places, one with 10."""
    call_command("migrate", verbosity=0)
    centre = Centre.objects.create(name="Portal bench centre")
    counsellor = User.objects.create_user(
        email="counsellor@portal.bench",
        password=BENCH_PASSWORD,
        full_name="Bench Counsellor",
        centre=centre,
        role=Role.COUNSELLOR,
    )
    made: dict[str, Any] = {}
    for label, count in (("big", places), ("small", 10)):
        case = do_open_case(actor=counsellor, victim_name=f"벤치 {label}", contact_phone=f"010-0000-{count:04d}")
        lines = [f"https://t.me/bench_room_{label}/{n}" for n in range(count // 2)]
        lines += [f"https://x.com/bench_{label}/status/{n}" for n in range(count - count // 2)]
        do_add_sightings(actor=counsellor, case=case, lines=lines)
        Sighting.objects.filter(
            case=case, pk__in=list(case.sightings.values_list("pk", flat=True)[: count // 3])
        ).update(state="removed")
        for n in range(10):
            do_add_note(actor=counsellor, case=case, body=f"진행 상황 안내 {n}.", visibility="shared")
        issued = do_issue_portal_access(actor=counsellor, case=case)
        made[label] = {"case": case.pk, "reference": issued.reference, "passphrase": issued.passphrase}
    return made


def sign_in(port: int, reference: str, passphrase: str) -> tuple[str, dict[str, str]]:
    """Signs in over HTTP as a browser would; the portal cookie, and the form's CSRF cookie and fields."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/portal/")
    response = conn.getresponse()
    page = response.read().decode()
    csrf_cookie = re.search(r"caseflow_csrf=([^;]+)", response.getheader("Set-Cookie") or "")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if csrf_cookie is None or token is None:
        raise SystemExit("no CSRF cookie or token on the portal's sign-in page")
    form = {"csrfmiddlewaretoken": token.group(1), "reference": reference, "passphrase": passphrase}
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": f"caseflow_csrf={csrf_cookie.group(1)}",
        "Origin": f"http://127.0.0.1:{port}",
        "Sec-Fetch-Site": "same-origin",
    }
    conn.request("POST", "/portal/", body=urlencode(form), headers=headers)
    response = conn.getresponse()
    response.read()
    portal = re.search(r"caseflow_portal=([^;]+)", response.getheader("Set-Cookie") or "")
    if response.status != 302 or portal is None:
        raise SystemExit(f"portal sign-in failed: HTTP {response.status}")
    conn.close()
    return portal.group(1), {"cookie": headers["Cookie"], "body": urlencode(form)}


def queries_of(cookie: str) -> int:
    client = Client()
    client.cookies["caseflow_portal"] = cookie
    client.get("/portal/case/")
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/portal/case/")
    if response.status_code != 200:
        raise SystemExit(f"/portal/case/ in-process: HTTP {response.status_code}")
    return len(captured)


def measure(port: int, scenario: load.Scenario, clients: int, seconds: float) -> dict[str, Any]:
    connections.close_all()
    load.run(port, scenario, clients=clients, seconds=1)  # warm-up
    foreign = foreign_cpu()
    outcome = load.run(port, scenario, clients=clients, seconds=seconds)
    if outcome.errors:
        raise SystemExit(f"{scenario.name}: " + "\n".join(outcome.errors[:3]))
    figures = {
        "clients": clients,
        "requests": outcome.requests,
        "per_second": round(outcome.per_second, 1),
        "p50_ms": round(outcome.percentile(50), 2),
        "p99_ms": round(outcome.percentile(99), 2),
        "other_processes_cpu_pct": foreign.percent_of_a_core(),
    }
    print(
        f"  {scenario.name:<12} c={clients}: {outcome.requests:>6} requests, {outcome.per_second:8.1f}/s, "
        f"p50 {figures['p50_ms']:7.2f} ms, p99 {figures['p99_ms']:7.2f} ms",
        flush=True,
    )
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--places", type=int, default=300)
    args = parser.parse_args(argv)
    connections.close_all()
    ensure_database()
    started = time.monotonic()
    made = fill(args.places)
    print(f"filled in {time.monotonic() - started:.1f} s: cases with {args.places} and 10 places", flush=True)
    port = free_port()
    results: dict[str, Any] = {"machine": machine(), "calibration_ms": calibrate(), "places": args.places}
    with gunicorn(port, args.workers):
        big, big_form = sign_in(port, made["big"]["reference"], made["big"]["passphrase"])
        small, _ = sign_in(port, made["small"]["reference"], made["small"]["passphrase"])
        results["queries"] = {"progress_300": queries_of(big), "progress_10": queries_of(small)}
        print(f"  queries: {results['queries']}", flush=True)
        scenarios = {
            "bare": load.Scenario("bare", "GET", (f"/bench/bare-portal/?case={made['big']['case']}",), 200),
            "progress": load.Scenario("progress", "GET", ("/portal/case/",), 200, {"Cookie": f"caseflow_portal={big}"}),
            "sign_in": load.Scenario(
                "sign_in",
                "POST",
                ("/portal/",),
                302,
                {"Cookie": big_form["cookie"], "Origin": f"http://127.0.0.1:{port}", "Sec-Fetch-Site": "same-origin"},
                body=big_form["body"].encode(),
                content_type="application/x-www-form-urlencoded",
            ),
        }
        for name, scenario in scenarios.items():
            results[name] = {
                "c1": measure(port, scenario, 1, args.seconds / 2),
                f"c{args.clients}": measure(port, scenario, args.clients, args.seconds),
            }
    ratio = results["progress"]["c1"]["p50_ms"] / results["bare"]["c1"]["p50_ms"]
    results["progress_over_bare_p50"] = round(ratio, 2)
    print(f"progress p50 / bare p50 = {ratio:.2f} (target <= {TARGET_RATIO})", flush=True)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / "portal.json").write_text(json.dumps(results, indent=2) + "\n")
    constant = results["queries"]["progress_300"] == results["queries"]["progress_10"]
    return 0 if ratio <= TARGET_RATIO and constant else 1


if __name__ == "__main__":
    sys.exit(main())
