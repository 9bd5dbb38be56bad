"""A victim's address encrypted at rest, with the project's field encryption (caseflow/crypto.py).

notifications never imports cases (STYLE.md); both use the shared module, and the cases app's
`rotate_field_keys` re-encrypts these addresses too.
"""

from __future__ import annotations

from caseflow.crypto import EncryptedTextField, UndecryptableError

# The name the dispatcher catches: a pending row whose address no configured key opens.
UndecryptableAddressError = UndecryptableError


class EncryptedAddressField(EncryptedTextField):
    """An e-mail address or phone number, encrypted; only `isnull` is queryable."""
