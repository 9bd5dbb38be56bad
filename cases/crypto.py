"""Encryption of victim details at rest, and keyed hashes (blind indexes) to find them exactly.

Every encrypted value of a case and of its children (notes, places, letters, reasons, follow-ups)
is encrypted with the case's own data key (envelope encryption): the key lives in the key store
(keystore app, its own database), wrapped by the master keys of CASEFLOW_FIELD_KEYS. Destroying it
makes the case unreadable in every copy of the case database. Search works on keyed hashes with
CASEFLOW_INDEX_KEY. None of these keys is derived from SECRET_KEY.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from django.apps import apps
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Lookup
from django.db.models.expressions import Expression
from django.db.models.query_utils import DeferredAttribute
from django.utils.translation import gettext as _

# The master-key encryption is shared with the notifications and accounts apps; values written
# before case keys existed (see `manage.py encrypt_with_case_keys`) are still read with it.
from caseflow.crypto import EncryptedTextField, UndecryptableError, decrypt, encrypt, rotate
from caseflow.errors import ActionError
from keystore import index_keys, ring

__all__ = [
    "CASE_KEY_PREFIX",
    "CaseEncryptedTextField",
    "EncryptedTextField",
    "ErasedError",
    "UndecryptableError",
    "decrypt",
    "encrypt",
    "is_erased",
    "rotate",
]

# --- Values encrypted with their case's own key -----------------------------------------------------

# Marks a value encrypted with its case's data key; a value without it is a Fernet token of the master
# keys, written before case keys existed. Fernet tokens are base64url, so they never hold a colon.
CASE_KEY_PREFIX = "ck1:"


class Sealed(str):
    """A value as the database holds it (ciphertext), not opened yet."""

    __slots__ = ()


class Erased(str):
    """What a value reads as once its case key is destroyed: empty, and recognisable as erased."""

    __slots__ = ()


ERASED = Erased("")


class ErasedError(ActionError):
    """A change to a case whose data key was destroyed: there is nothing left to change."""


def is_erased(value: object) -> bool:
    return isinstance(value, Erased)


def case_fernet(data_key: bytes) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(data_key))


def seal_with(fernet: Fernet, plaintext: str) -> str:
    """A value as stored under a case key."""
    return CASE_KEY_PREFIX + fernet.encrypt(plaintext.encode()).decode()


def open_with(fernet: Fernet, stored: str) -> str:
    try:
        return fernet.decrypt(stored.removeprefix(CASE_KEY_PREFIX).encode()).decode()
    except InvalidToken:
        raise UndecryptableError("a value cannot be decrypted with its case's key") from None


def _case_has_own_key(instance: models.Model, case_attname: str, case_id: int) -> bool:
    if case_attname == "id":
        return bool(getattr(instance, "has_own_key", False))
    case_model = apps.get_model("cases", "Case")
    return bool(case_model.objects.filter(pk=case_id).values_list("has_own_key", flat=True).first())


class _OpenOnRead(DeferredAttribute):
    """Opens a sealed value the first time it is read, with the case key of this unit of work."""

    field: CaseEncryptedTextField

    def __get__(self, instance: models.Model | None, cls: type[models.Model] | None = None) -> Any:
        if instance is None:
            return self
        value = super().__get__(instance, cls)
        if isinstance(value, Sealed):
            return self.field.open(instance, value)
        return value

    def __set__(self, instance: models.Model, value: Any) -> None:
        instance.__dict__[self.field.attname] = value


class CaseEncryptedTextField(models.TextField):
    """Text encrypted with the data key of the case it belongs to; only `isnull` can be queried.

    `case_attname` names the attribute that holds the case's id (`case_id` on a child, `id` on the
    case itself). `master_without_case`: a row that may belong to no case yet (a platform's reply
    waiting in the centre's queue) is encrypted with the master keys while its case is None. Values
    are sealed when their row is saved (the case key is known then) and opened when first read, so a
    list that never shows a field never decrypts it. An empty value is stored empty: its
    ciphertext's length would tell the same.
    """

    descriptor_class = _OpenOnRead

    def __init__(
        self, *args: Any, case_attname: str = "case_id", master_without_case: bool = False, **kwargs: Any
    ) -> None:
        self.case_attname = case_attname
        self.master_without_case = master_without_case
        super().__init__(*args, **kwargs)

    def from_db_value(self, value: str | None, expression: Expression, connection: BaseDatabaseWrapper) -> str | None:
        if value is None or value == "":
            return value
        return Sealed(value)

    def get_prep_value(self, value: Any) -> Any:
        if value is None or isinstance(value, Sealed):
            return None if value is None else str(value)
        if value == "":
            return ""
        # Only saving the row seals a value (pre_save knows the row and so its case); an update()
        # or bulk_update() with a plain value would write it unencrypted.
        raise ValueError(f"{self.name}: an encrypted value is written only by saving its row")

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = model_instance.__dict__.get(self.attname)
        if value is None or isinstance(value, Sealed):
            return value
        if isinstance(value, Erased):
            raise ErasedError(_("This case was erased: its details can no longer be read or changed."))
        text = str(value)
        return Sealed(self.seal(model_instance, text)) if text else ""

    def get_lookup(self, lookup_name: str) -> type[Lookup[Any]] | None:
        # A ciphertext never equals anything: refuse lookups that would silently match nothing.
        return super().get_lookup(lookup_name) if lookup_name == "isnull" else None

    def seal(self, instance: models.Model, plaintext: str) -> str:
        case_id = getattr(instance, self.case_attname)
        if case_id is None:
            data_key = getattr(instance, "_new_data_key", None)
            if data_key is None and self.master_without_case:
                return encrypt(plaintext)
            if data_key is None:
                raise ValueError(f"{self.name}: a value of no case cannot be encrypted")
            return seal_with(case_fernet(data_key), plaintext)
        fernet = ring.current().fernet(case_id)
        if fernet is not None:
            return seal_with(fernet, plaintext)
        if _case_has_own_key(instance, self.case_attname, case_id):
            raise ErasedError(_("This case was erased: its details can no longer be read or changed."))
        # A case from before case keys, not converted yet: as it was (encrypt_with_case_keys converts it).
        return encrypt(plaintext)

    def open(self, instance: models.Model, sealed: Sealed) -> str:
        opened: dict[str, tuple[str, str]] = instance.__dict__.setdefault("_caseflow_opened", {})
        hit = opened.get(self.attname)
        if hit is not None and hit[0] is sealed:
            return hit[1]
        if sealed.startswith(CASE_KEY_PREFIX):
            fernet = ring.current().fernet(getattr(instance, self.case_attname))
            plaintext: str = ERASED if fernet is None else open_with(fernet, sealed)
        else:
            plaintext = decrypt(sealed)
        opened[self.attname] = (sealed, plaintext)
        return plaintext


def open_value(case_id: int | None, value: Any) -> Any:
    """A value read with `values()` (which skips the field's descriptor) opened as reading the field would:
    with the case's key, the master keys for a value from before case keys, erased once the key is gone."""
    if not isinstance(value, Sealed):
        return value
    if not value.startswith(CASE_KEY_PREFIX):
        return decrypt(value)
    fernet = ring.current().fernet(case_id) if case_id is not None else None
    return ERASED if fernet is None else open_with(fernet, value)


def load_case_keys(case_ids: Iterable[int]) -> None:
    """The keys of these cases for this unit of work, in one query (rows read with values(), which
    CaseKeyedQuerySet cannot see, are opened with `open_value` afterwards)."""
    ring.current().load(case_ids)


class CaseKeyedQuerySet(models.QuerySet[Any]):
    """Fetches the case keys of the rows it returns in one query, before any of them is read."""

    def _fetch_all(self) -> None:
        fresh = self._result_cache is None
        super()._fetch_all()
        if fresh and self._result_cache and ring.active() is not None:
            wanted = set()
            for row in self._result_cache:
                if isinstance(row, models.Model):
                    case_id = _sealed_case_id(row)
                    if case_id is not None:
                        wanted.add(case_id)
            if wanted:
                ring.current().load(wanted)


def _sealed_case_id(row: models.Model) -> int | None:
    for field in row._meta.concrete_fields:
        if isinstance(field, CaseEncryptedTextField):
            value = row.__dict__.get(field.attname)
            if isinstance(value, Sealed) and value.startswith(CASE_KEY_PREFIX):
                return getattr(row, field.case_attname)
    return None


CaseKeyedManager = models.Manager.from_queryset(CaseKeyedQuerySet)


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


def blind_index(kind: str, centre_id: int, normalised: str, *, key: bytes | None = None) -> str:
    """A keyed hash of a normalised value within one centre; empty for an empty value.

    The centre is part of the hashed text, so equal values in two centres do not link: nothing
    crosses centres, not even for someone holding a copy of the database. The key is the newest
    version of the index key (keystore/index_keys.py) unless another is given.
    """
    if not normalised:
        return ""
    key = key if key is not None else index_keys.newest()
    return hmac.new(key, f"{kind}:{centre_id}:{normalised}".encode(), hashlib.sha256).hexdigest()


def index_key_versions() -> list[bytes]:
    """Every index key still held, newest first: search looks for the hashes of each (two only while
    `rebuild_search_index` makes them all again)."""
    return [key for _version, key in index_keys.active()]


def name_index(centre_id: int, value: str, *, key: bytes | None = None) -> str:
    return blind_index("name", centre_id, normalise_name(value), key=key)


def email_index(centre_id: int, value: str, *, key: bytes | None = None) -> str:
    return blind_index("email", centre_id, normalise_email(value), key=key)


def phone_index(centre_id: int, value: str, *, key: bytes | None = None) -> str:
    return blind_index("phone", centre_id, normalise_phone(value), key=key)


def url_index(centre_id: int, canonical_url: str, *, key: bytes | None = None) -> str:
    """The keyed hash of a canonical URL: the same content in two cases of a centre, without storing it."""
    return blind_index("url", centre_id, canonical_url, key=key)


# --- Partial-name and last-four-digits search ---------------------------------------------------
#
# What these indexes reveal, and why that is acceptable (README, "Search over encrypted names"):
# someone holding the database AND CASEFLOW_INDEX_KEY can tell which cases of a centre share a pair
# of Hangul syllables (or three Latin letters) in the victim's name, or the last four digits of her
# phone; without the key the hashes say nothing, and they never link cases across centres (the
# centre is hashed in). The exact-value indexes above already reveal more (equal full names), and
# the key is kept apart from the database (in the key store, wrapped by the master keys) and rotated
# with `rebuild_search_index`, which destroys the old version: hashes in an older dump then match
# nothing anybody can compute.

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


def gram_indexes(centre_id: int, value: str, *, key: bytes | None = None) -> set[str]:
    """The keyed hashes of a name's pieces within a centre."""
    key = key if key is not None else index_keys.newest()
    return {blind_index("gram", centre_id, gram, key=key) for gram in name_grams(value)}


def phone_last4_index(centre_id: int, value: str, *, key: bytes | None = None) -> str:
    """A keyed hash of the last four digits, which Korean centres use to find a caller on the phone."""
    digits = normalise_phone(value)
    return blind_index("phone4", centre_id, digits[-4:], key=key) if len(digits) >= 4 else ""
