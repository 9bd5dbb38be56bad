"""Encryption of sensitive values at rest, shared by the apps that store them (cases, notifications).

Keys come from CASEFLOW_FIELD_KEYS (Fernet; the first encrypts, all decrypt), never from SECRET_KEY.
Once a key is gone, every value it encrypted is unreadable, backups included.
`manage.py rotate_field_keys` re-encrypts every such column with the first key.
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


class UndecryptableError(Exception):
    """A stored value that none of the configured keys opens: a key was dropped too early."""


@functools.cache
def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(key) for key in settings.CASEFLOW_FIELD_KEYS])


@receiver(setting_changed)
def _reset_keys(*, setting: str, **kwargs: Any) -> None:
    if setting == "CASEFLOW_FIELD_KEYS":
        _fernet.cache_clear()


def encrypt(plaintext: str) -> str:
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise UndecryptableError("a value cannot be decrypted with CASEFLOW_FIELD_KEYS") from None


def rotate(token: str) -> str:
    """The same value, encrypted again with the first key."""
    try:
        return _fernet().rotate(token.encode()).decode()
    except InvalidToken:
        raise UndecryptableError("a value cannot be decrypted with CASEFLOW_FIELD_KEYS") from None


class EncryptedTextField(models.TextField):
    """Text encrypted with Fernet before it reaches the database; only `isnull` can be queried."""

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        return None if value is None else encrypt(str(value))

    def from_db_value(self, value: str | None, expression: Expression, connection: BaseDatabaseWrapper) -> str | None:
        return None if value is None else decrypt(value)

    def get_lookup(self, lookup_name: str) -> type[Lookup[Any]] | None:
        # A ciphertext never equals anything: refuse lookups that would silently match nothing.
        return super().get_lookup(lookup_name) if lookup_name == "isnull" else None


def encrypt_bytes(data: bytes) -> bytes:
    """Bytes (a kept evidence file) encrypted like a field: the first key encrypts, all decrypt."""
    return _fernet().encrypt(data)


def decrypt_bytes(token: bytes) -> bytes:
    try:
        return _fernet().decrypt(token)
    except InvalidToken:
        raise UndecryptableError("a value cannot be decrypted with CASEFLOW_FIELD_KEYS") from None


def rotate_bytes(token: bytes) -> bytes:
    try:
        return _fernet().rotate(token)
    except InvalidToken:
        raise UndecryptableError("a value cannot be decrypted with CASEFLOW_FIELD_KEYS") from None
