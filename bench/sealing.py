"""A new case's key, sealed values and keyed hashes as the app makes them, for the bench's own writers.

The bare create view (bench/views.py) and the data generator (bench/generate.py) write rows by hand-written
SQL and COPY, without the models: they must still write what `Case.save` and `do_open_case` write, or
the app could not read them. Case.save makes a data key per case and commits it, wrapped, to the key
store (keystore/store.py); CaseEncryptedTextField seals each non-empty value with it (cases/crypto.py);
refresh_indexes and sync_name_grams (cases/actions/cases.py) compute the keyed hashes.
"""

from __future__ import annotations

from cryptography.fernet import Fernet

from cases.crypto import (
    case_fernet,
    email_index,
    gram_indexes,
    name_index,
    phone_index,
    phone_last4_index,
    seal_with,
)
from keystore.wrapping import new_data_key, wrap


def new_case_key(case_id: int) -> tuple[Fernet, str, bytes]:
    """A fresh data key for the case: its Fernet, and (master key id, wrapped key) for the key store."""
    data_key = new_data_key()
    master_key_id, wrapped = wrap(case_id, data_key)
    return case_fernet(data_key), master_key_id, wrapped


def seal(fernet: Fernet, text: str) -> str:
    """As CaseEncryptedTextField stores a value: sealed with the case's key; an empty value stays empty."""
    return seal_with(fernet, text) if text else ""


def exact_indexes(centre_id: int, name: str, email: str, phone: str, key: bytes) -> tuple[str, str, str, str]:
    """name_index, email_index, phone_index and phone_last4_index, as refresh_indexes computes them."""
    return (
        name_index(centre_id, name, key=key),
        email_index(centre_id, email, key=key),
        phone_index(centre_id, phone, key=key),
        phone_last4_index(centre_id, phone, key=key),
    )


def name_gram_indexes(centre_id: int, name: str, key: bytes) -> list[str]:
    """The NameGram rows' hashes of the name, in the order sync_name_grams inserts them."""
    return sorted(gram_indexes(centre_id, name, key=key))
