"""A minor's guardian: how to reach them (encrypted like the victim's details), whether it is safe
to, and the consent they gave where the law or the centre needs a guardian's consent."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Language
from cases.crypto import CaseEncryptedTextField, CaseKeyedManager
from cases.models.case import Case, ContactChannel

# A guardian's details: encrypted, never copied into the audit trail (events name the field only).
GUARDIAN_PRIVATE_FIELDS = frozenset({"name", "relationship", "contact_email", "contact_phone", "consent_given_by"})


class ConsentMethod(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    PHONE = "phone", _("By phone")
    WRITING = "writing", _("In writing")
    EMAIL = "email", _("By e-mail")


class Guardian(models.Model):
    """The guardian of a minor victim. Never contacted unless the counsellor recorded that it is
    safe (the guardian may be the person who hurt her); then by the same rules as the victim's
    messages: their channel, outside their quiet hours, neutral words."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="guardian")
    name = CaseEncryptedTextField(_("guardian's name"))
    relationship = CaseEncryptedTextField(_("relationship to her"), blank=True, default="")
    contact_email = CaseEncryptedTextField(_("guardian's e-mail"), blank=True, default="")
    contact_phone = CaseEncryptedTextField(_("guardian's phone"), blank=True, default="")
    preferred_language = models.CharField(
        _("guardian's language"), max_length=2, choices=Language.choices, default=Language.KOREAN
    )
    safe_to_contact = models.BooleanField(_("safe to contact the guardian"), default=False)
    contact_channel = models.CharField(
        _("tell the guardian of updates by"),
        max_length=5,
        choices=ContactChannel.choices,
        default=ContactChannel.NONE,
    )
    quiet_start = models.TimeField(_("guardian's quiet hours from"), null=True, blank=True)
    quiet_end = models.TimeField(_("guardian's quiet hours until"), null=True, blank=True)
    # The guardian's consent, where it is needed: who gave it, when and how.
    consent_given_by = CaseEncryptedTextField(_("consent given by"), blank=True, default="")
    consent_given_at = models.DateTimeField(_("consent given at"), null=True, blank=True)
    consent_method = models.CharField(
        _("consent given how"), max_length=10, choices=ConsentMethod.choices, blank=True, default=""
    )
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    objects = CaseKeyedManager()

    class Meta:
        verbose_name = _("guardian")
        verbose_name_plural = _("guardians")

    def __str__(self) -> str:
        # Never the guardian's name: this string ends up in logs and admin messages.
        return f"guardian of case {self.case_id}"

    @property
    def may_be_contacted(self) -> bool:
        return self.safe_to_contact and self.contact_channel != ContactChannel.NONE and bool(self.address)

    @property
    def address(self) -> str:
        if self.contact_channel == ContactChannel.EMAIL:
            return self.contact_email
        if self.contact_channel == ContactChannel.SMS:
            return self.contact_phone
        return ""
