"""Follow-ups: a counsellor's own reminders on a case, set, marked done and snoozed."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from cases import access, reminders
from cases.actions.common import record_event, require_write
from cases.actions.errors import ActionError, NotAllowedError, stale
from cases.models import Case, EventKind, FollowUp


@transaction.atomic
def do_set_followup(*, actor: User, case: Case, due_at: datetime, note: str = "") -> FollowUp:
    """ "Call back Friday 14:00": a reminder to the actor at that time, cancelled if the case closes."""
    case = require_write(actor, case)
    if not case.is_open:
        raise ActionError(_("Reopen the case before setting a follow-up."), field="due_at")
    if due_at <= timezone.now():
        raise ActionError(_("Choose a time in the future."), field="due_at")
    followup = FollowUp.objects.create(case=case, owner=actor, due_at=due_at, note=note)
    reminders.followup_set(followup)
    record_event(case, actor=actor, kind=EventKind.FOLLOWUP_SET, old={}, new={"followup": followup.pk})
    return followup


def _lock(actor: User, case: Case, followup: FollowUp, version: int) -> tuple[Case, FollowUp]:
    """The case and the follow-up, locked in that order (as every case action locks), if the actor may
    change it (its owner, or whoever may write to the case) and it is still at `version`."""
    locked_case = Case.objects.select_for_update().get(pk=case.pk)
    # Through its case, never by bare id: a follow-up of another case is not found.
    locked = locked_case.followups.select_for_update().get(pk=followup.pk)
    if locked.owner_id != actor.pk and not access.can_write(actor, locked_case):
        raise NotAllowedError(_("Only its owner, the assigned counsellor or a supervisor may change this follow-up."))
    if locked.version != version:
        raise stale(locked.version, version)
    if locked.is_done:
        raise ActionError(_("This follow-up is already done."), field="followup")
    return locked_case, locked


@transaction.atomic
def do_complete_followup(*, actor: User, case: Case, followup: FollowUp, version: int) -> FollowUp:
    """Marks a follow-up done: it moves to the case's past follow-ups and its reminder, if not yet
    delivered, is not sent."""
    case, followup = _lock(actor, case, followup, version)
    key = followup.reminder_key
    followup.done_at = timezone.now()
    followup.version += 1
    followup.save(update_fields=["done_at", "version"])
    reminders.followup_settled(followup, key=key)
    record_event(case, actor=actor, kind=EventKind.FOLLOWUP_DONE, old={}, new={"followup": followup.pk})
    return followup


@transaction.atomic
def do_snooze_followup(*, actor: User, case: Case, followup: FollowUp, version: int, until: datetime) -> FollowUp:
    """Moves a follow-up to a later time: the reminder of the old time is not sent (or, if it was, it
    comes again at the new one)."""
    case, followup = _lock(actor, case, followup, version)
    if not case.is_open:
        raise ActionError(_("Reopen the case before setting a follow-up."), field="until")
    if until <= timezone.now():
        raise ActionError(_("Choose a time in the future."), field="until")
    key, before = followup.reminder_key, followup.due_at
    followup.due_at = until
    followup.version += 1
    followup.save(update_fields=["due_at", "version"])
    reminders.followup_settled(followup, key=key)
    reminders.followup_set(followup)
    record_event(
        case,
        actor=actor,
        kind=EventKind.FOLLOWUP_SNOOZED,
        old={"followup": followup.pk, "due_at": before.isoformat()},
        new={"followup": followup.pk, "due_at": until.isoformat()},
    )
    return followup
