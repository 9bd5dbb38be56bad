"""What a liveness check changes: the check is recorded, a place seen removed is verified removed
(and a request whose places are all gone is settled), a removed place seen online again reappears and
gets a new draft request. The system makes these changes: events name no person.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from caseflow.safe_fetch import Fetched
from cases import reminders
from cases.actions.common import record_event
from cases.actions.takedowns import draft_for
from cases.models import (
    Case,
    CheckOutcome,
    EventKind,
    Platform,
    Sighting,
    SightingCheck,
    SightingState,
    TakedownItem,
    TakedownRequest,
    TakedownStatus,
)

WAITING = (TakedownStatus.SENT, TakedownStatus.ACKNOWLEDGED, TakedownStatus.ESCALATED)


def classify(platform: Platform, fetched: Fetched) -> str:
    """What an answer means by the platform's rule: its "removed" statuses (404 and 410 unless it
    says otherwise), or its notice text on a page that still answers 200."""
    if fetched.problem == "blocked":
        return CheckOutcome.BLOCKED
    if fetched.problem == "timeout":
        return CheckOutcome.TIMEOUT
    if fetched.status is None:
        return CheckOutcome.UNKNOWN
    if fetched.status in platform.removed_status_codes:
        return CheckOutcome.REMOVED
    if 200 <= fetched.status < 300:
        marker = platform.removed_marker.strip().casefold()
        if marker and marker in fetched.body.decode("utf-8", "replace").casefold():
            return CheckOutcome.REMOVED
        return CheckOutcome.ONLINE
    return CheckOutcome.UNKNOWN  # 403, 429, 5xx: nothing learnt


def _settle_requests(case: Case, sighting: Sighting) -> None:
    """A request waiting for the platform whose places are now all removed is recorded as removed."""
    now = timezone.now()
    for takedown in TakedownRequest.objects.select_for_update().filter(
        items__sighting=sighting, items__is_open=True, status__in=WAITING
    ):
        items = TakedownItem.objects.filter(takedown=takedown)
        if items.exclude(sighting__state=SightingState.REMOVED).exists():
            continue
        current = takedown.status
        items.update(is_open=False)
        takedown.status, takedown.closed_at = TakedownStatus.REMOVED, now
        takedown.version += 1
        takedown.save(update_fields=["status", "closed_at", "version"])
        reminders.takedown_settled(takedown)
        reminders.victim_update(case)
        record_event(
            case,
            actor=None,
            kind=EventKind.TAKEDOWN_CHANGED,
            old={"takedown": takedown.pk, "status": current},
            new={"takedown": takedown.pk, "status": TakedownStatus.REMOVED, "by": "liveness"},
        )


@transaction.atomic
def record_check(*, sighting_id: int, fetched: Fetched) -> SightingCheck | None:
    """Records one check of a place and what follows from it; None if the place is gone."""
    sighting = Sighting.objects.filter(pk=sighting_id).only("case_id").first()
    if sighting is None:
        return None
    case = Case.objects.select_for_update().get(pk=sighting.case_id)
    sighting = Sighting.objects.select_for_update().select_related("platform").get(pk=sighting_id)
    outcome = classify(sighting.platform, fetched)
    now = timezone.now()
    check = SightingCheck.objects.create(
        sighting=sighting, centre_id=sighting.centre_id, checked_at=now, http_status=fetched.status, outcome=outcome
    )
    before = sighting.state
    fields = ["last_checked_at"]
    sighting.last_checked_at = now
    if outcome == CheckOutcome.REMOVED and before in (SightingState.ONLINE, SightingState.REAPPEARED):
        sighting.state, sighting.removed_at = SightingState.REMOVED, now
        fields += ["state", "removed_at", "version"]
    elif outcome == CheckOutcome.ONLINE and before == SightingState.REMOVED:
        sighting.state = SightingState.REAPPEARED
        fields += ["state", "version"]
    if sighting.state != before:
        sighting.version += 1
    sighting.save(update_fields=fields)
    if sighting.state == before:
        return check
    record_event(
        case,
        actor=None,
        kind=EventKind.SIGHTING_CHANGED,
        old={"sighting": sighting.pk, "state": before},
        new={"state": sighting.state, "by": "liveness"},
    )
    if sighting.state == SightingState.REMOVED:
        _settle_requests(case, sighting)
    elif case.is_open:
        draft_for(actor=None, case=case, sightings=[sighting])
    return check
