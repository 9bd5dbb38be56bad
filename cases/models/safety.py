"""Risk of harm: assessments on a case, their escalation to the on-call supervisors, the centre's
on-call rota and the crisis numbers shown beside an assessment."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Centre
from cases.crypto import CaseEncryptedTextField, CaseKeyedManager, EncryptedTextField
from cases.models.case import Case


class RiskLevel(models.TextChoices):
    NONE = "none", _("None")
    LOW = "low", _("Low")
    MODERATE = "moderate", _("Moderate")
    HIGH = "high", _("High")
    IMMEDIATE = "immediate", _("Immediate")


# Levels that call the on-call supervisors at once.
ESCALATING_LEVELS = frozenset({RiskLevel.HIGH, RiskLevel.IMMEDIATE})


class RiskAssessment(models.Model):
    """One assessment of the risk of harm (self-harm, harm by others): a revision never overwrites
    the one before, so the case keeps its history; the newest is the current one."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="risk_assessments", db_index=False)
    level = models.CharField(_("risk of harm"), max_length=10, choices=RiskLevel.choices)
    # What the counsellor asked, what the victim answered, the plan agreed with her: her own words,
    # encrypted like a note.
    asked = CaseEncryptedTextField(_("what was asked"), blank=True, default="")
    answer = CaseEncryptedTextField(_("the answer"), blank=True, default="")
    plan = CaseEncryptedTextField(_("the plan agreed"), blank=True, default="")
    assessed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    # Fetches the case keys of a page of rows in one query (cases/crypto.py).
    objects = CaseKeyedManager()

    class Meta:
        indexes = [
            # The case page: a case's assessments, newest first (the first is the current level).
            models.Index(fields=["case", "-created_at"], name="risk_case_created_idx"),
        ]

    def __str__(self) -> str:
        return f"risk assessment {self.pk} on case {self.case_id}: {self.level}"


class EscalationState(models.TextChoices):
    RAISED = "raised", _("Waiting for a supervisor")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged, waiting for the plan")
    RESOLVED = "resolved", _("Plan recorded")


class Escalation(models.Model):
    """A high or immediate risk called to the centre's on-call supervisors: repeated until one of
    them acknowledges, then on the dashboard until the plan is recorded. One open per case."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="escalations", db_index=False)
    # The case's centre, copied: the dashboard lists a centre's open escalations without a join.
    centre = models.ForeignKey(Centre, on_delete=models.PROTECT, related_name="+", db_index=False)
    assessment = models.ForeignKey(RiskAssessment, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=15, choices=EscalationState.choices, default=EscalationState.RAISED)
    raised_at = models.DateTimeField(default=timezone.now)
    # Rounds of messages sent so far, and when the next one is due (none once acknowledged).
    rounds = models.PositiveSmallIntegerField(default=0)
    next_round_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    plan_recorded_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # The minute's sweep: WHERE state = 'raised' AND next_round_at <= now.
            models.Index(fields=["next_round_at"], condition=Q(state="raised"), name="escalation_due_idx"),
            # The dashboard: a centre's open escalations, oldest first.
            models.Index(fields=["centre", "raised_at"], condition=~Q(state="resolved"), name="escalation_open_idx"),
            # The case page: a case's escalations.
            models.Index(fields=["case", "-raised_at"], name="escalation_case_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=~Q(state="resolved"), name="escalation_one_open_per_case"
            ),
        ]

    def __str__(self) -> str:
        return f"escalation {self.pk} on case {self.case_id}: {self.state}"


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class OnCallShift(models.Model):
    """One supervisor on call for a centre on one day of the week, from one hour to another (local
    time, settings.TIME_ZONE). A night across midnight is two rows. Removed rows are kept, with who
    removed them, as the rota's history."""

    centre = models.ForeignKey(Centre, on_delete=models.PROTECT, related_name="+", db_index=False)
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("supervisor")
    )
    weekday = models.PositiveSmallIntegerField(_("day"), choices=Weekday.choices)
    start_hour = models.PositiveSmallIntegerField(_("from (hour)"))
    end_hour = models.PositiveSmallIntegerField(_("until (hour)"))
    # The phone that rings on this shift (often a shared duty phone), for the SMS; encrypted with the
    # master keys (it belongs to no case).
    phone = EncryptedTextField(_("phone for text messages"), blank=True, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # Who is on call now: WHERE centre = c AND weekday = d AND removed_at IS NULL.
            models.Index(
                fields=["centre", "weekday", "start_hour"],
                condition=Q(removed_at__isnull=True),
                name="oncall_centre_day_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(weekday__gte=0, weekday__lte=6)
                & Q(start_hour__gte=0, start_hour__lte=23)
                & Q(end_hour__gte=1, end_hour__lte=24)
                & Q(start_hour__lt=models.F("end_hour")),
                name="oncall_hours_in_a_day",
            ),
        ]

    def __str__(self) -> str:
        return f"on-call shift {self.pk} of centre {self.centre_id}"


class CrisisLine(models.Model):
    """A crisis number a centre shows beside every risk assessment, labelled in both languages.

    A centre without any shows the Korean national lines (cases.safety.DEFAULT_CRISIS_LINES). A number
    taken off stays, with who added and who removed it, as the list's history: a counsellor in a
    crisis dials what the page showed, so who changed that is kept, as for the rota's shifts."""

    centre = models.ForeignKey(Centre, on_delete=models.PROTECT, related_name="+", db_index=False)
    number = models.CharField(_("number"), max_length=30)
    label_ko = models.CharField(_("name in Korean"), max_length=100)
    label_en = models.CharField(_("name in English"), max_length=100)
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    # None on numbers added before the history was kept (migration 0033).
    # Nothing is looked up by who (and users are never deleted): no index on these.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # The case page and the rota page: a centre's lines in order.
            models.Index(fields=["centre", "position"], name="crisisline_centre_idx"),
        ]

    def __str__(self) -> str:
        return f"crisis line {self.number} of centre {self.centre_id}"

    @classmethod
    def shown(cls, centre_id: int | None) -> QuerySet[CrisisLine]:
        """The centre's numbers on the list now, in order."""
        return cls.objects.filter(centre_id=centre_id, removed_at__isnull=True).order_by("position", "pk")
