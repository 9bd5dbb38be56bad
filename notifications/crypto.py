"""Encryption of a victim's address at rest, with the same keys as the victim details in cases.

notifications never imports cases (STYLE.md), so this is a small copy of the Fernet use of
cases/crypto.py: CASEFLOW_FIELD_KEYS, the first key encrypts, all of them decrypt.
"""

from __future__ import annotations

import functools
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.signals import setting_changed
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Lookup
from django.db.models.expressions import Expression
from django.dispatch import receiver


class UndecryptableAddressError(Exception):
    """A stored address that none of the configured keys opens: a key was dropped too early."""


@functools.cache
def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(key) for key in settings.CASEFLOW_FIELD_KEYS])


@receiver(setting_changed)
def _reset_keys(*, setting: str, **kwargs: Any) -> None:
    if setting == "CASEFLOW_FIELD_KEYS":
        _fernet.cache_clear()


def encrypt(plaintext: str) -> str:
    """The value encrypted with the first key of CASEFLOW_FIELD_KEYS."""
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    """The value of a token made by `encrypt` with any key of CASEFLOW_FIELD_KEYS."""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise UndecryptableAddressError("an address cannot be decrypted with CASEFLOW_FIELD_KEYS") from None


class EncryptedAddressField(models.TextField):
    """An e-mail address or phone number encrypted before it reaches the database; only `isnull` is queryable."""

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        return None if value is None else encrypt(str(value))

    def from_db_value(self, value: str | None, expression: Expression, connection: BaseDatabaseWrapper) -> str | None:
        return None if value is None else decrypt(value)

    def get_lookup(self, lookup_name: str) -> type[Lookup[Any]] | None:
        # A ciphertext never equals anything: refuse lookups that would silently match nothing.
        return super().get_lookup(lookup_name) if lookup_name == "isnull" else None
