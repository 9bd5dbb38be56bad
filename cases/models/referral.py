"""Referrals: a centre's partner directory (police, legal aid, medical and psychological care, the
regulator) and a case's referrals to them, each sharing only the items chosen one by one."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Centre
from cases.crypto import CaseEncryptedTextField, CaseKeyedManager
from cases.models.case import Case
from cases.models.takedown import TakedownRequest


class PartnerKind(models.TextChoices):
    POLICE = "police", _("Police")
    LEGAL = "legal", _("Legal aid")
    MEDICAL = "medical", _("Medical care")
    PSYCHOLOGICAL = "psychological", _("Psychological care")
    REGULATOR = "regulator", _("Regulator")


class PartnerChannel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Phone")
    WEB_FORM = "web_form", _("Web form")
    IN_PERSON = "in_person", _("In person")
    POST = "post", _("Post")


class Partner(models.Model):
    """An organisation a centre refers victims to. Administrators of the centre edit it; nothing crosses
    centres. Holds no victim detail, so it is the one piece of the referral subject they see."""

    centre = models.ForeignKey(Centre, on_delete=models.PROTECT, related_name="+", db_index=False)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=PartnerKind.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=PartnerChannel.choices)
    contact = models.CharField(_("contact"), max_length=500, help_text=_("Address, phone number or web form"))
    requirements = models.TextField(_("what they need"), blank=True, default="")
    is_active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        ordering = ["kind", "name"]
        constraints = [models.UniqueConstraint(fields=["centre", "name"], name="partner_centre_name_unique")]
        indexes = [
            # The case page's choice of partners and escalation's look-up of the regulator: a centre's by kind.
            models.Index(fields=["centre", "kind", "name"], name="partner_centre_kind_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class ReferralStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    CONSENTED = "consented", _("Consented")
    SENT = "sent", _("Sent")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    COMPLETED = "completed", _("Completed")


class SharedItem(models.TextChoices):
    """What a referral may pass on, chosen one by one: nothing leaves that is not ticked."""

    VICTIM_NAME = "victim_name", _("Name")
    CONTACT_PHONE = "contact_phone", _("Phone")
    CONTACT_EMAIL = "contact_email", _("E-mail")
    SAFE_CONTACT = "safe_contact_notes", _("When and how it is safe to contact")
    IS_MINOR = "is_minor", _("Whether the victim is a minor")
    HARM_TYPES = "harm_types", _("What happened (harm types)")
    SUMMARY = "summary", _("Summary")
    PLACES = "places", _("Where the content appears (addresses)")
    TAKEDOWN_LETTER = "takedown_letter", _("Takedown letter as sent")
    TAKEDOWN_HISTORY = "takedown_history", _("Takedown request history")


# Items that reach the victim herself: shared only with her consent to be contacted.
CONTACT_ITEMS = frozenset({SharedItem.CONTACT_PHONE, SharedItem.CONTACT_EMAIL, SharedItem.SAFE_CONTACT})
# Items about a takedown request: only a referral made from one (escalation) carries them.
TAKEDOWN_ITEMS = frozenset({SharedItem.TAKEDOWN_LETTER, SharedItem.TAKEDOWN_HISTORY})


class Referral(models.Model):
    """A case referred to a partner: why, what is shared, and where it stands.

    proposed -> consented -> sent -> accepted | declined -> completed (DESIGN.md).
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="referrals", db_index=False)
    centre = models.ForeignKey(Centre, on_delete=models.PROTECT, related_name="+", db_index=False)
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="referrals", db_index=False)
    # The partner's kind when the referral was made: reports count by it even if the entry changes.
    kind = models.CharField(_("kind"), max_length=20, choices=PartnerKind.choices)
    status = models.CharField(_("status"), max_length=20, choices=ReferralStatus.choices)
    # Free text a person typed: encrypted like a note.
    reason = CaseEncryptedTextField(_("reason"))
    shared_items = models.JSONField(_("what is shared"), default=list, blank=True)
    # Every referral needs the victim's consent to be contacted or a recorded reason why not.
    no_contact_reason = CaseEncryptedTextField(_("why without consent to contact"), blank=True, default="")
    outcome_note = CaseEncryptedTextField(_("outcome"), blank=True, default="")
    # Escalation of an overdue takedown request: the request, and its letter and history as they were.
    takedown = models.ForeignKey(
        TakedownRequest, on_delete=models.PROTECT, null=True, blank=True, related_name="referrals", db_index=False
    )
    attachment = CaseEncryptedTextField(_("attached"), blank=True, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(_("proposed at"), default=timezone.now, editable=False)
    consented_at = models.DateTimeField(_("consented at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    objects = CaseKeyedManager()

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        indexes = [
            # A case's referrals, newest first (case page, GET /cases/{id}/referrals/).
            models.Index(fields=["case", "-created_at"], name="referral_case_created_idx"),
            # Reports: a centre's referrals made in a period, by kind and status.
            models.Index(fields=["centre", "created_at"], include=["kind", "status"], name="referral_report_idx"),
        ]
        constraints = [
            # One regulator referral per escalated request.
            models.UniqueConstraint(
                fields=["takedown"], condition=Q(takedown__isnull=False), name="referral_one_per_takedown"
            ),
        ]

    def __str__(self) -> str:
        return f"referral {self.pk} of case {self.case_id}"
