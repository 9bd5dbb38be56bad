"""The victim's portal: access issued by a counsellor, sessions of its own, and failed sign-ins."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Language
from cases.crypto import CaseEncryptedTextField, CaseKeyedManager
from cases.models.case import Case


class PortalHolder(models.TextChoices):
    VICTIM = "victim", _("The victim")
    GUARDIAN = "guardian", _("Her guardian")


class PortalAccess(models.Model):
    """A victim's way in: her case's reference and a passphrase that is stored only as an Argon2 hash.

    Re-issuing revokes the previous row (one live access per case, held by the database), so the
    rows are also the history of who issued and revoked access, and when.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="portal_accesses", db_index=False)
    passphrase_hash = models.CharField(max_length=300)
    language = models.CharField(_("language of the words"), max_length=2, choices=Language.choices)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # A minor's access is hers, unless the counsellor recorded why her guardian holds it.
    holder = models.CharField(_("held by"), max_length=10, choices=PortalHolder.choices, default=PortalHolder.VICTIM)
    holder_reason = CaseEncryptedTextField(_("why the guardian holds it"), blank=True, default="")
    issued_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = CaseKeyedManager()

    class Meta:
        verbose_name = _("portal access")
        verbose_name_plural = _("portal accesses")
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(revoked_at__isnull=True), name="portal_one_live_access"
            )
        ]
        indexes = [
            # The case page's "portal access" box: a case's accesses, newest first.
            models.Index(fields=["case", "-issued_at"], name="portal_access_case_idx"),
        ]

    def __str__(self) -> str:
        return f"portal access {self.pk} to case {self.case_id}"

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None


class PortalSession(models.Model):
    """One signed-in visit to the portal. The cookie holds a random token; the row holds its SHA-256.

    Never a staff session: its own cookie, its own table, 15 minutes idle (PORTAL_IDLE_MINUTES).
    """

    token_hash = models.CharField(max_length=64, unique=True)
    access = models.ForeignKey(PortalAccess, on_delete=models.CASCADE, related_name="sessions")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+", db_index=False)
    created_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"portal session {self.pk}"


class PortalSignInFailure(models.Model):
    """A failed portal sign-in: which reference (as a keyed hash, known or not) from which address.

    Five for one (reference, address) within the lock period lock that pair, so that someone else who
    holds the reference cannot lock the victim out from her own phone; a per-address count across
    references stops one address guessing at many.
    """

    reference_key = models.CharField(max_length=64)
    ip_address = models.GenericIPAddressField(null=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            # Counting a pair's recent failures at sign-in.
            models.Index(fields=["reference_key", "ip_address", "created_at"], name="portal_fail_pair_idx"),
            # Counting an address's recent failures across references.
            models.Index(fields=["ip_address", "created_at"], name="portal_fail_address_idx"),
        ]

    def __str__(self) -> str:
        return f"portal sign-in failure {self.pk}"
