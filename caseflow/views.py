"""Operational endpoints: liveness and readiness.

Readiness answers 503 only when this process cannot serve requests: when the database is unreachable.
The broker and the cache (both on Redis) are reported, but their failure is a 200 with `"status":
"degraded"`: requests are still served (the outbox is in PostgreSQL and beat hands it out once the
broker is back; the cache answers as empty, caseflow/cache.py). Every web process shares the same
Redis, so a 503 there would make a load balancer or orchestrator take them all out of service at once
and turn a Redis outage into a total one. Monitoring alerts on `degraded`, not on the status code.
"""

from __future__ import annotations

import logging

from django.core.cache import caches
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from caseflow.cache import ResilientRedisCache
from caseflow.celery import app as celery_app

logger = logging.getLogger(__name__)

# A readiness probe must answer quickly even when a dependency hangs.
_BROKER_TIMEOUT_SECONDS = 2
# Without these, the process answers requests but not well: reported, yet still ready (see above).
_DEGRADABLE = {"broker", "cache"}


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is alive and serving requests; checks nothing else."""
    return JsonResponse({"status": "ok"})


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        logger.warning("readiness: database unreachable", exc_info=True)
        return False


def _broker_ok() -> bool:
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=_BROKER_TIMEOUT_SECONDS)
        return True
    except Exception:
        logger.warning("readiness: broker unreachable", exc_info=True)
        return False


def _cache_ok() -> bool:
    cache = caches["default"]
    if isinstance(cache, ResilientRedisCache):
        # The backend logs the outage itself, once a minute at most.
        return cache.reachable()
    try:
        # Another backend (the in-process one without REDIS_URL): a write read back.
        cache.set("readyz", "ok", timeout=10)
        return cache.get("readyz") == "ok"
    except Exception:
        logger.warning("readiness: cache unreachable", exc_info=True)
        return False


@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """Database, broker and cache reachable: 200 "ok"; broker or cache not: 200 "degraded"; database not: 503."""
    checks = {"database": _database_ok(), "broker": _broker_ok(), "cache": _cache_ok()}
    failing = [name for name, ok in checks.items() if not ok]
    unavailable = [name for name in failing if name not in _DEGRADABLE]
    body: dict[str, object] = {
        "status": "unavailable" if unavailable else "degraded" if failing else "ok",
        "checks": {name: "ok" if ok else "failing" for name, ok in checks.items()},
    }
    if failing:
        body["failing"] = failing
    return JsonResponse(body, status=503 if unavailable else 200)
