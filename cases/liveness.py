"""Liveness monitoring: which places are due a check, and one check, run by Celery (cases/tasks.py).

Beat queues the places due (open cases; online, removed or reappeared places) by their platform's
interval; a worker checks one place: it claims it (so two workers never check it at once), waits its
turn for the host (at most one check per host every LIVENESS_HOST_INTERVAL_SECONDS, across workers),
fetches the address through caseflow/safe_fetch.py (public addresses only, no cookies, a few KB at
most), and records what it saw (cases/actions/liveness.py). Claims and host turns live in Redis; with
Redis down no check runs, and the next beat run tries again: nothing is lost but time.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone

from caseflow.safe_fetch import fetch
from cases.access import OPEN_STATUSES
from cases.actions.liveness import record_check
from cases.models import Platform, Sighting, SightingCheck, SightingState

CHECKED_STATES = (SightingState.ONLINE, SightingState.REMOVED, SightingState.REAPPEARED)


def due_sightings(*, limit: int) -> list[int]:
    """Places whose last check is older than their platform's interval, longest waiting first."""
    now = timezone.now()
    condition = Q()
    for hours in Platform.objects.values_list("check_interval_hours", flat=True).distinct():
        condition |= Q(platform__check_interval_hours=hours, last_checked_at__lt=now - timedelta(hours=hours))
    condition |= Q(last_checked_at__isnull=True)
    rows = Sighting.objects.filter(condition, state__in=CHECKED_STATES, case__status__in=OPEN_STATUSES)
    return list(rows.order_by("last_checked_at", "pk").values_list("pk", flat=True)[:limit])


def check(sighting_id: int) -> SightingCheck | str | None:
    """One check of one place: the recorded check, None if the place is gone, or "busy" when another
    worker holds it or its host had a check too recently (beat queues it again later)."""
    claim = f"liveness:sighting:{sighting_id}"
    if not cache.add(claim, 1, timeout=settings.LIVENESS_DEADLINE_SECONDS * 4):
        return "busy"
    try:
        sighting = Sighting.objects.select_related("platform").filter(pk=sighting_id).first()
        if sighting is None:
            return None
        interval = settings.LIVENESS_HOST_INTERVAL_SECONDS
        if interval and not cache.add(f"liveness:host:{sighting.host}", 1, timeout=interval):
            return "busy"
        fetched = fetch(sighting.url, want_body=bool(sighting.platform.removed_marker.strip()))
        return record_check(sighting_id=sighting_id, fetched=fetched)
    finally:
        cache.delete(claim)
