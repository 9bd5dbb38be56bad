"""The case: one person and what happened to them, with her encrypted details."""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Centre, Language
from cases.crypto import CaseEncryptedTextField, CaseKeyedManager, is_erased
from keystore.store import store_case_key
from keystore.wrapping import new_data_key

# Easy to read aloud and to type: no 0/O, 1/I/L, nor U/V look-alikes.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"
REFERENCE_LENGTH = 8


def new_reference() -> str:
    """A random, non-sequential reference such as `K7QM3XPA`, shown as `K7QM-3XPA`."""
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))


def normalise_reference(value: str) -> str:
    """What a victim reads out, as stored: upper case, without dashes or spaces."""
    return "".join(value.split()).replace("-", "").upper()


# Victim details: encrypted, never copied into the audit trail, never loaded for lists that do not show them.
PRIVATE_FIELDS = frozenset({"victim_name", "contact_email", "contact_phone", "safe_contact_notes", "summary"})


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


class ContactChannel(models.TextChoices):
    NONE = "none", _("Do not contact")
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("Text message (SMS)")


class Case(models.Model):
    """One person and what happened to them. Changed only through cases/actions/."""

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
    summary = CaseEncryptedTextField(_("summary"), blank=True, default="", case_attname="id")

    # Victim details, encrypted at rest; found again only through the keyed hashes below.
    victim_name = CaseEncryptedTextField(_("victim's name"), case_attname="id")
    contact_email = CaseEncryptedTextField(_("contact e-mail"), blank=True, default="", case_attname="id")
    contact_phone = CaseEncryptedTextField(_("contact phone"), blank=True, default="", case_attname="id")
    safe_contact_notes = CaseEncryptedTextField(
        _("when and how it is safe to contact"), blank=True, default="", case_attname="id"
    )
    preferred_language = models.CharField(
        _("preferred language"), max_length=2, choices=Language.choices, default=Language.KOREAN
    )
    name_index = models.CharField(max_length=64, editable=False, default="")
    email_index = models.CharField(max_length=64, editable=False, default="")
    phone_index = models.CharField(max_length=64, editable=False, default="")
    phone_last4_index = models.CharField(max_length=64, editable=False, default="")

    consent_contact = models.BooleanField(_("may be contacted"), default=False)
    # How the victim wants to hear that there is an update, and when never to be contacted.
    contact_channel = models.CharField(
        _("how to tell of updates"), max_length=5, choices=ContactChannel.choices, default=ContactChannel.NONE
    )
    quiet_start = models.TimeField(_("quiet hours from"), null=True, blank=True)
    quiet_end = models.TimeField(_("quiet hours until"), null=True, blank=True)
    consent_share_with_police = models.BooleanField(_("may be shared with the police"), default=False)
    consent_hash_matching = models.BooleanField(_("image hashes may be matched"), default=False)
    # Without it, an uploaded image or video leaves only its hashes (cases/models/evidence.py).
    consent_keep_evidence = models.BooleanField(_("evidence files may be kept"), default=False)

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
    # True once the case has a data key in the key store (every case opened since case keys, and older
    # ones after `manage.py encrypt_with_case_keys`). A case that has one but whose key the store no
    # longer holds was erased: its values read as erased and cannot be changed.
    has_own_key = models.BooleanField(_("encrypted with its own key"), default=False, editable=False)

    objects = CaseKeyedManager()

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            # The counsellor's "my cases" list and dashboard: assigned_to = me, newest first.
            models.Index(fields=["assigned_to", "-created_at"], name="case_assignee_created_idx"),
            # GET /cases/?assigned_to=me&status=…: the page and its count from one index (access.my_cases).
            # `id`: a counsellor's case ids from the index alone, which her takedown requests and referrals
            # are matched against (access._of_counsellors_cases; her due count 7.0 → 2.7 ms).
            models.Index(
                fields=["centre", "assigned_to", "status", "-created_at"], include=["id"], name="case_mine_status_idx"
            ),
            # The centre-wide list (supervisor) and the intake queue (assigned_to IS NULL).
            models.Index(fields=["centre", "-created_at"], name="case_centre_created_idx"),
            models.Index(
                fields=["centre", "-created_at"], condition=Q(assigned_to__isnull=True), name="case_intake_idx"
            ),
            # Exact search and duplicate detection at intake (centre + keyed hash).
            models.Index(fields=["centre", "name_index"], name="case_name_index_idx"),
            models.Index(fields=["centre", "email_index"], name="case_email_index_idx"),
            models.Index(fields=["centre", "phone_index"], name="case_phone_index_idx"),
            # Search by the last four digits of the phone, as Korean centres do on the phone.
            models.Index(fields=["centre", "phone_last4_index"], name="case_phone_last4_idx"),
            # Reports: the workload and ageing of open cases, read from the index alone (PostgreSQL);
            # `id` lets the overdue requests join their case's assignee without reading the table.
            models.Index(
                fields=["centre", "assigned_to", "status", "priority"],
                include=["is_minor", "created_at", "id"],
                condition=Q(status__in=["new", "in_progress", "monitoring"]),
                name="case_open_report_idx",
            ),
            # The case list (/cases/) by status, newest change first: WHERE centre_id = … AND status = …
            # [AND harm_types @> …] ORDER BY updated_at DESC, id DESC LIMIT 25 walks it in order, and the
            # page's total is counted from the index alone (harm types included). Before it, a supervisor's
            # closed cases of one harm type read the whole table twice (bench.case_list: 100 + 186 ms).
            models.Index(
                fields=["centre", "status", "-updated_at", "-id"],
                include=["harm_types"],
                name="case_centre_status_changed_idx",
            ),
            # Reports: cases closed since the daily summaries were built (cases/reports/summaries.py).
            models.Index(
                fields=["centre", "closed_at"], condition=Q(closed_at__isnull=False), name="case_centre_closed_idx"
            ),
        ]

    def __str__(self) -> str:
        # Never the victim's name: this string ends up in logs and admin messages.
        return self.display_reference

    def save(self, *args: Any, **kwargs: Any) -> None:
        """A new case gets its own data key, committed to the key store before the case itself
        (keystore/store.py says why that order)."""
        data_key = self.prepare_own_key() if self._state.adding and self.pk is None else None
        try:
            super().save(*args, **kwargs)
        finally:
            self.__dict__.pop("_new_data_key", None)
        if data_key is not None:
            store_case_key(self.pk, data_key)

    def prepare_own_key(self) -> bytes:
        """A new case's data key: its values are sealed with it when the row is written; the caller
        commits it to the key store (store_case_key) once the row has its id, before the case commits."""
        data_key = new_data_key()
        self._new_data_key = data_key
        self.has_own_key = True
        return data_key

    @property
    def is_erased(self) -> bool:
        """Its data key was destroyed: nothing encrypted of it can be read any more (the name, which
        every case has, reads as erased)."""
        return is_erased(self.victim_name)

    @property
    def display_reference(self) -> str:
        return self.format_reference(self.reference)

    @staticmethod
    def format_reference(reference: str) -> str:
        """As people read and type it: the year, a dash, the rest (2026-AB12CD34)."""
        return f"{reference[:4]}-{reference[4:]}"

    @property
    def consents(self) -> dict[str, bool]:
        return {
            "contact": self.consent_contact,
            "share_with_police": self.consent_share_with_police,
            "hash_matching": self.consent_hash_matching,
            "keep_evidence": self.consent_keep_evidence,
        }

    @property
    def is_open(self) -> bool:
        return self.status != Status.CLOSED
