"""Benchmark settings: caseflow's own, on a separate database, with bench-only keys and no throttling in the way.

Importing this module fixes the environment that caseflow.settings reads, so the data generator, the
gunicorn workers and the in-process query counter all use the same database and the same keys.
"""

from __future__ import annotations

import os
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"

# Never the product's database: the generator truncates what it finds here.
BENCH_DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/caseflow_bench")
# The key store (case keys) beside it, on the same server, as tests do.
BENCH_KEYSTORE_URL = os.environ.get("BENCH_KEYSTORE_URL", BENCH_DATABASE_URL + "_keystore")
BENCH_REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")

# Bench-only secrets, public on purpose: they protect synthetic data and nothing else. The generator
# encrypts with these keys and the server decrypts with them, so both must read the same values.
_BENCH_ENV = {
    "DJANGO_DEBUG": "0",
    "DATABASE_URL": BENCH_DATABASE_URL,
    "KEYSTORE_URL": BENCH_KEYSTORE_URL,
    "REDIS_URL": BENCH_REDIS_URL,
    "SECRET_KEY": "bench-only-secret-key-not-for-production-0123456789abcdefghij",
    "CASEFLOW_FIELD_KEYS": "LjIvoujATfKaI7rvI91IvTMs4Ew9onc3nsT4nxiHRWo=",
    "CASEFLOW_INDEX_KEY": "bench-only-index-key-not-for-production-0123456789",
    "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    "CASEFLOW_VAR_DIR": str(RESULTS_DIR / "var"),
    "SECURE_SSL_REDIRECT": "0",
    "SESSION_COOKIE_SECURE": "0",
    "CSRF_COOKIE_SECURE": "0",
    "STATIC_MANIFEST": "0",
    "LOG_LEVEL": "WARNING",
    # One Celery queue of its own, so nothing a bench request queues is taken by another worker.
    "CELERY_QUEUE": "caseflow-bench",
}
for _name, _value in _BENCH_ENV.items():
    os.environ.pop(f"{_name}_FILE", None)
    os.environ[_name] = _value

from caseflow.settings import *  # noqa: E402, F403
from caseflow.settings import CACHES, REST_FRAMEWORK  # noqa: E402

ROOT_URLCONF = "bench.urls"

# Redis is shared with the test suite: the bench's throttle keys must not count against the tests' users.
CACHES = {"default": {**CACHES["default"], "KEY_PREFIX": "caseflow-bench"}}

# The password of every bench account (bench/generate.py sets it, bench/run.py signs in with it).
BENCH_PASSWORD = "bench-only-password-2026"  # noqa: S105 - synthetic accounts on a throwaway database

# One counsellor drives thousands of requests a second. The production limits stay in force but are
# raised; a one-second window keeps the throttle's history list (pickled into Redis on every request)
# about as long as it is in production at the 1200/min limit, so its cost is still measured.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {
        **REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],  # type: ignore[dict-item]
        "anon": "100000/s",
        "user": "100000/s",
        "token": "1000/s",
    },
}
