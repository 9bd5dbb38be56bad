"""Destroying a case's data key (crypto-shredding): every encrypted value of the case, in this database
and in every backup of it, becomes unreadable once the key store's own backups have expired."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Role, User
from cases.actions.common import record_event
from cases.actions.errors import NotAllowedError
from cases.models import Case, EventKind
from keystore.store import destroy_case_key


@transaction.atomic
def do_destroy_case_key(*, actor: User | None, case: Case, reason: str = "") -> Case:
    """Destroys the case's key, recorded as an event (the system's when `actor` is None, e.g. a purge).

    The event is written first, its reason encrypted with the key about to go (a reason may name the
    victim): who did it and when stay readable, why does not. The key store commits the deletion at
    once; should this transaction then fail, the key is gone without its event, never the reverse.
    """
    if actor is not None and actor.role != Role.SUPERVISOR:
        raise NotAllowedError(_("Only a supervisor may erase a case."))
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if not locked.is_erased:
        record_event(locked, actor=actor, kind=EventKind.KEY_DESTROYED, old={}, new={}, reason=reason)
    destroy_case_key(locked.pk)
    return locked
