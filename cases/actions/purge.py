"""Purging a case: after its retention period (nightly, or `manage.py purge_expired_cases`), or at once on
the victim's request (erasure). Atomic per case, so a purge of many cases stops and restarts anywhere.

Order inside the transaction: the row of the case is locked (a second worker skips it); the case's
data key is destroyed in the key store, which commits at once (keystore/store.py): from then on every
copy of the case's rows, here and in every backup of the case data, is unreadable, even if what
follows fails (the next run finishes a purge that stopped: rows nobody can read); what the
reports count is kept without any link to the case (cases/models/retention.py); every subject of the
case deletes its rows (cases/subjects.py; the access log keeps its rows, unlinked); the case row goes;
a PurgeRecord says which reference went, why and by whose hand.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils import timezone

from accounts.models import User
from cases.models import (
    Case,
    PurgedCaseDay,
    PurgedPlaceDay,
    PurgedTakedown,
    PurgeKind,
    PurgeRecord,
    Sighting,
    Status,
    TakedownRequest,
)
from cases.reports import summaries
from cases.subjects import SUBJECTS
from keystore.store import destroy_case_key

logger = logging.getLogger(__name__)


def keep_figures(case: Case) -> None:
    """Adds the case's events to the anonymous counts, with the rebuild's own grouping (same days, same
    time zone), so that every report gives the same figures once the case is gone."""
    day = {"k_centre": "centre_id", "k_day": "day"}
    cases = Case.objects.filter(pk=case.pk).order_by()
    summaries.upsert_counts(
        PurgedCaseDay, day, summaries.by_day(cases, "created_at").annotate(**summaries.opened_counts())
    )
    closed = cases.filter(closed_at__isnull=False)
    summaries.upsert_counts(PurgedCaseDay, day, summaries.by_day(closed, "closed_at").annotate(closed=Count("*")))

    place = {**day, "k_platform_id": "platform_id", "k_found_by": "found_by"}
    places = Sighting.objects.filter(case_id=case.pk).order_by()
    found = summaries.by_day(places, "created_at", "platform_id", "found_by")
    summaries.upsert_counts(PurgedPlaceDay, place, found.annotate(found=Count("*")))
    removed = summaries.by_day(places.filter(removed_at__isnull=False), "removed_at", "platform_id", "found_by")
    summaries.upsert_counts(PurgedPlaceDay, place, removed.annotate(removed=Count("*")))

    # One row per request that was sent: a draft never reached a platform and counts nowhere.
    sent = TakedownRequest.objects.filter(case_id=case.pk, sent_at__isnull=False)
    columns = ("centre_id", "platform_id", "status", "sent_at", "escalated_at", "closed_at")
    PurgedTakedown.objects.bulk_create(PurgedTakedown(**row) for row in sent.values(*columns))


@transaction.atomic
def purge_case(
    *,
    case_id: int,
    kind: str,
    requested_by: User | None = None,
    approved_by: User | None = None,
    reason: str = "",
    today: date | None = None,
) -> PurgeRecord | None:
    """Deletes the case and everything it holds, keeping the anonymous figures; None when the case is
    gone already, another worker is purging it (the row is locked with SKIP LOCKED), or, for the
    retention purge, it is no longer due (reopened or extended since it was listed)."""
    candidates = due_for_purge(today) if kind == PurgeKind.RETENTION else Case.objects.all()
    case = candidates.select_for_update(skip_locked=True).filter(pk=case_id).first()
    if case is None:
        return None
    # First, before any row goes: the key (crypto-shredding holds even against older dumps of the rows).
    destroy_case_key(case.pk)
    keep_figures(case)
    counts = {subject.name: subject.purge(case) for subject in SUBJECTS}
    Case.objects.filter(pk=case.pk).delete()
    record = PurgeRecord.objects.create(
        centre_id=case.centre_id,
        case_reference=case.reference,
        kind=kind,
        requested_by=requested_by,
        approved_by=approved_by,
        reason=reason,
        retention_until=case.retention_until,
        counts=counts,
    )
    # Ids and counts only: the reference is what the victim signs in with, and stays out of logs.
    logger.info("purge: case purged", extra={"purge_id": record.pk, "kind": kind, "rows": sum(counts.values())})
    return record


def due_for_purge(today: date | None = None) -> QuerySet[Case]:
    """Closed cases whose last day of retention has passed."""
    return Case.objects.filter(status=Status.CLOSED, retention_until__lt=today or timezone.localdate())


@dataclass
class PurgeRun:
    """What a run of the retention purge did (or, dry, would do)."""

    due: int = 0
    purged: int = 0
    batches: int = 0
    by_centre: dict[int, int] = field(default_factory=dict)


def count_due(today: date | None = None) -> PurgeRun:
    """The dry run: how many cases are due, per centre; changes nothing."""
    rows = due_for_purge(today).values_list("centre_id").annotate(n=Count("*")).order_by("centre_id")
    by_centre = {centre_id: n for centre_id, n in rows}
    return PurgeRun(due=sum(by_centre.values()), by_centre=by_centre)


def purge_expired(*, today: date | None = None, batch_size: int | None = None, limit: int | None = None) -> PurgeRun:
    """Purges every case due, `batch_size` ids at a time, one transaction per case: stopped halfway (a
    deploy, a crash), the next run picks up what is left; two runs at once skip each other's cases."""
    size = batch_size or settings.CASE_PURGE_BATCH_SIZE
    run = count_due(today)
    after = 0
    while limit is None or run.purged < limit:
        ids = list(due_for_purge(today).filter(pk__gt=after).order_by("pk").values_list("pk", flat=True)[:size])
        if not ids:
            break
        run.batches += 1
        for case_id in ids:
            if limit is not None and run.purged >= limit:
                break
            if purge_case(case_id=case_id, kind=PurgeKind.RETENTION, today=today) is not None:
                run.purged += 1
        after = ids[-1]
    logger.info("purge: retention run", extra={"due": run.due, "purged": run.purged, "batches": run.batches})
    return run
