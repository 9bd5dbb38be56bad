"""Letters that caseflow e-mails to platforms itself: the request's token, the mail's state, each attempt."""

from __future__ import annotations

import secrets

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models.case import REFERENCE_ALPHABET

# "TD-" and ten characters: never mistaken for a case reference (eight, shown as K7QM-3XPA), easy to
# read out on the phone, and about 48 random bits, so a platform cannot guess another request's token.
LETTER_TOKEN_PREFIX = "TD-"  # noqa: S105 - a label, not a secret
LETTER_TOKEN_LENGTH = 10


def new_letter_token() -> str:
    """A random token such as `TD-7F3K9Q2XWM` that a letter carries instead of the case reference."""
    return LETTER_TOKEN_PREFIX + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(LETTER_TOKEN_LENGTH))


class MailState(models.TextChoices):
    """Where an e-mailed letter is: empty when the request never went out by caseflow's own mail."""

    NONE = "", _("Not e-mailed")
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Accepted by the mail server")
    FAILED = "failed", _("Could not be sent")


class LetterOutcome(models.TextChoices):
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    LOST = "lost", _("Worker lost")


class LetterAttempt(models.Model):
    """One try at handing a letter to the mail server: how it ended, and a short code if it failed."""

    takedown = models.ForeignKey("cases.TakedownRequest", on_delete=models.CASCADE, related_name="letter_attempts")
    outcome = models.CharField(_("outcome"), max_length=10, choices=LetterOutcome.choices)
    # A code such as "smtp_451" or "smtp_unreachable_ConnectionRefusedError"; never an address or text.
    error = models.CharField(_("error"), max_length=100, blank=True, default="")
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), default=timezone.now)

    class Meta:
        verbose_name = _("letter attempt")
        verbose_name_plural = _("letter attempts")
        # A request's attempts are read through the foreign key's index and are never more than
        # LETTER_MAX_ATTEMPTS rows per send.

    def __str__(self) -> str:
        return f"letter attempt on takedown {self.takedown_id}: {self.outcome}"
