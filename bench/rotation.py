"""Times a master-key rotation (`manage.py rotate_field_keys`) on the bench database.

    .venv/bin/python -m bench.generate --reset        # 100,000 cases, 500,000 notes, 100,000 events
    .venv/bin/python -m bench.rotation                # rotates to a new key and back, timing both

The bench's own key stays the configured one: the first run puts a bench-only second key first and
rotates to it, the second puts the bench key first again and rotates back, so the database still reads
with bench/settings.py afterwards. Writes bench/results/rotation.json.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import time
from datetime import UTC, datetime

os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import override_settings  # noqa: E402

from bench import run  # noqa: E402
from bench.settings import RESULTS_DIR  # noqa: E402

# Bench-only, public: it protects synthetic data for the length of one run.
OTHER_KEY = "q3Xk3v4B0e0bC2JkYH4p2cJm2vZ6oC1rZl0m7bJ7G2Q="


def table_rows() -> dict[str, int]:
    found = {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, n_live_tup FROM pg_stat_user_tables WHERE n_live_tup > 0 ORDER BY n_live_tup DESC"
        )
        for name, rows in cursor.fetchall():
            found[name] = rows
    return found


def rotate(keys: list[str]) -> tuple[float, str]:
    out = io.StringIO()
    with override_settings(CASEFLOW_FIELD_KEYS=keys):
        started = time.perf_counter()
        call_command("rotate_field_keys", stdout=out)
        return time.perf_counter() - started, out.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--wait-quiet", type=float, default=0, help="wait up to this many seconds for a quiet machine")
    parser.add_argument("--label", default="", help="a name for this run in the results file (e.g. main, case-keys)")
    args = parser.parse_args(argv)
    bench_key = next(iter(settings.CASEFLOW_FIELD_KEYS))
    busy = run.wait_until_quiet(args.wait_quiet) if args.wait_quiet else None
    rows = run.dataset()
    print("data:", ", ".join(f"{table} {n:,}" for table, n in rows.items()), flush=True)
    figures = []
    for keys in ([OTHER_KEY, bench_key], [bench_key, OTHER_KEY]):
        sample = run.foreign_cpu()
        seconds, output = rotate(keys)
        others = sample.percent_of_a_core()
        print(output.strip())
        print(
            f"rotation to {'the second key' if keys[0] == OTHER_KEY else 'the bench key'}: {seconds:.1f} s "
            f"(other processes used {others:.0f}% of a core)",
            flush=True,
        )
        figures.append({"seconds": round(seconds, 2), "others_pct_of_a_core": others, "output": output.strip()})
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / "rotation.json"
    results = json.loads(path.read_text()) if path.exists() else {}
    results[args.label or "run"] = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "data": rows,
        "busy_before_pct": busy,
        "rotations": figures,
    }
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
