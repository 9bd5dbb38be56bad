"""Follow-ups: a counsellor's own reminders on a case."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from cases import reminders
from cases.actions.common import record_event, require_write
from cases.actions.errors import ActionError
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
