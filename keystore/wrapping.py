"""Wrapping a case's data key with the master keys (CASEFLOW_FIELD_KEYS): the first wraps, all unwrap.

Each master key (a Fernet key) yields two values by HKDF-SHA256 with distinct labels: a 256-bit
AES-GCM wrapping key, and a short public id recorded beside every key it wrapped (so rotation knows
which keys still need re-wrapping, and unwrapping goes straight to the right master key without
revealing anything about it). The master key itself keeps encrypting, with Fernet, the few values
that belong to no case (an outbox address, an authenticator secret): one secret, separated uses.

The case id is the AES-GCM associated data: a wrapped key copied onto another case's row does not
open, so the key store cannot be rearranged to make one case's data readable as another's.
"""

from __future__ import annotations

import base64
import functools
import os
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from caseflow.crypto import UndecryptableError

DATA_KEY_BYTES = 32
_NONCE_BYTES = 12
_WRAP_LABEL = b"caseflow: wrap case data keys, v1"
_ID_LABEL = b"caseflow: master key id, v1"


class UnwrapError(UndecryptableError):
    """A wrapped key that no configured master key opens: a master key was removed too early."""


@dataclass(frozen=True)
class MasterKey:
    key_id: str
    aead: AESGCM


def _derive(master: str, label: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=label).derive(base64.urlsafe_b64decode(master))


@functools.cache
def master_keys() -> tuple[MasterKey, ...]:
    """The configured master keys, newest (the one that wraps) first."""
    return tuple(
        MasterKey(key_id=_derive(key, _ID_LABEL)[:8].hex(), aead=AESGCM(_derive(key, _WRAP_LABEL)))
        for key in settings.CASEFLOW_FIELD_KEYS
    )


@receiver(setting_changed)
def _reset_keys(*, setting: str, **kwargs: Any) -> None:
    if setting == "CASEFLOW_FIELD_KEYS":
        master_keys.cache_clear()


def current_master_id() -> str:
    return master_keys()[0].key_id


def new_data_key() -> bytes:
    """32 random bytes from the operating system: one case's data key."""
    return os.urandom(DATA_KEY_BYTES)


def _context(case_id: int) -> bytes:
    return f"caseflow case {case_id}".encode()


def index_context(version: int) -> bytes:
    return f"caseflow index key {version}".encode()


def wrap(case_id: int, data_key: bytes, *, context: bytes | None = None) -> tuple[str, bytes]:
    """(master key id, nonce + AES-GCM ciphertext) of the data key, with the first master key."""
    master = master_keys()[0]
    nonce = os.urandom(_NONCE_BYTES)
    return master.key_id, nonce + master.aead.encrypt(nonce, data_key, context or _context(case_id))


def unwrap(case_id: int, master_key_id: str, wrapped: bytes, *, context: bytes | None = None) -> bytes:
    for master in master_keys():
        if master.key_id == master_key_id:
            try:
                return master.aead.decrypt(wrapped[:_NONCE_BYTES], wrapped[_NONCE_BYTES:], context or _context(case_id))
            except InvalidTag:
                break
    raise UnwrapError(f"the key of case {case_id} opens with none of CASEFLOW_FIELD_KEYS")
