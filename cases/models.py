"""Cases, notes, the audit trail and the access log."""

from __future__ import annotations

import secrets
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Centre
from cases.crypto import EncryptedTextField

# Easy to read aloud and to type: no 0/O, 1/I/L, nor U/V look-alikes.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"
REFERENCE_LENGTH = 8


def new_reference() -> str:
    """A random, non-sequential reference such as `K7QM3XPA`, shown as `K7QM-3XPA`."""
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))


def normalise_reference(value: str) -> str:
    """What a victim reads out, as stored: upper case, without dashes or spaces."""
    return "".join(value.split()).replace("-", "").upper()


class Status(models.TextChoices):
    NEW = "new", _("New")
    IN_PROGRESS = "in_progress", _("In progress")
    MONITORING = "monitoring", _("Monitoring")
    CLOSED = "closed", _("Closed")


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


PRIORITY_RANK = {Priority.LOW: 0, Priority.NORMAL: 1, Priority.HIGH: 2, Priority.URGENT: 3}


class HarmType(models.TextChoices):
    SYNTHETIC = "synthetic", _("Synthetic image (deepfake)")
    FILMING = "filming", _("Non-consensual filming")
    DISTRIBUTION = "distribution", _("Distribution")
    SEXTORTION = "sextortion", _("Sextortion or threats")
    PERSONAL_INFO = "personal_info", _("Personal information exposed")


class Language(models.TextChoices):
    KOREAN = "ko", _("Korean")
    ENGLISH = "en", _("English")


