"""Retention: a supervisor keeps one closed case longer than CASE_RETENTION_YEARS, with a reason."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from cases.actions.common import lock_case, record_event
from cases.actions.errors import ActionError, NotAllowedError
from cases.models import Case, EventKind, Status

# Far enough for any records rule, near enough that a typo (year 20300) is caught.
LAST_YEAR = 2200


@transaction.atomic
def do_extend_retention(*, actor: User, case: Case, until: date, reason: str, version: int) -> Case:
    """Keeps a closed case until `until` (later than its current date); the reason is kept in the event."""
    if actor.role != Role.SUPERVISOR or actor.centre_id != case.centre_id:
        raise NotAllowedError(_("Only a supervisor may keep a case longer."), field="until")
    case = lock_case(case, version)
    if case.status != Status.CLOSED or case.retention_until is None:
        raise ActionError(_("Only a closed case has a retention date to extend."), field="until")
    if until <= case.retention_until:
        raise ActionError(
            _("Choose a day after %(current)s, the date the case is kept until now.")
            % {"current": case.retention_until.isoformat()},
            field="until",
        )
    if until.year > LAST_YEAR:
        raise ActionError(_("Choose a day before the year %(year)d.") % {"year": LAST_YEAR + 1}, field="until")
    if not reason.strip():
        raise ActionError(_("Say why the case is kept longer."), field="reason")
    old = case.retention_until
    case.retention_until = until
    case.version += 1
    case.updated_at = timezone.now()
    case.save(update_fields=["retention_until", "version", "updated_at"])
    record_event(
        case,
        actor=actor,
        kind=EventKind.RETENTION_EXTENDED,
        old={"retention_until": old.isoformat()},
        new={"retention_until": until.isoformat()},
        reason=reason.strip(),
    )
    return case
