"""Sightings: the places where the content appears."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Centre
from cases.crypto import CaseEncryptedTextField, CaseKeyedManager
from cases.models.case import Case
from cases.models.platform import Platform


class FoundBy(models.TextChoices):
    COUNSELLOR = "counsellor", _("Counsellor")
    VICTIM = "victim", _("Victim")
    MONITORING = "monitoring", _("Monitoring")


class ContentKind(models.TextChoices):
    IMAGE = "image", _("Image")
    VIDEO = "video", _("Video")
    TEXT = "text", _("Text or post")
    PROFILE = "profile", _("Profile or account")
    ROOM = "room", _("Chat room or channel")
    OTHER = "other", _("Other")


class SightingState(models.TextChoices):
    ONLINE = "online", _("Online")
    REMOVED = "removed", _("Removed")
    REAPPEARED = "reappeared", _("Reappeared")
    # Reported by the victim through the portal: waits for the counsellor's review, goes to no platform.
    REPORTED = "reported", _("Reported by the victim, to review")


class Sighting(models.Model):
    """One place where the content appears. The URL is encrypted; its keyed hash finds it again."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="sightings", db_index=False)
    # The case's centre, copied as on takedown requests: the reports count a centre's places by day
    # without joining millions of places to their cases. Set by cases/actions/sightings.py.
    centre = models.ForeignKey(Centre, on_delete=models.PROTECT, related_name="+", db_index=False)
    url = CaseEncryptedTextField(_("address"))
    url_hash = models.CharField(max_length=64, editable=False)
    # The host alone says which service, not what content: kept plain for platform reports.
    host = models.CharField(_("host"), max_length=253)
    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, related_name="sightings")
    found_by = models.CharField(_("found by"), max_length=20, choices=FoundBy.choices, default=FoundBy.COUNSELLOR)
    content_kind = models.CharField(_("content"), max_length=20, choices=ContentKind.choices, default=ContentKind.IMAGE)
    is_synthetic = models.BooleanField(_("synthetic (deepfake)"), default=False)
    exposes_personal_info = models.BooleanField(_("exposes personal information"), default=False)
    state = models.CharField(_("state"), max_length=20, choices=SightingState.choices, default=SightingState.ONLINE)
    last_checked_at = models.DateTimeField(_("last checked"), null=True, blank=True)
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(_("found at"), default=timezone.now, editable=False)
    version = models.PositiveIntegerField(_("version"), default=1)

    # Fetches the case keys of a page of rows in one query (cases/crypto.py).
    objects = CaseKeyedManager()

    class Meta:
        verbose_name = _("sighting")
        verbose_name_plural = _("sightings")
        constraints = [
            # One row per address per case; pasting it again reports the existing one.
            models.UniqueConstraint(fields=["case", "url_hash"], name="sighting_case_url_unique"),
        ]
        indexes = [
            # The same content in other cases of the centre: lookup by the address's keyed hash.
            models.Index(fields=["url_hash"], name="sighting_url_hash_idx"),
            # Reports: a centre's places found or removed since the daily summaries were built (removal
            # comes after finding, so the later of the two is the first set of removed_at, created_at).
            models.Index(F("centre"), Coalesce("removed_at", "created_at"), name="sighting_last_event_idx"),
        ]

    def __str__(self) -> str:
        # Not the host: "name.blogspot.com" can be personal, and this string reaches admin pages.
        return f"sighting {self.pk}"
