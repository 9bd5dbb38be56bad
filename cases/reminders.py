"""What is due, and to whom: cases decides; notifications delivers (STYLE.md, "Imports flow one way").

Every function runs inside the transaction of the change that causes it, so a reminder exists
exactly when the change committed. Group keys let a later change cancel what is no longer needed:

- `takedown:<id>`: the counsellor's deadline reminder and the supervisors' one a day later;
  cancelled when the platform answers or the request is escalated.
- `case:<id>`: follow-ups; cancelled when the case is closed.
- `victim:case:<id>`: "there is an update" to the victim; cancelled when she withdraws consent or
  asks not to be contacted, rescheduled when her quiet hours change.
- `duty:<id>`: "a report to the authorities is still owed", to whoever follows the case, repeated
  until the report is recorded (cases/actions/duties.py); cancelled then.
- `guardian:case:<id>`: the same to a minor's guardian, by the same rules (only once the counsellor
  recorded that it is safe to contact them; their channel, their quiet hours); cancelled when that
  is no longer so.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from accounts.models import Role, User
from cases.models import Case, ContactChannel, FollowUp, Guardian, LegalDuty, TakedownRequest, TakedownStatus
from notifications import outbox
from notifications.models import Channel
from notifications.schedule import end_of_hour, hourly_dedupe_key, next_allowed_time


def _supervisor_delay() -> timedelta:
    return timedelta(hours=int(getattr(settings, "TAKEDOWN_SUPERVISOR_REMINDER_HOURS", 24)))


def _to_staff(user: User, *, template_key: str, params: dict[str, int], due_at: datetime, key: str, group: str) -> None:
    """The inbox always; e-mail too when the person chose it."""
    outbox.enqueue(
        recipient=user,
        channel=Channel.INBOX,
        template_key=template_key,
        params=params,
        language=user.preferred_language,
        due_at=due_at,
        dedupe_key=f"{key}:inbox",
        group_key=group,
    )
    if user.notify_by_email:
        outbox.enqueue(
            recipient=user,
            channel=Channel.EMAIL,
            template_key=template_key,
            params=params,
            language=user.preferred_language,
            due_at=due_at,
            dedupe_key=f"{key}:email",
            group_key=group,
        )


def takedown_sent(takedown: TakedownRequest, case: Case, *, round_: str = "") -> None:
    """Remind the counsellor when the platform's deadline passes, and the supervisors a day later.

    `round_` makes the keys new when the reminders are armed again (a reopened case), since a
    cancelled row keeps its key."""
    if takedown.deadline_at is None or takedown.sent_at is None:
        raise ValueError("takedown_sent() is for a request that was just sent.")
    group = f"takedown:{takedown.pk}"
    params = {"takedown_id": takedown.pk, "case_id": case.pk}
    sent = int(takedown.sent_at.timestamp())
    owner = case.assigned_to or takedown.created_by
    if owner is not None and owner.is_active:
        _to_staff(
            owner,
            template_key="takedown.deadline_passed",
            params=params,
            due_at=takedown.deadline_at,
            key=f"{group}:deadline:{sent}:{owner.pk}{round_}",
            group=group,
        )
    later = takedown.deadline_at + _supervisor_delay()
    for supervisor in User.objects.filter(centre_id=case.centre_id, role=Role.SUPERVISOR, is_active=True):
        _to_staff(
            supervisor,
            template_key="takedown.still_unanswered",
            params=params,
            due_at=later,
            key=f"{group}:unanswered:{sent}:{supervisor.pk}{round_}",
            group=group,
        )


def _waiting_takedowns(case: Case) -> list[TakedownRequest]:
    return list(
        case.takedowns.filter(status__in=[TakedownStatus.SENT, TakedownStatus.ACKNOWLEDGED]).select_related(
            "created_by"
        )
    )


def case_reassigned(case: Case) -> None:
    """The deadline reminders of waiting requests follow the case to its new counsellor."""
    stamp = f":{int(timezone.now().timestamp())}"
    for takedown in _waiting_takedowns(case):
        outbox.cancel(f"takedown:{takedown.pk}", template_key="takedown.deadline_passed")
        owner = case.assigned_to or takedown.created_by
        if owner is None or not owner.is_active or takedown.deadline_at is None or takedown.sent_at is None:
            continue
        _to_staff(
            owner,
            template_key="takedown.deadline_passed",
            params={"takedown_id": takedown.pk, "case_id": case.pk},
            due_at=takedown.deadline_at,
            key=f"takedown:{takedown.pk}:deadline:{int(takedown.sent_at.timestamp())}:{owner.pk}{stamp}",
            group=f"takedown:{takedown.pk}",
        )


def case_reopened(case: Case) -> None:
    """Closing cancelled the reminders of the requests still waiting; reopening arms them again."""
    stamp = f":reopened{int(timezone.now().timestamp())}"
    for takedown in _waiting_takedowns(case):
        takedown_sent(takedown, case, round_=stamp)


def takedown_settled(takedown: TakedownRequest) -> None:
    """The platform answered (or the regulator has it): nothing more to remind about."""
    outbox.cancel(f"takedown:{takedown.pk}")


def followup_set(followup: FollowUp) -> None:
    """A reminder to the follow-up's owner at its time (a new one for each version: snoozing a reminder
    that was already delivered must remind again)."""
    _to_staff(
        followup.owner,
        template_key="case.followup_due",
        params={"case_id": followup.case_id, "followup_id": followup.pk},
        due_at=followup.due_at,
        key=followup.reminder_key,
        group=f"case:{followup.case_id}",
    )


def followup_settled(followup: FollowUp, *, key: str) -> None:
    """Done, or moved to another time: the reminder of the version that was read is not sent."""
    outbox.cancel_keys([f"{key}:inbox", f"{key}:email"])


def case_closed(case: Case) -> None:
    """A closed case cancels its pending follow-ups and the reminders of its open requests."""
    outbox.cancel(f"case:{case.pk}")
    for takedown_id in case.takedowns.values_list("pk", flat=True):
        outbox.cancel(f"takedown:{takedown_id}")


def _victim_address(case: Case) -> str:
    if case.contact_channel == ContactChannel.EMAIL:
        return case.contact_email
    if case.contact_channel == ContactChannel.SMS:
        return case.contact_phone
    return ""


def _victim_due(case: Case, now: datetime) -> datetime:
    return next_allowed_time(end_of_hour(now), case.quiet_start, case.quiet_end, settings.TIME_ZONE)


def victim_update(case: Case) -> None:
    """Tell the victim there is an update, if she agreed, over her channel, outside her quiet hours.

    Several updates within the hour become one message (same due time, same dedupe key). The text
    says only that there is an update (notifications/messages.py).
    """
    if case.is_minor:
        guardian_update(case)
    address = _victim_address(case)
    if not case.consent_contact or not address:
        return
    due_at = _victim_due(case, timezone.now())
    outbox.enqueue(
        address=address,
        channel=Channel.EMAIL if case.contact_channel == ContactChannel.EMAIL else Channel.SMS,
        template_key="victim.case_updated",
        params={"case_id": case.pk},
        language=case.preferred_language,
        due_at=due_at,
        dedupe_key=hourly_dedupe_key("victim.case_updated", f"case:{case.pk}:{case.contact_channel}", due_at),
        group_key=f"victim:case:{case.pk}",
    )


def _guardian_due(guardian: Guardian, now: datetime) -> datetime:
    return next_allowed_time(end_of_hour(now), guardian.quiet_start, guardian.quiet_end, settings.TIME_ZONE)


def _guardian_channel(guardian: Guardian) -> str:
    return Channel.EMAIL if guardian.contact_channel == ContactChannel.EMAIL else Channel.SMS


def guardian_update(case: Case) -> None:
    """A minor's guardian hears that there is an update when, and only when, it is recorded as safe:
    over their channel, outside their quiet hours, several updates of an hour in one message."""
    guardian = Guardian.objects.filter(case=case).first()
    if guardian is None or not guardian.may_be_contacted:
        return
    due_at = _guardian_due(guardian, timezone.now())
    outbox.enqueue(
        address=guardian.address,
        channel=_guardian_channel(guardian),
        template_key="guardian.case_updated",
        params={"case_id": case.pk},
        language=guardian.preferred_language,
        due_at=due_at,
        dedupe_key=hourly_dedupe_key("guardian.case_updated", f"case:{case.pk}:{guardian.contact_channel}", due_at),
        group_key=f"guardian:case:{case.pk}",
    )


def guardian_preferences_changed(case: Case, guardian: Guardian) -> None:
    """No longer safe, "do not contact" or no address cancels; a new address or channel redirects
    what is pending; new quiet hours move it (as victim_preferences_changed)."""
    group = f"guardian:case:{case.pk}"
    if not guardian.may_be_contacted:
        outbox.cancel(group)
        return
    outbox.readdress(group, address=guardian.address, channel=_guardian_channel(guardian))
    outbox.reschedule(group_key=group, due_at=_guardian_due(guardian, timezone.now()))


def victim_preferences_changed(case: Case) -> None:
    """Withdrawn consent or "do not contact" cancels; a new address or channel redirects what is
    pending (never the old address); new quiet hours move it."""
    group = f"victim:case:{case.pk}"
    address = _victim_address(case)
    if not case.consent_contact or not address:
        outbox.cancel(group)
        return
    channel = Channel.EMAIL if case.contact_channel == ContactChannel.EMAIL else Channel.SMS
    outbox.readdress(group, address=address, channel=channel)
    outbox.reschedule(group_key=group, due_at=_victim_due(case, timezone.now()))


def _case_staff(case: Case) -> list[User]:
    """Who hears of what happens on a case: its counsellor, or the centre's supervisors when nobody has it."""
    if case.assigned_to is not None and case.assigned_to.is_active:
        return [case.assigned_to]
    return list(User.objects.filter(centre_id=case.centre_id, role=Role.SUPERVISOR, is_active=True))


