"""Follow-ups: a counsellor's own reminders on a case."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.crypto import CaseEncryptedTextField, CaseKeyedManager
from cases.models.case import Case


class FollowUp(models.Model):
    """ "Call back Friday 14:00": a counsellor's own reminder on a case, delivered through the outbox."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="followups", db_index=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    due_at = models.DateTimeField(_("when"))
    note = CaseEncryptedTextField(_("what to do"), blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # Marked done (from the inbox or the case page); a done follow-up is listed as past, never reminded.
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    # Optimistic locking: "done" and "snooze" name the version they read; a stale one is refused (409).
    version = models.PositiveIntegerField(_("version"), default=1)

    # Fetches the case keys of a page of rows in one query (cases/crypto.py).
    objects = CaseKeyedManager()

    class Meta:
        indexes = [
            # The case page's follow-ups, soonest first.
            models.Index(fields=["case", "due_at"], name="followup_case_due_idx"),
            # The workload report: follow-ups due in the next seven days.
            models.Index(fields=["due_at"], name="followup_due_idx"),
        ]

    def __str__(self) -> str:
        return f"follow-up {self.pk} on case {self.case_id}"

    @property
    def is_done(self) -> bool:
        return self.done_at is not None

    @property
    def reminder_key(self) -> str:
        """The dedupe key of this version's reminder: snoozing makes a new one, since the old may be sent."""
        return f"followup:{self.pk}" if self.version == 1 else f"followup:{self.pk}:v{self.version}"
