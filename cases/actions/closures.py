"""Closure requests: a counsellor (or the victim, through the portal) asks to close a case; a
supervisor approves, which closes it, or declines with a reason, which returns it to the counsellor."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from cases import access, reminders
from cases.actions.cases import do_transition_case
from cases.actions.common import lock_case, record_event
from cases.actions.errors import ActionError, NotAllowedError
from cases.models import ActorKind, Case, ClosureDecision, ClosureRequest, EventKind, Status


def _open_request(case: Case, *, kind: str, requester: User | None, reason: str) -> ClosureRequest:
    if not case.is_open:
        raise ActionError(_("This case is already closed."), field="status")
    try:
        with transaction.atomic():
            request = ClosureRequest.objects.create(
                case=case, requested_by_kind=kind, requested_by=requester, reason=reason
            )
    except IntegrityError:
        raise ActionError(_("A request to close this case is already waiting."), field="status") from None
    reminders.closure_requested(case, request_id=request.pk)
    return request


@transaction.atomic
def do_request_closure(*, actor: User, case: Case, reason: str = "") -> ClosureRequest:
    """The counsellor says the case is ready to close; it waits on the supervisors' dashboard."""
    case = lock_case(case, None)
    if not access.can_write(actor, case):
        raise NotAllowedError(_("Only the assigned counsellor or a supervisor may change this case."))
    request = _open_request(case, kind=ActorKind.USER, requester=actor, reason=reason)
    record_event(case, actor=actor, kind=EventKind.CLOSURE_REQUESTED, old={}, new={"closure_request": request.pk})
    return request


def open_victim_request(case: Case, *, reason: str) -> ClosureRequest:
    """The victim asks to close her case (the portal's action calls this inside its transaction)."""
    return _open_request(case, kind=ActorKind.VICTIM, requester=None, reason=reason)


@transaction.atomic
def do_decide_closure(
    *, actor: User, case: Case, request: ClosureRequest, approve: bool, reason: str = "", version: int
) -> ClosureRequest:
    """A supervisor approves (the case closes: it must be in monitoring, as the status machine says)
    or declines with a reason (the case stays open and the counsellor is told)."""
    if actor.role != Role.SUPERVISOR or actor.centre_id != case.centre_id:
        raise NotAllowedError(_("A supervisor decides on closing a case."))
    case = lock_case(case, version)
    request = ClosureRequest.objects.select_for_update().get(pk=request.pk, case=case)
    if request.decision != ClosureDecision.PENDING:
        raise ActionError(_("This request was already decided."), field="decision")
    if not approve and not reason.strip():
        raise ActionError(_("Say why the case stays open."), field="reason")
    if approve and case.status != Status.MONITORING:
        raise ActionError(
            _("A case is closed from monitoring: move it to monitoring first (it is “%(current)s”).")
            % {"current": Status(case.status).label},
            field="status",
        )
    request.decision = ClosureDecision.APPROVED if approve else ClosureDecision.DECLINED
    request.decided_by, request.decided_at = actor, timezone.now()
    request.decline_reason = "" if approve else reason
    request.save(update_fields=["decision", "decided_by", "decided_at", "decline_reason"])
    record_event(
        case,
        actor=actor,
        kind=EventKind.CLOSURE_DECIDED,
        old={"closure_request": request.pk, "decision": ClosureDecision.PENDING},
        new={"closure_request": request.pk, "decision": request.decision},
        reason=reason,
    )
    if approve:
        do_transition_case(actor=actor, case=case, status=Status.CLOSED, reason=reason, version=case.version)
    reminders.closure_decided(case, request_id=request.pk, requester=request.requested_by)
    return request
