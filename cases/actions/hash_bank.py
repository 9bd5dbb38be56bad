"""Sharing a case's hashes with the national hash bank, and withdrawing them.

Sharing needs the victim's consent to hash matching (403 with the reason otherwise). Withdrawing her
consent, by the counsellor or through the portal, takes the case's hashes out of the bank in the same
transaction (cases/actions/cases.py, cases/actions/portal.py call `withdraw_from_bank`).
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from cases import hash_bank
from cases.actions.common import record_event, require_write
from cases.actions.errors import NotAllowedError
from cases.models import Case, EventKind


@transaction.atomic
def do_share_hashes(*, actor: User, case: Case) -> int:
    """Puts the case's matchable hashes into the bank; the number newly shared."""
    case = require_write(actor, case)
    if not case.consent_hash_matching:
        raise NotAllowedError(
            _("The victim has not consented to hash matching, so her hashes cannot be shared with the bank."),
            field="consents",
        )
    added = hash_bank.share(case)
    if added:
        record_event(case, actor=actor, kind=EventKind.HASHES_SHARED, old={}, new={"count": added})
    return added


def withdraw_from_bank(case: Case, *, actor: User | None, by_victim: bool = False) -> int:
    """Takes the case's hashes out of the bank (consent withdrawn); recorded when there were any."""
    removed = hash_bank.withdraw(case)
    if removed:
        record_event(
            case, actor=actor, kind=EventKind.HASHES_WITHDRAWN, old={}, new={"count": removed}, by_victim=by_victim
        )
    return removed
