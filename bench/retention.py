"""Benchmark of the retention purge and of the access log's seal and verify.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/caseflow_bench_retention \\
        .venv/bin/python -m bench.generate --reset --cases 10000 --takedowns 30000
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/caseflow_bench_retention \\
        .venv/bin/python -m bench.retention [--purge 1000] [--reads 100000]

Use a database of its own (BENCH_DATABASE_URL): this run deletes cases. Marks `--purge` cases closed with a
retention date in the past and times `purge_expired` (one transaction per case, in batches), then adds
`--reads` access-log rows to one centre and times sealing them into blocks (as beat does every minute,
here a backlog) and verifying the whole chain. Writes bench/results/retention.json.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from datetime import timedelta

os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"

import django

django.setup()

from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Role, User  # noqa: E402
from bench.settings import RESULTS_DIR  # noqa: E402
from cases import chain  # noqa: E402
from cases.actions.access_log import seal_access_log  # noqa: E402
from cases.actions.purge import purge_expired  # noqa: E402
from cases.models import AccessLog, Case, PurgedTakedown, Status  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--purge", type=int, default=1000)
    parser.add_argument("--reads", type=int, default=100_000)
    args = parser.parse_args()
    if "caseflow_bench_retention" not in str(connection.settings_dict["NAME"]):
        raise SystemExit("use a database of its own: BENCH_DATABASE_URL=…/caseflow_bench_retention")
    results: dict[str, object] = {}

    ids = list(Case.objects.order_by("pk").values_list("pk", flat=True)[: args.purge])
    past = timezone.localdate() - timedelta(days=1)
    Case.objects.filter(pk__in=ids).update(status=Status.CLOSED, closed_at=timezone.now(), retention_until=past)
    kept_before = PurgedTakedown.objects.count()
    started = time.perf_counter()
    run = purge_expired(batch_size=100)
    seconds = time.perf_counter() - started
    results["purge"] = {
        "cases": run.purged,
        "seconds": round(seconds, 2),
        "cases_per_second": round(run.purged / seconds, 1) if seconds else None,
        "requests_kept": PurgedTakedown.objects.count() - kept_before,
    }
    print("purge:", results["purge"])

    supervisor = User.objects.filter(role=Role.SUPERVISOR).order_by("pk").first()
    assert supervisor is not None
    now = timezone.now()
    AccessLog.objects.bulk_create(
        (
            AccessLog(
                user=supervisor,
                centre_id=supervisor.centre_id,
                case_reference="K7QM3XPA",
                action="view",
                ip_address="10.0.0.1",
                created_at=now - timedelta(seconds=n),
            )
            for n in range(args.reads)
        ),
        batch_size=5000,
    )
    started = time.perf_counter()
    blocks = seal_access_log()
    sealed = time.perf_counter() - started
    started = time.perf_counter()
    check = chain.verify_centre(supervisor.centre_id)
    verified = time.perf_counter() - started
    results["access_log"] = {
        "rows": args.reads,
        "blocks_sealed": blocks,
        "seal_seconds": round(sealed, 2),
        "verify_blocks": check.blocks,
        "verify_seconds": round(verified, 2),
        "broken": check.broken is not None,
    }
    print("access log:", results["access_log"])
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / "retention.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
