"""The victim's rights: everything held about her, exported (JSON or PDF), and her case erased.

Export: a counsellor or supervisor who may read the case; written to the access log (an export) and
to the case's history. Erasure: the purge of cases/actions/purge.py, at once, with a reason. A
counsellor records the victim's request and a supervisor approves it, as with closing a case: an
erasure cannot be undone and ends what the centre can still do for her (a police complaint, a
reappearing image found by the hash of a place), so it gets the same second pair of eyes as closing;
a supervisor's own request is applied at once.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from cases import access, subjects
from cases.actions.common import lock_case, record_event
from cases.actions.errors import ActionError, NotAllowedError
from cases.actions.purge import purge_case
from cases.audit import log_access
from cases.models import AccessAction, Case, ErasureRequest, EventKind, PurgeKind, PurgeRecord

FORMATS = ("json", "pdf")


@transaction.atomic
def do_export_case(*, actor: User, case: Case, fmt: str, ip_address: str | None) -> dict[str, Any]:
    """Everything the case holds, by subject, for the victim; the export is logged and recorded."""
    if fmt not in FORMATS:
        raise ActionError(_("Choose JSON or PDF."), field="format")
    access.access_case(actor, case.pk)  # the same door as reading it
    data = {
        "reference": case.display_reference,
        "exported_at": timezone.now().isoformat(),
        "exported_by": actor.full_name,
        # Its key destroyed: what was encrypted with it is empty below, for everyone, for good.
        "erased": case.is_erased,
        "subjects": subjects.export(case),
    }
    log_access(user=actor, case=case, ip_address=ip_address, action=AccessAction.EXPORT)
    record_event(case, actor=actor, kind=EventKind.EXPORTED, old={}, new={"format": fmt})
    return data


@transaction.atomic
def do_request_erasure(*, actor: User, case: Case, reason: str) -> ErasureRequest | PurgeRecord:
    """Records the victim's request to erase her case. A supervisor's request is applied at once (the
    purge record comes back); a counsellor's waits for a supervisor (the request comes back)."""
    if not reason.strip():
        raise ActionError(_("Say how and when the victim asked for the erasure."), field="reason")
    case = lock_case(case, None)
    if not access.can_write(actor, case):
        raise NotAllowedError(_("Only the assigned counsellor or a supervisor may change this case."))
    if actor.role == Role.SUPERVISOR:
        record = purge_case(
            case_id=case.pk, kind=PurgeKind.ERASURE, requested_by=actor, approved_by=actor, reason=reason.strip()
        )
        assert record is not None  # noqa: S101 - the row is locked by this transaction
        return record
    try:
        with transaction.atomic():
            request = ErasureRequest.objects.create(case=case, requested_by=actor, reason=reason.strip())
    except IntegrityError:
        raise ActionError(_("A request to erase this case is already waiting."), field="reason") from None
    record_event(case, actor=actor, kind=EventKind.ERASURE_REQUESTED, old={}, new={"erasure_request": request.pk})
    return request


@transaction.atomic
def do_decide_erasure(*, actor: User, case: Case, approve: bool, reason: str = "") -> PurgeRecord | None:
    """A supervisor approves the waiting request (the case is purged at once) or declines it, saying why."""
    if actor.role != Role.SUPERVISOR or actor.centre_id != case.centre_id:
        raise NotAllowedError(_("A supervisor decides on erasing a case."))
    case = lock_case(case, None)
    request = ErasureRequest.objects.select_for_update().select_related("requested_by").filter(case=case).first()
    if request is None:
        raise ActionError(_("No request to erase this case is waiting."), field="decision")
    if approve:
        return purge_case(
            case_id=case.pk,
            kind=PurgeKind.ERASURE,
            requested_by=request.requested_by,
            approved_by=actor,
            reason=request.reason,
        )
    if not reason.strip():
        raise ActionError(_("Say why the case is not erased."), field="reason")
    request.delete()
    record_event(case, actor=actor, kind=EventKind.ERASURE_DECLINED, old={}, new={}, reason=reason.strip())
    return None
