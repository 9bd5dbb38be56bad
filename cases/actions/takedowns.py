"""Takedown requests: drafting one per platform, editing the letter, and the request's status machine."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from caseflow.korean import with_particles
from cases import reminders
from cases.actions.common import record_event, require_write
from cases.actions.errors import ActionError, TransitionError, stale
from cases.actions.referrals import refer_to_regulator, require_regulator
from cases.letters import normalise_body, render_letter
from cases.models import (
    Case,
    EventKind,
    Platform,
    Sighting,
    SightingState,
    TakedownItem,
    TakedownRequest,
    TakedownStatus,
)


def open_sighting_ids(case: Case) -> set[int]:
    return set(TakedownItem.objects.filter(sighting__case=case, is_open=True).values_list("sighting_id", flat=True))


def draft_for(*, actor: User | None, case: Case, sightings: list[Sighting]) -> list[TakedownRequest]:
    """One draft per platform for these sightings; joins an open draft of the same platform."""
    busy = open_sighting_ids(case)
    by_platform: dict[int, list[Sighting]] = {}
    for sighting in sightings:
        if sighting.pk not in busy:
            by_platform.setdefault(sighting.platform_id, []).append(sighting)
    if not by_platform:
        return []
    platforms = Platform.objects.in_bulk(list(by_platform))
    drafts = {
        t.platform_id: t
        for t in TakedownRequest.objects.select_for_update().filter(
            case=case, status=TakedownStatus.DRAFT, platform_id__in=list(by_platform)
        )
        # A letter already on its way is fixed: new places get a draft of their own.
        if not t.letter_on_its_way
    }
    touched: list[TakedownRequest] = []
    for platform_id, items in by_platform.items():
        platform = platforms[platform_id]
        takedown = drafts.get(platform_id)
        if takedown is None:
            takedown = TakedownRequest(
                case=case,
                centre_id=case.centre_id,
                platform=platform,
                language=platform.request_language,
                subject="",
                body="",
                created_by=actor,
            )
            takedown.save()
        TakedownItem.objects.bulk_create([TakedownItem(takedown=takedown, sighting=s) for s in items])
        takedown.subject, takedown.body = render_letter(takedown)
        takedown.save(update_fields=["subject", "body"])
        record_event(
            case,
            actor=actor,
            kind=EventKind.TAKEDOWN_DRAFTED,
            old={},
            new={"takedown": takedown.pk, "platform": platform.name, "sightings": len(items)},
        )
        touched.append(takedown)
    return touched


@transaction.atomic
def do_draft_takedowns(*, actor: User, case: Case) -> list[TakedownRequest]:
    """Turns the case's places still online into one draft request per platform, never putting a
    place in two open requests."""
    case = require_write(actor, case)
    online = list(case.sightings.filter(state__in=[SightingState.ONLINE, SightingState.REAPPEARED]).order_by("pk"))
    return draft_for(actor=actor, case=case, sightings=online)


def lock_takedown(takedown: TakedownRequest, version: int | None) -> TakedownRequest:
    locked = TakedownRequest.objects.select_for_update().select_related("platform").get(pk=takedown.pk)
    if version is not None and locked.version != version:
        raise stale(locked.version, version)
    return locked


def require_editable_letter(takedown: TakedownRequest) -> None:
    """Refuses to change a letter that was sent or is being e-mailed (the copy kept must be what left)."""
    if takedown.status != TakedownStatus.DRAFT:
        raise TransitionError(_("Only a draft's letter can be edited; this one was sent."), field="status")
    if takedown.letter_on_its_way:
        raise TransitionError(_("This letter is being e-mailed; it can no longer be changed."), field="status")


def record_sent(takedown: TakedownRequest, case: Case, *, channel: str, now: datetime) -> list[str]:
    """Sets what "sent" records (channel, time, deadline from the platform's hours) and arms the
    deadline reminders; returns the fields to save. The letter as sent is set by the caller."""
    takedown.channel = channel
    takedown.sent_at = now
    takedown.deadline_at = now + timedelta(hours=takedown.platform.response_hours)
    reminders.takedown_sent(takedown, case)
    return ["channel", "sent_at", "deadline_at"]


@transaction.atomic
def do_edit_takedown_letter(
    *, actor: User, case: Case, takedown: TakedownRequest, subject: str, body: str, version: int
) -> TakedownRequest:
    """The counsellor edits the draft's letter before sending; a sent letter is kept as sent."""
    case = require_write(actor, case)
    takedown = lock_takedown(takedown, version)
    require_editable_letter(takedown)
    takedown.subject, takedown.body = subject, normalise_body(body)
    takedown.version += 1
    takedown.save(update_fields=["subject", "body", "version"])
    record_event(case, actor=actor, kind=EventKind.TAKEDOWN_EDITED, old={}, new={"takedown": takedown.pk})
    return takedown


# Takedown: draft -> sent -> acknowledged -> removed | partially_removed | refused;
# sent/acknowledged past the deadline (overdue, derived) -> escalated -> removed | refused.
TAKEDOWN_TRANSITIONS: dict[str, frozenset[str]] = {
    TakedownStatus.DRAFT: frozenset({TakedownStatus.SENT}),
    TakedownStatus.SENT: frozenset(
        {
            TakedownStatus.ACKNOWLEDGED,
            TakedownStatus.REMOVED,
            TakedownStatus.PARTIALLY_REMOVED,
            TakedownStatus.REFUSED,
            TakedownStatus.ESCALATED,
        }
    ),
    TakedownStatus.ACKNOWLEDGED: frozenset(
        {TakedownStatus.REMOVED, TakedownStatus.PARTIALLY_REMOVED, TakedownStatus.REFUSED, TakedownStatus.ESCALATED}
    ),
    TakedownStatus.ESCALATED: frozenset({TakedownStatus.REMOVED, TakedownStatus.REFUSED}),
    TakedownStatus.REMOVED: frozenset(),
    TakedownStatus.PARTIALLY_REMOVED: frozenset(),
    TakedownStatus.REFUSED: frozenset(),
}
_ANSWERS = (TakedownStatus.REMOVED, TakedownStatus.PARTIALLY_REMOVED, TakedownStatus.REFUSED)


@transaction.atomic
def do_transition_takedown(
    *,
    actor: User,
    case: Case,
    takedown: TakedownRequest,
    status: str,
    version: int | None = None,
    channel: str = "",
    ticket_number: str = "",
    removed_sightings: list[int] | None = None,
    note: str = "",
    ip_address: str | None = None,
) -> TakedownRequest:
    """Moves a request along its machine: send (records channel, time, deadline and the letter as
    sent), acknowledge, escalate (only once overdue, only for a platform the regulator takes
    escalations about, making the regulator referral), or record the platform's answer."""
    case = require_write(actor, case)
    if takedown.case_id != case.pk:
        raise ActionError(_("This request belongs to another case."))
    takedown = lock_takedown(takedown, version)
    current = takedown.status
    if status not in TAKEDOWN_TRANSITIONS or status not in TAKEDOWN_TRANSITIONS[current]:
        raise TransitionError(
            with_particles(
                _("A takedown request cannot move from “%(current)s” to “%(requested)s”.")
                % {"current": current, "requested": status}
            ),
            field="status",
        )
    now = timezone.now()
    fields = ["status", "version"]
    regulator = None
    if status == TakedownStatus.SENT:
        if not case.is_open:
            raise TransitionError(_("Reopen the case before sending a request for it."), field="status")
        if takedown.letter_on_its_way:
            raise TransitionError(
                _("This letter is being e-mailed; the request counts as sent once the mail server took it."),
                field="status",
            )
        takedown.sent_subject, takedown.sent_body = takedown.subject, takedown.body
        fields += ["sent_subject", "sent_body"]
    elif status == TakedownStatus.ESCALATED:
        if not takedown.is_overdue:
            raise TransitionError(
                _("A request is escalated to the regulator only after the platform's deadline has passed."),
                field="status",
            )
        regulator = require_regulator(case, takedown)
        takedown.escalated_at = now
        fields.append("escalated_at")
    elif status == TakedownStatus.ACKNOWLEDGED:
        takedown.acknowledged_at = now
        fields.append("acknowledged_at")
    if ticket_number:
        takedown.ticket_number = ticket_number
        fields.append("ticket_number")
    if status in _ANSWERS:
        takedown.closed_at = now
        fields.append("closed_at")
        items = TakedownItem.objects.filter(takedown=takedown)
        items.update(is_open=False)
        covered = set(items.values_list("sighting_id", flat=True))
        if status == TakedownStatus.REMOVED:
            gone = covered
        elif status == TakedownStatus.PARTIALLY_REMOVED:
            gone = set(removed_sightings or []) & covered
            if not gone:
                raise ActionError(_("Say which places were removed."), field="removed_sightings")
        else:
            gone = set()
        Sighting.objects.filter(pk__in=gone).update(
            state=SightingState.REMOVED, removed_at=now, last_checked_at=now, version=F("version") + 1
        )
    takedown.status = status
    takedown.version += 1
    if status == TakedownStatus.SENT:
        fields += record_sent(takedown, case, channel=channel or takedown.platform.channel, now=now)
    takedown.save(update_fields=fields)
    if regulator is not None:
        refer_to_regulator(actor=actor, case=case, takedown=takedown, regulator=regulator, ip_address=ip_address)
    if status in (*_ANSWERS, TakedownStatus.ESCALATED):
        reminders.takedown_settled(takedown)
    if status in (TakedownStatus.REMOVED, TakedownStatus.PARTIALLY_REMOVED):
        reminders.victim_update(case)
    record_event(
        case,
        actor=actor,
        kind=EventKind.TAKEDOWN_CHANGED,
        old={"takedown": takedown.pk, "status": current},
        new={"takedown": takedown.pk, "status": status},
        reason=note,
    )
    return takedown
