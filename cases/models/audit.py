"""The audit trail (every change) and the access log (every read of a case or export)."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Centre
from cases.crypto import CaseEncryptedTextField, CaseKeyedManager
from cases.models.case import Case


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
    SIGHTINGS_ADDED = "sightings_added", _("Places added")
    SIGHTING_CHANGED = "sighting_changed", _("Place updated")
    TAKEDOWN_DRAFTED = "takedown_drafted", _("Takedown request drafted")
    TAKEDOWN_EDITED = "takedown_edited", _("Takedown letter edited")
    TAKEDOWN_CHANGED = "takedown_changed", _("Takedown request updated")
    LETTER_QUEUED = "letter_queued", _("Takedown letter queued for e-mail")
    LETTER_FAILED = "letter_failed", _("Takedown letter could not be e-mailed")
    FOLLOWUP_SET = "followup_set", _("Follow-up set")
    REFERRAL_PROPOSED = "referral_proposed", _("Referral proposed")
    REFERRAL_CHANGED = "referral_changed", _("Referral updated")
    REPLY_RECEIVED = "reply_received", _("Platform's reply received")
    FOLLOWUP_DONE = "followup_done", _("Follow-up done")
    FOLLOWUP_SNOOZED = "followup_snoozed", _("Follow-up snoozed")
    PORTAL_ISSUED = "portal_issued", _("Portal access issued")
    PORTAL_REVOKED = "portal_revoked", _("Portal access revoked")
    CONSENTS_CHANGED = "consents_changed", _("Consent changed")
    CONTACT_CHANGED = "contact_changed", _("Contact choices changed")
    PLACES_REPORTED = "places_reported", _("Places reported by the victim")
    CLOSURE_REQUESTED = "closure_requested", _("Closure requested")
    CLOSURE_DECIDED = "closure_decided", _("Closure request decided")
    GUARDIAN_CHANGED = "guardian_changed", _("Guardian's details changed")
    DUTY_RAISED = "duty_raised", _("Report to the authorities owed")
    DUTY_REPORTED = "duty_reported", _("Report to the authorities recorded")
    RETENTION_EXTENDED = "retention_extended", _("Retention extended")
    EXPORTED = "exported", _("Everything held about the victim exported")
    ERASURE_REQUESTED = "erasure_requested", _("Erasure requested")
    ERASURE_DECLINED = "erasure_declined", _("Erasure declined")
    KEY_DESTROYED = "key_destroyed", _("Case key destroyed: the case can no longer be read")
    RISK_ASSESSED = "risk_assessed", _("Risk of harm assessed")
    ESCALATION_ACKNOWLEDGED = "escalation_acknowledged", _("Urgent risk acknowledged by a supervisor")
    ESCALATION_RESOLVED = "escalation_resolved", _("Safety plan recorded after an urgent risk")
    EVIDENCE_ADDED = "evidence_added", _("Evidence hashed")
    EVIDENCE_MATCHED = "evidence_matched", _("Evidence matched another case")
    EVIDENCE_FILE_KEPT = "evidence_file_kept", _("Evidence file kept, uploaded again with the victim's consent")
    HASHES_SHARED = "hashes_shared", _("Hashes shared with the national bank")
    HASHES_WITHDRAWN = "hashes_withdrawn", _("Hashes withdrawn from the national bank")
    POLICE_PACK_EXPORTED = "police_pack_exported", _("Evidence pack exported for the police")


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
    # Free text a person typed ("called her, she asked to wait"): encrypted like a note.
    reason = CaseEncryptedTextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    # Fetches the case keys of a page of rows in one query (cases/crypto.py).
    objects = CaseKeyedManager()

    class Meta:
        indexes = [
            # The case page's timeline and GET /cases/{id}/events/: a case's events in order.
            models.Index(fields=["case", "created_at"], name="event_case_created_idx"),
            # The workload report's "last activity": a person's latest change, one index probe each.
            models.Index(fields=["actor", "-created_at"], name="event_actor_created_idx"),
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
    # A list or a search that showed victims' names: one row for the request, not one per case.
    LIST = "list", _("Listed")
    SEARCH = "search", _("Searched")
    # An intake check that matched cases the person may not see: counted, so it leaves a trace.
    DUPLICATE_CHECK = "duplicate_check", _("Checked for duplicates")
    # A supervisor report (centre-wide figures, no victim detail) opened as a page or through the API.
    REPORT = "report", _("Opened a report")
    # Items of a case passed to a partner organisation (a referral sent): `detail` says what and to whom.
    REFERRAL = "referral", _("Shared with a partner")
    # The centre's access log read by a supervisor (who read which case: no victim detail).
    ACCESS_LOG = "access_log", _("Read the access log")
    # A kept evidence file (the copy without metadata) shown to a person.
    EVIDENCE = "evidence", _("Viewed an evidence file")


class AccessLog(models.Model):
    """Every time a person opens a case or exports data: who, when, from where.

    A purged case leaves its rows here: `case` becomes null and `case_reference` still says which case
    was read, so the log stays whole (and its sealed blocks verifiable) after the case is gone.
    """

    case = models.ForeignKey(Case, on_delete=models.SET_NULL, null=True, related_name="access_log", db_index=False)
    case_reference = models.CharField(max_length=8, blank=True, default="")
    # The sealed block this row belongs to (cases/chain.py); null until the next minute's sealing.
    block = models.ForeignKey(
        "AccessBlock", on_delete=models.PROTECT, null=True, blank=True, related_name="rows", db_index=False
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False)
    centre = models.ForeignKey(Centre, on_delete=models.PROTECT, related_name="+", db_index=False)
    action = models.CharField(max_length=20, choices=AccessAction.choices, default=AccessAction.VIEW)
    ip_address = models.GenericIPAddressField(null=True)
    # What left and to whom, for a referral: the partner and the names of the items (never their values).
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects: ClassVar[models.Manager[AccessLog]] = models.Manager()

    class Meta:
        indexes = [
            # The supervisor's access log of the centre, newest first, filtered by case or user.
            models.Index(fields=["centre", "-created_at"], name="access_centre_created_idx"),
            models.Index(fields=["case", "-created_at"], name="access_case_created_idx"),
            models.Index(fields=["user", "-created_at"], name="access_user_created_idx"),
            # Sealing: a centre's rows not in a block yet, oldest first (a small partial index).
            models.Index(fields=["centre", "id"], condition=Q(block__isnull=True), name="access_unsealed_idx"),
            # Verifying: the rows of one block, in order.
            models.Index(fields=["block", "id"], name="access_block_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.action} of case {self.case_id} by user {self.user_id}"

    @property
    def display_case_reference(self) -> str | None:
        reference = self.case_reference
        return f"{reference[:4]}-{reference[4:]}" if reference else None


class AccessBlock(models.Model):
    """A sealed block of a centre's access log: its rows, and a hash over their content and the hash of
    the centre's block before it. Editing, deleting or adding a row of a sealed block, or a block, breaks
    the chain from there on (`manage.py verify_access_log` names the first broken block)."""

    centre = models.ForeignKey(Centre, on_delete=models.PROTECT, related_name="+", db_index=False)
    number = models.PositiveIntegerField()
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    row_count = models.PositiveIntegerField()
    first_at = models.DateTimeField()
    last_at = models.DateTimeField()
    sealed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            # One chain per centre, numbered from 1 without gaps; also the index of sealing and verifying.
            models.UniqueConstraint(fields=["centre", "number"], name="access_block_number_unique"),
        ]

    def __str__(self) -> str:
        return f"access-log block {self.number} of centre {self.centre_id}"


class AccessReview(models.Model):
    """A supervisor's sign-off that she reviewed a month of the centre's access log (PIPA's monthly review)."""

    centre = models.ForeignKey(Centre, on_delete=models.PROTECT, related_name="+", db_index=False)
    month = models.DateField()  # the first day of the month reviewed
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(default=timezone.now)
    # The head of the centre's chain when she signed: what she saw cannot be rewritten unnoticed.
    chain_head = models.CharField(max_length=64, blank=True, default="")
    note = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        constraints = [
            # One sign-off per centre and month; also the page's lookup.
            models.UniqueConstraint(fields=["centre", "month"], name="access_review_month_unique"),
        ]

    def __str__(self) -> str:
        return f"access-log review of centre {self.centre_id} for {self.month:%Y-%m}"