def _tell(users: list[User], case: Case, *, template_key: str, key: str) -> None:
    """An inbox item now (and e-mail for those who chose it) about this case, once per `key`."""
    now = timezone.now()
    for user in users:
        _to_staff(
            user,
            template_key=template_key,
            params={"case_id": case.pk},
            due_at=now,
            key=f"case:{case.pk}:{key}:{user.pk}",
            group=f"case:{case.pk}",
        )


def victim_acted(case: Case, *, event_id: int) -> None:
    """The victim changed or added something through the portal: her counsellor's inbox says so."""
    _tell(_case_staff(case), case, template_key="case.victim_acted", key=f"victim-acted:{event_id}")


def portal_locked(case: Case, *, failure_id: int) -> None:
    """Repeated wrong passphrases locked a (reference, address) pair: the counsellor should know."""
    _tell(_case_staff(case), case, template_key="portal.locked", key=f"portal-locked:{failure_id}")


def letter_failed(takedown: TakedownRequest, case: Case, *, attempt_id: int) -> None:
    """caseflow gave up e-mailing a letter: whoever follows the case must send it again or another way."""
    now = timezone.now()
    for user in _case_staff(case):
        _to_staff(
            user,
            template_key="takedown.letter_failed",
            params={"takedown_id": takedown.pk, "case_id": case.pk},
            due_at=now,
            key=f"takedown:{takedown.pk}:letter-failed:{attempt_id}:{user.pk}",
            group=f"takedown:{takedown.pk}",
        )


def closure_requested(case: Case, *, request_id: int) -> None:
    """A closure request waits: the centre's supervisors hear of it."""
    supervisors = list(User.objects.filter(centre_id=case.centre_id, role=Role.SUPERVISOR, is_active=True))
    _tell(supervisors, case, template_key="case.closure_requested", key=f"closure:{request_id}")


def closure_decided(case: Case, *, request_id: int, requester: User | None) -> None:
    """The counsellor who asked for the closure hears the decision."""
    if requester is not None and requester.is_active:
        _tell([requester], case, template_key="case.closure_decided", key=f"closure-decided:{request_id}")


def duty_due(duty: LegalDuty, case: Case, *, now: datetime) -> None:
    """One reminder of a report still owed, to the case's counsellor (or the supervisors)."""
    for user in _case_staff(case):
        _to_staff(
            user,
            template_key="case.report_owed",
            params={"case_id": case.pk, "duty_id": duty.pk},
            due_at=now,
            key=f"duty:{duty.pk}:r{duty.reminders}:{user.pk}",
            group=f"duty:{duty.pk}",
        )


def duty_reported(duty: LegalDuty) -> None:
    outbox.cancel(f"duty:{duty.pk}")
