"""Encryption of victim details at rest, and keyed hashes (blind indexes) to find them exactly.

Keys come from CASEFLOW_FIELD_KEYS (Fernet; the first encrypts, all decrypt) and CASEFLOW_INDEX_KEY,
never from SECRET_KEY. Once a key is gone, every value it encrypted is unreadable, backups included.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
import unicodedata
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
    if setting in {"CASEFLOW_FIELD_KEYS", "CASEFLOW_INDEX_KEY"}:
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


# --- Blind indexes --------------------------------------------------------------------------------

_SPACES = re.compile(r"\s+")
_NOT_DIGITS = re.compile(r"\D")


def normalise_name(value: str) -> str:
    """Same person, same key: width and case folded, spaces removed ("김 민지" = "김민지")."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", value).casefold())


def normalise_email(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip().lower()


def normalise_phone(value: str) -> str:
    """Digits with the country code: 010-1234-5678, +82 10 1234 5678 and 821012345678 are one number."""
    text = unicodedata.normalize("NFKC", value).strip()
    digits = _NOT_DIGITS.sub("", text)
    if text.startswith("+") or text.startswith("00"):
        return digits.removeprefix("00")
    if digits.startswith("0"):
        # A national number; caseflow's centres are Korean unless the number says otherwise.
        return "82" + digits[1:]
    return digits


def blind_index(kind: str, normalised: str) -> str:
    """A keyed hash of a normalised value; empty for an empty value, so blanks never match."""
    if not normalised:
        return ""
    key = str(settings.CASEFLOW_INDEX_KEY).encode()
    return hmac.new(key, f"{kind}:{normalised}".encode(), hashlib.sha256).hexdigest()


def name_index(value: str) -> str:
    return blind_index("name", normalise_name(value))


def email_index(value: str) -> str:
    return blind_index("email", normalise_email(value))


def phone_index(value: str) -> str:
    return blind_index("phone", normalise_phone(value))