class Case(models.Model):
    """One person and what happened to them. Changed only through cases/actions.py."""

    # Foreign keys covered by a composite index below carry no index of their own (db_index=False).
    centre = models.ForeignKey(
        Centre, on_delete=models.PROTECT, related_name="cases", verbose_name=_("centre"), db_index=False
    )
    reference = models.CharField(_("reference"), max_length=REFERENCE_LENGTH, unique=True, default=new_reference)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.NEW)
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    # Sorting by priority means sorting by urgency, not by the alphabet.
    priority_rank = models.GeneratedField(
        expression=models.Case(
            *[models.When(priority=value, then=models.Value(rank)) for value, rank in PRIORITY_RANK.items()],
            default=models.Value(1),
        ),
        output_field=models.SmallIntegerField(),
        db_persist=True,
    )
    is_minor = models.BooleanField(_("minor"), default=False)
    harm_types = models.JSONField(_("harm types"), default=list, blank=True)
    summary = EncryptedTextField(_("summary"), blank=True, default="")

    # Victim details, encrypted at rest; found again only through the keyed hashes below.
    victim_name = EncryptedTextField(_("victim's name"))
    contact_email = EncryptedTextField(_("contact e-mail"), blank=True, default="")
    contact_phone = EncryptedTextField(_("contact phone"), blank=True, default="")
    safe_contact_notes = EncryptedTextField(_("when and how it is safe to contact"), blank=True, default="")
    preferred_language = models.CharField(
        _("preferred language"), max_length=2, choices=Language.choices, default=Language.KOREAN
    )
    name_index = models.CharField(max_length=64, editable=False, default="")
    email_index = models.CharField(max_length=64, editable=False, default="")
    phone_index = models.CharField(max_length=64, editable=False, default="")

    consent_contact = models.BooleanField(_("may be contacted"), default=False)
    consent_share_with_police = models.BooleanField(_("may be shared with the police"), default=False)
    consent_hash_matching = models.BooleanField(_("image hashes may be matched"), default=False)

    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_cases",
        verbose_name=_("assigned counsellor"),
        db_index=False,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    retention_until = models.DateField(_("keep until"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            # The counsellor's "my cases" list and dashboard: assigned_to = me, newest first.
            models.Index(fields=["assigned_to", "-created_at"], name="case_assignee_created_idx"),
            # The centre-wide list (supervisor) and the intake queue (assigned_to IS NULL).
            models.Index(fields=["centre", "-created_at"], name="case_centre_created_idx"),
            models.Index(
                fields=["centre", "-created_at"], condition=Q(assigned_to__isnull=True), name="case_intake_idx"
            ),
            # Exact search and duplicate detection at intake (centre + keyed hash).
            models.Index(fields=["centre", "name_index"], name="case_name_index_idx"),
            models.Index(fields=["centre", "email_index"], name="case_email_index_idx"),
            models.Index(fields=["centre", "phone_index"], name="case_phone_index_idx"),
        ]

    def __str__(self) -> str:
        # Never the victim's name: this string ends up in logs and admin messages.
        return self.display_reference

    @property
    def display_reference(self) -> str:
        return f"{self.reference[:4]}-{self.reference[4:]}"

    @property
    def consents(self) -> dict[str, bool]:
        return {
            "contact": self.consent_contact,
            "share_with_police": self.consent_share_with_police,
            "hash_matching": self.consent_hash_matching,
        }

    @property
    def is_open(self) -> bool:
        return self.status != Status.CLOSED


class NoteVisibility(models.TextChoices):
    INTERNAL = "internal", _("Internal")
    SHARED = "shared", _("Shared with the victim")


class NoteKind(models.TextChoices):
    SESSION = "session", _("Counselling session")
    PHONE = "phone", _("Phone call")
    MESSAGE = "message", _("Message")
    EMAIL = "email", _("E-mail")
    IN_PERSON = "in_person", _("In person")
    OTHER = "other", _("Other")


class Note(models.Model):
    """A counselling session or a contact; `shared` notes are shown to the victim in the portal."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes", db_index=False)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    kind = models.CharField(_("kind"), max_length=20, choices=NoteKind.choices, default=NoteKind.SESSION)
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=NoteVisibility.choices, default=NoteVisibility.INTERNAL
    )
    body = EncryptedTextField(_("note"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        indexes = [
            # The case page's timeline: a case's notes, newest first.
            models.Index(fields=["case", "-created_at"], name="note_case_created_idx"),
        ]

    def __str__(self) -> str:
        return f"note {self.pk} on case {self.case_id}"


class ActorKind(models.TextChoices):
    USER = "user", _("Staff")
    VICTIM = "victim", _("Victim (portal)")
    SYSTEM = "system", _("System")


class EventKind(models.TextChoices):
    CREATED = "created", _("Case opened")
    UPDATED = "updated", _("Details changed")
    STATUS_CHANGED = "status_changed", _("Status changed")
    ASSIGNED = "assigned", _("Assigned")
    NOTE_ADDED = "note_added", _("Note added")


class CaseEvent(models.Model):
    """One change to a case: who made it, what changed, from what to what.

    Values of encrypted fields are never copied here; the event names the field and says it changed.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events", db_index=False)
    actor_kind = models.CharField(max_length=10, choices=ActorKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    kind = models.CharField(max_length=30, choices=EventKind.choices)
    old = models.JSONField(default=dict, blank=True)
    new = models.JSONField(default=dict, blank=True)
    reason = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        indexes = [
            # The case page's timeline and GET /cases/{id}/events/: a case's events in order.
            models.Index(fields=["case", "created_at"], name="event_case_created_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(actor_kind="user", actor__isnull=False) | ~Q(actor_kind="user"),
                name="event_user_actor_present",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} on case {self.case_id}"


class AccessAction(models.TextChoices):
    VIEW = "view", _("Opened")
    EXPORT = "export", _("Exported")


class AccessLog(models.Model):
    """Every time a person opens a case or exports data: who, when, from where."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, null=True, related_name="access_log", db_index=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False)
    centre = models.ForeignKey(Centre, on_delete=models.PROTECT, related_name="+", db_index=False)
    action = models.CharField(max_length=10, choices=AccessAction.choices, default=AccessAction.VIEW)
    ip_address = models.GenericIPAddressField(null=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects: ClassVar[models.Manager[AccessLog]] = models.Manager()

    class Meta:
        indexes = [
            # The supervisor's access log of the centre, newest first, filtered by case or user.
            models.Index(fields=["centre", "-created_at"], name="access_centre_created_idx"),
            models.Index(fields=["case", "-created_at"], name="access_case_created_idx"),
            models.Index(fields=["user", "-created_at"], name="access_user_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.action} of case {self.case_id} by user {self.user_id}"
