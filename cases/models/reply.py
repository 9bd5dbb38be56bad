"""Platforms' e-mailed replies to takedown letters, as caseflow's inbound SMTP server received them."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Centre
from cases.crypto import CaseEncryptedTextField, CaseKeyedManager
from cases.models.takedown import TakedownRequest, TakedownStatus


class ReplyStatus(models.TextChoices):
    # On its request's page, waiting for the counsellor to confirm the outcome it suggests.
    MATCHED = "matched", _("Waiting for the counsellor")
    APPLIED = "applied", _("Outcome confirmed")
    # In the centre's queue: nothing changes until a supervisor looks at it.
    UNMATCHED = "unmatched", _("No request found")
    SUSPICIOUS = "suspicious", _("Not from the platform, or a wrong token")
    MALFORMED = "malformed", _("Could not be read")
    DISMISSED = "dismissed", _("Dismissed")


# The outcomes a reply can suggest and a counsellor confirm from it.
REPLY_OUTCOMES = (TakedownStatus.ACKNOWLEDGED, TakedownStatus.REMOVED, TakedownStatus.REFUSED)
QUEUE_STATUSES = (ReplyStatus.UNMATCHED, ReplyStatus.SUSPICIOUS, ReplyStatus.MALFORMED)


class PlatformReply(models.Model):
    """One e-mail that reached a centre's inbound address: matched to its takedown request by the token
    (subject, In-Reply-To or References), or waiting in the centre's queue. The sender, subject and text
    are encrypted like a note; attachments are kept only where a counsellor asked for them."""

    centre = models.ForeignKey(Centre, on_delete=models.PROTECT, related_name="+", db_index=False)
    # The request it answers (matched), or the one it claims to answer (suspicious: wrong sender).
    takedown = models.ForeignKey(
        TakedownRequest, on_delete=models.CASCADE, null=True, blank=True, related_name="replies", db_index=False
    )
    # The case of that request, copied: its sender, subject and text are encrypted with the case's key (a
    # queued reply names no case, and stays under the master keys until a supervisor attaches it).
    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, null=True, blank=True, related_name="+", db_index=False
    )
    status = models.CharField(_("status"), max_length=12, choices=ReplyStatus.choices)
    # Why it is in the queue: "no_token", "unknown_token", "from_domain", "malformed".
    flags = models.JSONField(default=list, blank=True)
    received_at = models.DateTimeField(_("received at"), default=timezone.now, editable=False)
    message_id = models.CharField(_("Message-ID"), max_length=255, blank=True, default="")
    from_address = CaseEncryptedTextField(_("from"), blank=True, default="", master_without_case=True)
    subject = CaseEncryptedTextField(_("subject"), blank=True, default="", master_without_case=True)
    text = CaseEncryptedTextField(_("text"), blank=True, default="", master_without_case=True)
    ticket_number = models.CharField(_("platform's ticket number"), max_length=200, blank=True, default="")
    suggested_status = models.CharField(_("suggested outcome"), max_length=20, blank=True, default="")
    # Names, types and sizes of the attachments; their content only in ReplyAttachment, when asked for.
    attachments = models.JSONField(default=list, blank=True)
    size = models.PositiveIntegerField(_("size (bytes)"), default=0)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    objects = CaseKeyedManager()

    class Meta:
        verbose_name = _("platform reply")
        verbose_name_plural = _("platform replies")
        indexes = [
            # The request page's replies, in order.
            models.Index(fields=["takedown", "received_at"], name="reply_takedown_idx"),
            # A case's replies: its export and its purge.
            models.Index(fields=["case"], condition=Q(case__isnull=False), name="reply_case_idx"),
            # The centre's queue: what waits, oldest first.
            models.Index(
                fields=["centre", "received_at"],
                condition=Q(status__in=["unmatched", "suspicious", "malformed"]),
                name="reply_queue_idx",
            ),
        ]
        constraints = [
            # A message delivered twice (the sender retried) is stored once.
            models.UniqueConstraint(
                fields=["centre", "message_id"], condition=~Q(message_id=""), name="reply_centre_message_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"reply {self.pk} ({self.status})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The case follows the request (set before the texts are sealed, which happens while saving).
        if self.takedown_id is not None and self.case_id is None:
            self.case_id = TakedownRequest.objects.values_list("case_id", flat=True).get(pk=self.takedown_id)
        super().save(*args, **kwargs)

    @property
    def in_queue(self) -> bool:
        return self.status in QUEUE_STATUSES


class ReplyAttachment(models.Model):
    """An attachment of a reply, kept because a counsellor asked that replies to its request keep theirs."""

    reply = models.ForeignKey(PlatformReply, on_delete=models.CASCADE, related_name="kept_attachments")
    # The reply's case (only a matched reply keeps attachments): name and bytes under the case's key.
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    filename = CaseEncryptedTextField(_("file name"))
    content_type = models.CharField(max_length=100)
    # Base64 of the bytes, encrypted.
    content = CaseEncryptedTextField()
    size = models.PositiveIntegerField(default=0)

    objects = CaseKeyedManager()

    def __str__(self) -> str:
        return f"attachment {self.pk} of reply {self.reply_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The reply's case (set before the name and bytes are sealed, which happens while saving).
        if self.case_id is None:
            self.case_id = self.reply.case_id
        super().save(*args, **kwargs)
