"""Encryption of victim details at rest, and keyed hashes (blind indexes) to find them exactly.

Keys come from CASEFLOW_FIELD_KEYS (Fernet; the first encrypts, all decrypt) and CASEFLOW_INDEX_KEY,
never from SECRET_KEY. Once a key is gone, every value it encrypted is unreadable, backups included.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata

from django.conf import settings

# The encryption itself is shared with the notifications app; cases adds the keyed hashes.
from caseflow.crypto import EncryptedTextField, UndecryptableError, decrypt, encrypt, rotate

__all__ = ["EncryptedTextField", "UndecryptableError", "decrypt", "encrypt", "rotate"]


# --- Blind indexes --------------------------------------------------------------------------------

_SPACES = re.compile(r"\s+")
_NOT_DIGITS = re.compile(r"\D")


def _visible(value: str) -> str:
    # Zero-width and other format characters (category Cf) must not make "김\u200b민지" a new person.
    return "".join(ch for ch in unicodedata.normalize("NFKC", value) if unicodedata.category(ch) != "Cf")


def normalise_name(value: str) -> str:
    """Same person, same key: width and case folded, spaces and invisible characters removed."""
    return _SPACES.sub("", _visible(value).casefold())


def normalise_email(value: str) -> str:
    return _visible(value).strip().lower()


def normalise_phone(value: str) -> str:
    """Digits with the country code: 010-1234-5678, +82 10 1234 5678 and 821012345678 are one number."""
    text = _visible(value).strip()
    digits = _NOT_DIGITS.sub("", text)
    if text.startswith("+") or text.startswith("00"):
        return digits.removeprefix("00")
    if digits.startswith("0"):
        # A national number; caseflow's centres are Korean unless the number says otherwise.
        return "82" + digits[1:]
    return digits


def blind_index(kind: str, centre_id: int, normalised: str) -> str:
    """A keyed hash of a normalised value within one centre; empty for an empty value.

    The centre is part of the hashed text, so equal values in two centres do not link: nothing
    crosses centres, not even for someone holding a copy of the database.
    """
    if not normalised:
        return ""
    key = str(settings.CASEFLOW_INDEX_KEY).encode()
    return hmac.new(key, f"{kind}:{centre_id}:{normalised}".encode(), hashlib.sha256).hexdigest()


def name_index(centre_id: int, value: str) -> str:
    return blind_index("name", centre_id, normalise_name(value))


def email_index(centre_id: int, value: str) -> str:
    return blind_index("email", centre_id, normalise_email(value))


def phone_index(centre_id: int, value: str) -> str:
    return blind_index("phone", centre_id, normalise_phone(value))


def url_index(centre_id: int, canonical_url: str) -> str:
    """The keyed hash of a canonical URL: the same content in two cases of a centre, without storing it."""
    return blind_index("url", centre_id, canonical_url)


# --- Partial-name and last-four-digits search ---------------------------------------------------
#
# What these indexes reveal, and why that is acceptable (README, "Search over encrypted names"):
# someone holding the database AND CASEFLOW_INDEX_KEY can tell which cases of a centre share a pair
# of Hangul syllables (or three Latin letters) in the victim's name, or the last four digits of her
# phone; without the key the hashes say nothing, and they never link cases across centres (the
# centre is hashed in). The exact-value indexes above already reveal more (equal full names), and
# the key is kept apart from the database and rotated with `rebuild_search_index`.

_HANGUL = re.compile(r"[\uac00-\ud7a3]")


def name_grams(value: str) -> set[str]:
    """The pieces a partial name is found by: syllable bigrams for Hangul, letter trigrams otherwise;
    a name shorter than its piece is one piece."""
    name = normalise_name(value)
    if not name:
        return set()
    size = 2 if _HANGUL.search(name) else 3
    if len(name) <= size:
        return {name}
    return {name[i : i + size] for i in range(len(name) - size + 1)}


def gram_indexes(centre_id: int, value: str) -> set[str]:
    """The keyed hashes of a name's pieces within a centre."""
    return {blind_index("gram", centre_id, gram) for gram in name_grams(value)}


def phone_last4_index(centre_id: int, value: str) -> str:
    """A keyed hash of the last four digits, which Korean centres use to find a caller on the phone."""
    digits = normalise_phone(value)
    return blind_index("phone4", centre_id, digits[-4:]) if len(digits) >= 4 else ""
