"""Portal passphrases: six common words in the victim's language, easy to read aloud on the phone.

Six words from a list of 2,048 (BIP-39's Korean and English lists, from the `mnemonic` package)
carry 66 bits. Words are drawn with `secrets`, independently: this is not a BIP-39 mnemonic (no
checksum), only its well-chosen word lists. Stored only as an Argon2 hash.
"""

from __future__ import annotations

import functools
import secrets
import unicodedata

from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher
from mnemonic import Mnemonic

WORDS = 6
_LISTS = {"ko": "korean", "en": "english"}


@functools.cache
def wordlist(language: str) -> tuple[str, ...]:
    """The 2,048 words of a language, in NFC (the Korean list ships decomposed)."""
    words = Mnemonic(_LISTS.get(language, "english")).wordlist
    return tuple(unicodedata.normalize("NFC", word) for word in words)


def generate(language: str) -> str:
    """A new passphrase: six words joined by spaces."""
    words = wordlist(language)
    return " ".join(secrets.choice(words) for _ in range(WORDS))


def normalise(typed: str) -> str:
    """What the victim typed, as it was generated: NFC (NFKC folds full-width letters), lower case,
    single spaces; a phone keyboard's extra spaces, capitals or composed Hangul do not matter."""
    folded = unicodedata.normalize("NFKC", typed).lower()
    return " ".join(folded.split())


class PortalHasher(Argon2PasswordHasher):
    """Argon2 with the portal's own costs (PORTAL_ARGON2_TIME_COST, PORTAL_ARGON2_MEMORY_KIB), so that
    tests can make it cheap without touching staff passwords."""

    algorithm = "argon2"

    @property
    def time_cost(self) -> int:  # type: ignore[override]
        return int(getattr(settings, "PORTAL_ARGON2_TIME_COST", Argon2PasswordHasher.time_cost))

    @property
    def memory_cost(self) -> int:  # type: ignore[override]
        return int(getattr(settings, "PORTAL_ARGON2_MEMORY_KIB", Argon2PasswordHasher.memory_cost))


def hash_passphrase(passphrase: str) -> str:
    """The Argon2 hash of a normalised passphrase."""
    return PortalHasher().encode(normalise(passphrase), PortalHasher().salt())


def check_passphrase(typed: str, encoded: str) -> bool:
    """Whether `typed` is the passphrase of `encoded`; always does the full Argon2 work."""
    return PortalHasher().verify(normalise(typed), encoded)


@functools.cache
def dummy_hash() -> str:
    """A hash to verify against when the reference is unknown or revoked, so that every failure
    costs the same Argon2 work and takes the same time."""
    return hash_passphrase(generate("en"))
