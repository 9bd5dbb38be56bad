"""What every subject's actions share: locking the case, checking the writer, recording the event."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from accounts.models import User
from cases import access
from cases.actions.errors import NotAllowedError, stale
from cases.crypto import ErasedError
from cases.models import ActorKind, Case, CaseEvent


def lock_case(case: Case, version: int | None) -> Case:
    """The case row, locked until the transaction ends, refused if it changed since `version`."""
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if version is not None and locked.version != version:
        raise stale(locked.version, version)
    return locked


def require_write(actor: User, case: Case) -> Case:
    """The case row, locked, if the actor may change it and it was not erased.

    An erased case (its key destroyed, its rows not purged yet) takes nothing more: sealing a value
    would fail anyway, and a change without one (a level of risk, a duty with its reminders, a place)
    would add to a case that is being taken apart. Finishing the erasure, the export of what is left
    and acknowledging a raised escalation do not come through here."""
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if not access.can_write(actor, locked):
        raise NotAllowedError(_("Only the assigned counsellor or a supervisor may change this case."))
    if locked.is_erased:
        raise ErasedError(_("This case was erased: its details can no longer be read or changed."))
    return locked


def record_event(
    case: Case,
    *,
    actor: User | None,
    kind: str,
    old: dict[str, Any],
    new: dict[str, Any],
    reason: str = "",
    by_victim: bool = False,
) -> CaseEvent:
    """One row of the case's audit trail: a staff member, the victim (through the portal), or, with
    neither, the system made the change."""
    actor_kind = ActorKind.VICTIM if by_victim else (ActorKind.USER if actor is not None else ActorKind.SYSTEM)
    return CaseEvent.objects.create(
        case=case,
        actor=actor,
        actor_kind=actor_kind,
        kind=kind,
        old=old,
        new=new,
        reason=reason,
    )
