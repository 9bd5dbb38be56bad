"""Reports the law requires: the duty raised (a child victim, a crime in progress), reminded until
the report is recorded, and the report itself (to whom, when, by whom, its reference number)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from cases import reminders
from cases.actions.common import record_event, require_write
from cases.actions.errors import ActionError
from cases.models import Authority, Case, DutyKind, DutyReport, EventKind, LegalDuty
from cases.validators import validate_single_line


def reminder_interval() -> timedelta:
    return timedelta(hours=int(getattr(settings, "DUTY_REMINDER_HOURS", 4)))


def raise_duty(case: Case, kind: str, *, actor: User | None, now: datetime | None = None) -> LegalDuty | None:
    """Opens a duty of this kind on the case unless one is open; in the caller's transaction."""
    if LegalDuty.objects.filter(case=case, kind=kind, discharged_at__isnull=True).exists():
        return None
    now = now or timezone.now()
    duty = LegalDuty.objects.create(
        case=case, kind=kind, raised_at=now, raised_by=actor, next_reminder_at=now + reminder_interval()
    )
    record_event(case, actor=actor, kind=EventKind.DUTY_RAISED, old={}, new={"duty": duty.pk, "kind": kind})
    return duty


def case_details_changed(case: Case, *, actor: User) -> None:
    """A case opened or changed as a minor's owes a report to the police or child protection."""
    if case.is_minor:
        raise_duty(case, DutyKind.CHILD_VICTIM, actor=None)


@transaction.atomic
def do_raise_crime_in_progress(*, actor: User, case: Case) -> LegalDuty:
    """The counsellor records that the crime is going on (threats, a live sextortion): the police
    must be told, and the case reminds until the report is recorded."""
    case = require_write(actor, case)
    duty = raise_duty(case, DutyKind.CRIME_IN_PROGRESS, actor=actor)
    if duty is None:
        raise ActionError(_("This duty is already open on the case."), field="kind")
    return duty


@transaction.atomic
def do_record_duty_report(
    *,
    actor: User,
    case: Case,
    duty_id: int,
    authority: str,
    reported_at: datetime,
    reported_by: User,
    reference_number: str = "",
) -> DutyReport:
    """Records the report that discharges a duty; its reminders stop."""
    case = require_write(actor, case)
    try:
        duty = LegalDuty.objects.select_for_update().filter(case=case).get(pk=duty_id)
    except LegalDuty.DoesNotExist:
        raise ActionError(_("This duty does not exist."), field="duty") from None
    if duty.discharged_at is not None:
        raise ActionError(_("This report is already recorded."), field="duty")
    if authority not in Authority.values:
        raise ActionError(_("Choose whom the report was made to."), field="authority")
    if reported_at > timezone.now() + timedelta(minutes=5) or not 2000 <= reported_at.year <= 2200:
        raise ActionError(_("The report cannot have been made in the future."), field="reported_at")
    # Someone who works the centre's cases (as the page's list offers): an administrator sees none.
    staff = (Role.COUNSELLOR, Role.SUPERVISOR)
    if reported_by.centre_id != case.centre_id or not reported_by.is_active or reported_by.role not in staff:
        raise ActionError(_("Choose a member of your centre."), field="reported_by")
    reference_number = reference_number.strip()
    if len(reference_number) > 100:
        raise ActionError(_("Enter at most 100 characters."), field="reference_number")
    try:
        validate_single_line(reference_number)
    except ValidationError:
        raise ActionError(_("Control characters and line breaks are not allowed."), field="reference_number") from None
    now = timezone.now()
    report = DutyReport.objects.create(
        case=case,
        centre_id=case.centre_id,
        duty=duty,
        authority=authority,
        reported_at=reported_at,
        reported_by=reported_by,
        reference_number=reference_number,
        recorded_by=actor,
        recorded_at=now,
    )
    duty.discharged_at = now
    duty.next_reminder_at = None
    duty.save(update_fields=["discharged_at", "next_reminder_at"])
    reminders.duty_reported(duty)
    record_event(
        case,
        actor=actor,
        kind=EventKind.DUTY_REPORTED,
        old={},
        new={
            "duty": duty.pk,
            "kind": duty.kind,
            "report": report.pk,
            "authority": authority,
            "reported_by": reported_by.pk,
            "reported_at": reported_at.isoformat(),
        },
    )
    return report


def send_due_duty_reminders(*, now: datetime | None = None, limit: int = 200) -> int:
    """Beat, every minute: a reminder for every open duty whose time has come, to whoever follows
    the case; the next one an interval later, until the report is recorded."""
    now = now or timezone.now()
    with transaction.atomic():
        rows = LegalDuty.objects.filter(discharged_at__isnull=True, next_reminder_at__lte=now).select_related(
            "case__assigned_to"
        )
        if connection.features.has_select_for_update_skip_locked:
            rows = rows.select_for_update(skip_locked=True, of=("self",))
        due = list(rows.order_by("next_reminder_at")[:limit])
        for duty in due:
            reminders.duty_due(duty, duty.case, now=now)
            duty.reminders += 1
            duty.next_reminder_at = now + reminder_interval()
            duty.save(update_fields=["reminders", "next_reminder_at"])
    return len(due)
