"""Liveness checks: every automatic look at a place's address, kept as a record."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Centre
from cases.models.sighting import Sighting


class CheckOutcome(models.TextChoices):
    ONLINE = "online", _("Still online")
    REMOVED = "removed", _("Removed")
    # Nothing was learnt: the place's state does not change.
    UNKNOWN = "unknown", _("No clear answer")
    TIMEOUT = "timeout", _("No answer in time")
    BLOCKED = "blocked", _("Refused: not a public address")


class SightingCheck(models.Model):
    """One check of one place: when, the HTTP status seen, and what it meant. The address is not copied."""

    sighting = models.ForeignKey(Sighting, on_delete=models.CASCADE, related_name="checks", db_index=False)
    centre = models.ForeignKey(Centre, on_delete=models.PROTECT, related_name="+", db_index=False)
    checked_at = models.DateTimeField(_("checked at"), default=timezone.now)
    http_status = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=CheckOutcome.choices)

    class Meta:
        indexes = [
            # The case page: each place's latest checks.
            models.Index(fields=["sighting", "-checked_at"], name="sighting_check_latest_idx"),
        ]

    def __str__(self) -> str:
        return f"check {self.pk} of sighting {self.sighting_id}"
