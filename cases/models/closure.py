"""Closure requests: a counsellor (or the victim, through the portal) asks; a supervisor decides."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.crypto import CaseEncryptedTextField, CaseKeyedManager
from cases.models.audit import ActorKind
from cases.models.case import Case


class ClosureDecision(models.TextChoices):
    PENDING = "pending", _("Waiting for a supervisor")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Declined")


class ClosureRequest(models.Model):
    """A request to close a case; at most one waits per case (held by the database)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="closure_requests", db_index=False)
    requested_by_kind = models.CharField(max_length=10, choices=ActorKind.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Free text a person typed: encrypted like a note.
    reason = CaseEncryptedTextField(_("why"), blank=True, default="")
    decision = models.CharField(
        _("decision"), max_length=10, choices=ClosureDecision.choices, default=ClosureDecision.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decline_reason = CaseEncryptedTextField(_("why not"), blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    # Fetches the case keys of a page of rows in one query (cases/crypto.py).
    objects = CaseKeyedManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case"], condition=Q(decision="pending"), name="closure_one_pending"),
        ]
        indexes = [
            # A case's requests (case page) and the pending ones of a centre (supervisor's dashboard).
            models.Index(fields=["case", "-created_at"], name="closure_case_created_idx"),
            models.Index(fields=["decision", "created_at"], name="closure_decision_created_idx"),
        ]

    def __str__(self) -> str:
        return f"closure request {self.pk} on case {self.case_id}"
