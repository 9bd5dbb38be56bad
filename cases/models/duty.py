"""Reports the law requires: a duty to report to the police or child protection (a child victim,
a crime in progress), followed up until the report is recorded: to whom, when, by whom, its number."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Centre
from cases.crypto import CaseEncryptedTextField, CaseKeyedManager
from cases.models.case import Case


class DutyKind(models.TextChoices):
    CHILD_VICTIM = "child_victim", _("The victim is a child")
    CRIME_IN_PROGRESS = "crime_in_progress", _("A crime is in progress")


class Authority(models.TextChoices):
    POLICE = "police", _("Police")
    CHILD_PROTECTION = "child_protection", _("Child protection agency")


class LegalDuty(models.Model):
    """A report the centre owes: raised when a case is (or becomes) a minor's, or when a counsellor
    records a crime in progress; discharged by the report that answers it. Reminded until then."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="legal_duties", db_index=False)
    kind = models.CharField(_("duty"), max_length=20, choices=DutyKind.choices)
    raised_at = models.DateTimeField(default=timezone.now)
    # None: the system raised it (a minor's case).
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    next_reminder_at = models.DateTimeField(null=True, blank=True)
    reminders = models.PositiveSmallIntegerField(default=0)
    discharged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # The minute's sweep: WHERE discharged_at IS NULL AND next_reminder_at <= now.
            models.Index(
                fields=["next_reminder_at"], condition=Q(discharged_at__isnull=True), name="duty_reminder_due_idx"
            ),
            # The case page: a case's duties.
            models.Index(fields=["case", "raised_at"], name="duty_case_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "kind"], condition=Q(discharged_at__isnull=True), name="duty_one_open_per_kind"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} duty on case {self.case_id}"


class DutyReport(models.Model):
    """A report made to the police or child protection, as the counsellor recorded it."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="duty_reports", db_index=False)
    # The case's centre, copied: the reports count a centre's reports by date without a join.
    centre = models.ForeignKey(Centre, on_delete=models.PROTECT, related_name="+", db_index=False)
    duty = models.OneToOneField(LegalDuty, on_delete=models.PROTECT, related_name="report", null=True, blank=True)
    authority = models.CharField(_("reported to"), max_length=20, choices=Authority.choices)
    reported_at = models.DateTimeField(_("reported at"))
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("reported by")
    )
    # The authority's number for the report: encrypted, it leads straight to the victim's file.
    reference_number = CaseEncryptedTextField(_("their reference number"), blank=True, default="")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    objects = CaseKeyedManager()

    class Meta:
        indexes = [
            # The annual report: a centre's reports of a year, by authority.
            models.Index(fields=["centre", "reported_at"], name="dutyreport_centre_idx"),
            models.Index(fields=["case", "reported_at"], name="dutyreport_case_idx"),
        ]

    def __str__(self) -> str:
        return f"report to {self.authority} on case {self.case_id}"
