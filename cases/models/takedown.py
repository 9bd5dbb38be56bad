"""Takedown requests to platforms and the sightings each one covers."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Centre, Language
from cases.crypto import CaseEncryptedTextField, CaseKeyedManager
from cases.models.case import Case
from cases.models.letter import MailState, new_letter_token
from cases.models.platform import Platform, RequestChannel
from cases.models.sighting import Sighting


class TakedownStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    ESCALATED = "escalated", _("Escalated to the regulator")
    REMOVED = "removed", _("Removed")
    PARTIALLY_REMOVED = "partially_removed", _("Partially removed")
    REFUSED = "refused", _("Refused")


OPEN_TAKEDOWN_STATUSES = (
    TakedownStatus.DRAFT,
    TakedownStatus.SENT,
    TakedownStatus.ACKNOWLEDGED,
    TakedownStatus.ESCALATED,
)


class TakedownRequest(models.Model):
    """One request to one platform about one or more sightings of one case."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="takedowns", db_index=False)
    centre = models.ForeignKey(Centre, on_delete=models.PROTECT, related_name="+", db_index=False)
    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, related_name="takedowns", db_index=False)
    sightings = models.ManyToManyField(Sighting, through="TakedownItem", related_name="takedowns")
    status = models.CharField(_("status"), max_length=20, choices=TakedownStatus.choices, default=TakedownStatus.DRAFT)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices)
    # The letter as drafted and edited; the copy that was sent is frozen in sent_subject/sent_body.
    subject = CaseEncryptedTextField(_("subject"))
    body = CaseEncryptedTextField(_("letter"))
    sent_subject = CaseEncryptedTextField(_("subject as sent"), blank=True, default="")
    sent_body = CaseEncryptedTextField(_("letter as sent"), blank=True, default="")
    channel = models.CharField(_("channel"), max_length=10, choices=RequestChannel.choices, blank=True, default="")
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    deadline_at = models.DateTimeField(_("deadline"), null=True, blank=True)
    ticket_number = models.CharField(_("platform's ticket number"), max_length=200, blank=True, default="")
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    version = models.PositiveIntegerField(_("version"), default=1)
    # What the letter quotes instead of the case reference (the victim signs in to the portal with
    # that); replies are matched by it.
    token = models.CharField(_("request token"), max_length=20, unique=True, default=new_letter_token, editable=False)
    # Where the letter went, and the Message-ID it went with (e-mail); both fixed when it was sent.
    sent_to = models.CharField(_("sent to"), max_length=254, blank=True, default="")
    message_id = models.CharField(_("Message-ID"), max_length=255, blank=True, default="")
    # The e-mail's own life (cases/actions/letters.py): pending -> sending -> sent, or back to pending
    # after a failure, or failed after the last attempt. `status` becomes "sent" only with mail "sent".
    mail_state = models.CharField(_("e-mail"), max_length=10, choices=MailState.choices, blank=True, default="")
    mail_attempts = models.PositiveSmallIntegerField(_("e-mail attempts"), default=0)
    mail_due_at = models.DateTimeField(_("next e-mail attempt"), null=True, blank=True)
    # Set by the worker that holds the letter while it talks to the mail server.
    mail_claim = models.UUIDField(null=True, blank=True, editable=False)
    mail_claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    mail_error = models.CharField(_("last e-mail error"), max_length=100, blank=True, default="")
    # Attachments of the platform's replies are dropped unless the counsellor asks to keep them here.
    keep_reply_attachments = models.BooleanField(_("keep attachments of replies"), default=False)

    # Fetches the case keys of a page of rows in one query (cases/crypto.py).
    objects = CaseKeyedManager()

    class Meta:
        verbose_name = _("takedown request")
        verbose_name_plural = _("takedown requests")
        indexes = [
            # The centre's "takedowns due" page: open requests with a deadline, soonest first.
            # Covering (status, case): the overdue count is then an index-only scan (PostgreSQL).
            models.Index(
                fields=["centre", "deadline_at"],
                include=["status", "case"],
                condition=Q(status__in=["sent", "acknowledged", "escalated"]),
                name="takedown_due_idx",
            ),
            # A case's requests, newest first (case page, ?case= filter).
            models.Index(fields=["case", "-created_at"], name="takedown_case_created_idx"),
            # Platform performance reports and ?platform= filter.
            models.Index(fields=["platform", "status"], name="takedown_platform_status_idx"),
            # The letter sweep (cases.tasks.send_due_letters): WHERE mail_state = 'pending' AND
            # mail_due_at <= now, and WHERE mail_state = 'sending' AND mail_claimed_at < now - timeout.
            # Only letters on their way are indexed, so the index stays tiny.
            models.Index(fields=["mail_due_at"], condition=Q(mail_state="pending"), name="takedown_mail_due_idx"),
            models.Index(
                fields=["mail_claimed_at"], condition=Q(mail_state="sending"), name="takedown_mail_claimed_idx"
            ),
            # Reports: requests sent, escalated or answered since the daily summaries were built. A
            # request's events come in order (sent, escalated, answered), so its latest is the first set of
            # closed_at, escalated_at, sent_at, and one index finds every request with a recent event. Not
            # partial: PostgreSQL estimates rows from an expression index's statistics only when it is not.
            models.Index(F("centre"), Coalesce("closed_at", "escalated_at", "sent_at"), name="takedown_last_event_idx"),
            # The platforms report: median and p90 hours to removal of the requests removed in a period,
            # from the index alone (PostgreSQL).
            models.Index(
                fields=["centre", "closed_at"],
                include=["platform", "sent_at"],
                condition=Q(status="removed"),
                name="takedown_removed_idx",
            ),
            # The platforms report: requests overdue now, per platform.
            models.Index(
                fields=["centre", "deadline_at"],
                include=["platform"],
                condition=Q(status__in=["sent", "acknowledged"]),
                name="takedown_overdue_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"takedown {self.pk} to {self.platform_id}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_TAKEDOWN_STATUSES

    @property
    def letter_on_its_way(self) -> bool:
        """Queued or being e-mailed: the letter is fixed and only the worker may move the request."""
        return self.mail_state in (MailState.PENDING, MailState.SENDING)

    @property
    def is_overdue(self) -> bool:
        """Derived, never stored: sent or acknowledged, and the platform's deadline has passed."""
        return self.overdue(self.status, self.deadline_at, timezone.now())

    @staticmethod
    def overdue(status: str, deadline_at: datetime | None, now: datetime) -> bool:
        """The rule of is_overdue on plain values (lists read as values, not model objects)."""
        return (
            status in (TakedownStatus.SENT, TakedownStatus.ACKNOWLEDGED)
            and deadline_at is not None
            and deadline_at < now
        )


class TakedownItem(models.Model):
    """A sighting covered by a request. `is_open` mirrors the request, so that one sighting is never
    in two open requests (enforced by the database)."""

    takedown = models.ForeignKey(TakedownRequest, on_delete=models.CASCADE, related_name="items")
    sighting = models.ForeignKey(Sighting, on_delete=models.CASCADE, related_name="takedown_items")
    is_open = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["takedown", "sighting"], name="takedown_item_unique"),
            models.UniqueConstraint(fields=["sighting"], condition=Q(is_open=True), name="sighting_one_open_request"),
        ]

    def __str__(self) -> str:
        return f"sighting {self.sighting_id} in takedown {self.takedown_id}"
