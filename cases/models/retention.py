"""What stays of a purged case: anonymous figures for the reports, and the record that it was purged.

A case is purged after its retention period (CASE_RETENTION_YEARS after closing, extended by a
supervisor) or at once on the victim's request. Before its rows go, what the reports count is kept
here with no link to the case: counts per centre and day (the grain of the reports' own summaries, so
a report over any range of days gives the same figures), and one row per takedown request that was
sent (platform, times, answer), so medians of the hours to removal hold over any range.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Centre
from cases.crypto import CaseEncryptedTextField, CaseKeyedManager, EncryptedTextField
from cases.models.platform import Platform


class PurgedCaseDay(models.Model):
    """Purged cases of a centre opened on a day (with minors and harm types) and closed on it."""

    centre = models.ForeignKey(Centre, on_delete=models.CASCADE, related_name="+", db_index=False)
    day = models.DateField()
    opened = models.PositiveIntegerField(db_default=0)
    minors = models.PositiveIntegerField(db_default=0)
    synthetic = models.PositiveIntegerField(db_default=0)
    filming = models.PositiveIntegerField(db_default=0)
    distribution = models.PositiveIntegerField(db_default=0)
    sextortion = models.PositiveIntegerField(db_default=0)
    personal_info = models.PositiveIntegerField(db_default=0)
    closed = models.PositiveIntegerField(db_default=0)

    class Meta:
        constraints = [
            # One row a day; also the index of the reports' live days and of the nightly rebuild.
            models.UniqueConstraint(fields=["centre", "day"], name="purged_case_day_unique"),
        ]

    def __str__(self) -> str:
        return f"purged cases of centre {self.centre_id} on {self.day}"


class PurgedPlaceDay(models.Model):
    """Places of purged cases found on a day and removed on it, by platform and by who found them."""

    centre = models.ForeignKey(Centre, on_delete=models.CASCADE, related_name="+", db_index=False)
    day = models.DateField()
    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, related_name="+", db_index=False)
    found_by = models.CharField(max_length=20)
    found = models.PositiveIntegerField(db_default=0)
    removed = models.PositiveIntegerField(db_default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["centre", "day", "platform", "found_by"], name="purged_place_day_unique"),
        ]

    def __str__(self) -> str:
        return f"purged places of centre {self.centre_id} on {self.day}"


class PurgedTakedown(models.Model):
    """One sent takedown request of a purged case: platform, answer and when, nothing else.

    The columns carry the names of TakedownRequest's, so that the reports count both with the same
    expressions (cases/reports/summaries.py); no case, token, ticket number, letter or address.
    """

    centre = models.ForeignKey(Centre, on_delete=models.CASCADE, related_name="+", db_index=False)
    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, related_name="+", db_index=False)
    status = models.CharField(max_length=20)
    sent_at = models.DateTimeField()
    escalated_at = models.DateTimeField(null=True)
    closed_at = models.DateTimeField(null=True)

    class Meta:
        indexes = [
            # The platforms report: removals answered in a period (median and p90 hours to removal).
            models.Index(
                fields=["centre", "closed_at"],
                include=["platform", "sent_at"],
                condition=Q(status="removed"),
                name="purged_takedown_removed_idx",
            ),
            # The live days of the request counts: rows with an event after the last rebuild.
            models.Index(fields=["centre", "sent_at"], name="purged_takedown_sent_idx"),
        ]

    def __str__(self) -> str:
        return f"purged request to platform {self.platform_id}"


class PurgeKind(models.TextChoices):
    RETENTION = "retention", _("Retention period ended")
    ERASURE = "erasure", _("Erased at the victim's request")


class PurgeRecord(models.Model):
    """That a case was purged: which (its reference, as the access log keeps it), why, when, by whom.

    The record of destruction PIPA asks a centre to keep. Nothing about the victim: the reference is the
    random string the case was known by, and `counts` says how many rows of each subject went.
    """

    centre = models.ForeignKey(Centre, on_delete=models.PROTECT, related_name="+", db_index=False)
    case_reference = models.CharField(_("reference"), max_length=8)
    kind = models.CharField(_("why"), max_length=10, choices=PurgeKind.choices)
    # Who asked (erasure) or nobody (the nightly purge, or the command); who approved an erasure.
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", db_index=False
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", db_index=False
    )
    # What staff wrote about the request (never the victim's details: the form says so), encrypted.
    reason = EncryptedTextField(_("reason"), blank=True, default="")
    retention_until = models.DateField(null=True)
    counts = models.JSONField(default=dict)
    purged_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            # The supervisor's list of a centre's purges, newest first.
            models.Index(fields=["centre", "-purged_at"], name="purge_centre_purged_idx"),
        ]

    def __str__(self) -> str:
        return f"purge of {self.case_reference}"


class ErasureRequest(models.Model):
    """The victim asked that her case be erased; a counsellor recorded it, a supervisor decides.

    Approved, the case is purged at once (and this row with it); declined, the row goes and the case's
    history says why. At most one waits per case.
    """

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="erasure_request")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = CaseEncryptedTextField(_("reason"), blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    objects = CaseKeyedManager()

    def __str__(self) -> str:
        return f"erasure request on case {self.case_id}"
