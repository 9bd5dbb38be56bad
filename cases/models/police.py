"""The centre's signing key for evidence packs given to the police (cases/police_pack.py)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from accounts.models import Centre
from cases.crypto import EncryptedTextField


class CentreSigningKey(models.Model):
    """An Ed25519 key pair of one centre: the private half encrypted at rest, the public half printed
    in every pack so that anyone can check a pack's signature without a secret."""

    centre = models.OneToOneField(Centre, on_delete=models.PROTECT, related_name="+")
    private_key = EncryptedTextField()  # the 32-byte seed, base64
    public_key = models.TextField()  # PEM (SubjectPublicKeyInfo), as `openssl pkeyutl -pubin` reads it
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    def __str__(self) -> str:
        return f"signing key of centre {self.centre_id}"
