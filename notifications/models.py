"""The outbox: one row per message to one recipient over one channel, and one row per delivery attempt."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Language
from notifications.crypto import EncryptedAddressField

# Language is re-exported: messages and outbox take it from here.
__all__ = ["Channel", "Language", "Notification", "NotificationAttempt", "Outcome", "State"]


class Channel(models.TextChoices):
    INBOX = "inbox", _("In-app inbox")
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("Text message (SMS)")


class State(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


# States a row never leaves; its victim address is erased on reaching one (store the least).
FINAL_STATES = (State.SENT, State.FAILED, State.CANCELLED)


class Notification(models.Model):
    """One message to one recipient over one channel: what to say (a template key and ids), when, and its state.

    `pending` rows are due at `due_at`; the dispatcher moves due rows to `sending` (claim_token empty:
    queued for a worker), a worker claims one by setting `claim_token`, sends it and marks it `sent`,
    or puts it back to `pending` with a later `due_at` after a failure (`failed` after the last attempt).
    """

    # Staff are addressed as users (inbox, or their account's e-mail); a victim, who has no account,
    # by an address that is encrypted like every other victim detail and erased once the row is final.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("recipient"),
        db_index=False,
    )
    address = EncryptedAddressField(_("address"), null=True, blank=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    template_key = models.CharField(_("message"), max_length=100)
    # Ids only (e.g. {"case_id": 12}), for the inbox to link to what the message is about; never shown
    # in a message body, and enqueue() refuses anything else.
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, default=Language.KOREAN)
    due_at = models.DateTimeField(_("due at"))
    dedupe_key = models.CharField(_("dedupe key"), max_length=200, unique=True)
    # Related rows cancelled or rescheduled together, e.g. "case:123" or "takedown:45".
    group_key = models.CharField(_("group"), max_length=100, blank=True, default="")
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # A short code such as "http_500" or "worker_lost"; never message content or an address.
    last_error = models.CharField(_("last error"), max_length=100, blank=True, default="")
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    # Set by the worker that owns the row while it sends; empty while the row waits in the queue.
    claim_token = models.UUIDField(null=True, blank=True, editable=False)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            # The dispatcher: WHERE state = 'pending' AND due_at <= now ORDER BY due_at LIMIT n
            # FOR UPDATE SKIP LOCKED. Only pending rows are indexed, so the index stays small.
            models.Index(fields=["due_at"], condition=Q(state="pending"), name="notif_pending_due_idx"),
            # The dispatcher's reclaim: WHERE state = 'sending' AND claimed_at < now - visibility timeout.
            models.Index(fields=["claimed_at"], condition=Q(state="sending"), name="notif_sending_claimed_idx"),
            # cancel() and reschedule() by group: WHERE group_key = 'case:123' AND state IN ('pending', 'sending').
            models.Index(
                fields=["group_key"],
                condition=Q(state__in=["pending", "sending"]) & ~Q(group_key=""),
                name="notif_open_group_idx",
            ),
            # The inbox list, newest first: WHERE recipient_id = me AND channel = 'inbox' AND state = 'sent'
            # ORDER BY sent_at DESC, id DESC; also the lookup by recipient when a user is deleted.
            models.Index(fields=["recipient", "-sent_at", "-id"], name="notif_recipient_sent_idx"),
            # The unread count in every page header: WHERE recipient_id = me AND channel = 'inbox'
            # AND state = 'sent' AND read_at IS NULL.
            models.Index(
                fields=["recipient"],
                condition=Q(channel="inbox", state="sent", read_at__isnull=True),
                name="notif_unread_idx",
            ),
            # The supervisors' list of deliveries given up: WHERE state = 'failed' ORDER BY due_at DESC.
            models.Index(fields=["-due_at"], condition=Q(state="failed"), name="notif_failed_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(recipient__isnull=True) | Q(address__isnull=True),
                name="notif_one_kind_of_recipient",
            ),
            models.CheckConstraint(
                condition=Q(recipient__isnull=False) | Q(address__isnull=False) | Q(state__in=FINAL_STATES),
                name="notif_recipient_until_final",
            ),
            models.CheckConstraint(
                condition=~Q(channel="inbox") | Q(recipient__isnull=False),
                name="notif_inbox_has_user",
            ),
        ]

    def __str__(self) -> str:
        # Never the address: this string ends up in logs and admin messages.
        return f"{self.template_key} #{self.pk} ({self.state})"


class Outcome(models.TextChoices):
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    LOST = "lost", _("Worker lost")


class NotificationAttempt(models.Model):
    """One delivery attempt of a notification: how it ended, and why not if it failed."""

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="delivery_attempts")
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    error = models.CharField(_("error"), max_length=100, blank=True, default="")
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), default=timezone.now)

    class Meta:
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        # A notification's attempts in order are served by the foreign key's index (notification_id)
        # and are never more than NOTIFICATIONS_MAX_ATTEMPTS rows.

    def __str__(self) -> str:
        return f"attempt on notification {self.notification_id}: {self.outcome}"
