"""Risk of harm: assessing it, escalating a high or immediate risk to the on-call supervisors until one
of them acknowledges, the plan that ends it; and the centre's on-call rota and crisis numbers."""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Centre, Role, User
from caseflow.celery import app as celery_app
from cases import access, safety
from cases.actions.common import record_event, require_write
from cases.actions.errors import ActionError, NotAllowedError
from cases.models import (
    ESCALATING_LEVELS,
    Case,
    CrisisLine,
    Escalation,
    EscalationState,
    EventKind,
    OnCallShift,
    RiskAssessment,
    RiskLevel,
)

logger = logging.getLogger(__name__)

# Published by name: the dispatcher's own beat task (notifications.tasks), queued at once so that an
# escalation does not wait for beat's next minute.
DISPATCH_TASK = "notifications.tasks.dispatch_due"


def _dispatch_now() -> None:
    """After commit: asks a worker to hand out what is due now. If the broker is down, beat does it."""
    try:
        celery_app.send_task(DISPATCH_TASK)
    except Exception as exc:
        logger.warning("safety: broker unavailable, beat will dispatch", extra={"error": type(exc).__name__})


def _dispatch_after_commit() -> None:
    transaction.on_commit(_dispatch_now, robust=True)


def current_level(case: Case) -> str | None:
    return case.risk_assessments.order_by("-created_at", "-pk").values_list("level", flat=True).first()


def _open_escalation(case: Case) -> Escalation | None:
    return case.escalations.select_for_update().exclude(state=EscalationState.RESOLVED).first()


def _resolve(escalation: Escalation, case: Case, *, actor: User | None, now: datetime) -> None:
    escalation.state = EscalationState.RESOLVED
    escalation.resolved_at = now
    escalation.save(update_fields=["state", "resolved_at"])
    record_event(case, actor=actor, kind=EventKind.ESCALATION_RESOLVED, old={}, new={"escalation": escalation.pk})


@transaction.atomic
def do_assess_risk(
    *, actor: User, case: Case, level: str, asked: str = "", answer: str = "", plan: str = ""
) -> RiskAssessment:
    """Records an assessment (a revision keeps the ones before). High or immediate calls the on-call
    supervisors at once, unless an escalation of the case is still open; a plan recorded after a
    supervisor acknowledged ends it."""
    if level not in RiskLevel.values:
        raise ActionError(_("Choose a level of risk."), field="level")
    case = require_write(actor, case)
    previous = current_level(case)
    now = timezone.now()
    assessment = RiskAssessment.objects.create(
        case=case, level=level, asked=asked, answer=answer, plan=plan, assessed_by=actor, created_at=now
    )
    new: dict[str, object] = {"level": level, "assessment": assessment.pk, "plan": bool(plan)}
    escalation = _open_escalation(case)
    if escalation is None and level in ESCALATING_LEVELS:
        escalation = Escalation.objects.create(
            case=case,
            centre_id=case.centre_id,
            assessment=assessment,
            raised_at=now,
            plan_recorded_at=now if plan else None,
        )
        new["escalation"] = escalation.pk
        new["called"] = safety.send_round(escalation, now) > 0
        escalation.rounds = 1
        escalation.next_round_at = now + safety.repeat_interval()
        escalation.save(update_fields=["rounds", "next_round_at"])
        _dispatch_after_commit()
    record_event(case, actor=actor, kind=EventKind.RISK_ASSESSED, old={"level": previous}, new=new)
    if escalation is not None and plan and escalation.pk != new.get("escalation"):
        if escalation.plan_recorded_at is None:
            escalation.plan_recorded_at = now
            escalation.save(update_fields=["plan_recorded_at"])
        if escalation.state == EscalationState.ACKNOWLEDGED:
            _resolve(escalation, case, actor=actor, now=now)
    return assessment


@transaction.atomic
def do_acknowledge_escalation(*, actor: User, case: Case, escalation_id: int) -> Escalation:
    """A supervisor of the centre has it: the rounds stop (what no worker has taken is cancelled).
    With the plan already recorded, the escalation ends here; else it waits on the dashboard for it."""
    if not access.can_assign(actor) or actor.centre_id != case.centre_id:
        raise NotAllowedError(_("Only a supervisor of the centre acknowledges an urgent risk."))
    try:
        escalation = case.escalations.select_for_update().get(pk=escalation_id)
    except Escalation.DoesNotExist:
        raise ActionError(_("This escalation does not exist."), field="escalation") from None
    if escalation.state != EscalationState.RAISED:
        who = escalation.acknowledged_by.full_name if escalation.acknowledged_by else "?"
        raise ActionError(
            _("%(name)s already acknowledged it at %(at)s.")
            % {"name": who, "at": timezone.localtime(escalation.acknowledged_at).strftime("%Y-%m-%d %H:%M")},
            field="escalation",
        )
    now = timezone.now()
    escalation.state = EscalationState.ACKNOWLEDGED
    escalation.acknowledged_by = actor
    escalation.acknowledged_at = now
    escalation.next_round_at = None
    escalation.save(update_fields=["state", "acknowledged_by", "acknowledged_at", "next_round_at"])
    cancelled = safety.stop_rounds(escalation)
    record_event(
        case,
        actor=actor,
        kind=EventKind.ESCALATION_ACKNOWLEDGED,
        old={},
        new={"escalation": escalation.pk, "rounds": escalation.rounds, "cancelled": cancelled},
    )
    if escalation.plan_recorded_at is not None:
        _resolve(escalation, case, actor=actor, now=now)
    return escalation


def send_due_escalation_rounds(*, now: datetime | None = None, limit: int = 200) -> int:
    """Beat, every minute: the next round of every escalation nobody has acknowledged, due now.

    Rows are locked and skipped by a concurrent sweep (PostgreSQL), and each round's dedupe keys make
    a repeated run harmless; the round after is due an interval after *this* one, so a beat that was
    down for an hour sends one round, not four."""
    now = now or timezone.now()
    with transaction.atomic():
        rows = Escalation.objects.filter(state=EscalationState.RAISED, next_round_at__lte=now).order_by("next_round_at")
        if connection.features.has_select_for_update_skip_locked:
            rows = rows.select_for_update(skip_locked=True)
        due = list(rows[:limit])
        for escalation in due:
            safety.send_round(escalation, now)
            escalation.rounds += 1
            escalation.next_round_at = now + safety.repeat_interval()
            escalation.save(update_fields=["rounds", "next_round_at"])
        if due:
            _dispatch_after_commit()
    return len(due)


# --- The rota and the crisis numbers ------------------------------------------------------------

# Beside every risk assessment, a counsellor in a crisis reads them: a short list.
MAX_CRISIS_LINES = 20


def can_edit_rota(user: User) -> bool:
    """Supervisors run the centre's duty; administrators keep its staffing (the rota shows no case)."""
    return user.is_active and user.role in (Role.SUPERVISOR, Role.ADMIN)


def _require_rota_editor(actor: User) -> None:
    if not can_edit_rota(actor):
        raise NotAllowedError(_("Only supervisors and administrators change the on-call rota."))


@transaction.atomic
def do_add_oncall_shift(
    *, actor: User, supervisor: User, weekday: int, start_hour: int, end_hour: int, phone: str = ""
) -> OnCallShift:
    _require_rota_editor(actor)
    if supervisor.centre_id != actor.centre_id or supervisor.role != Role.SUPERVISOR or not supervisor.is_active:
        raise ActionError(_("Choose an active supervisor of your centre."), field="supervisor")
    if not 0 <= weekday <= 6:
        raise ActionError(_("Choose a day of the week."), field="weekday")
    if not (0 <= start_hour <= 23 and 1 <= end_hour <= 24 and start_hour < end_hour):
        raise ActionError(
            _("The shift must end after it starts, within one day (a night is two shifts)."), field="end_hour"
        )
    return OnCallShift.objects.create(
        centre_id=actor.centre_id,
        supervisor=supervisor,
        weekday=weekday,
        start_hour=start_hour,
        end_hour=end_hour,
        phone=phone,
        created_by=actor,
    )


@transaction.atomic
def do_remove_oncall_shift(*, actor: User, shift_id: int) -> OnCallShift:
    """Takes a shift off the rota; the row stays, with who removed it, as the rota's history."""
    _require_rota_editor(actor)
    try:
        shift = OnCallShift.objects.select_for_update().get(
            pk=shift_id, centre_id=actor.centre_id, removed_at__isnull=True
        )
    except OnCallShift.DoesNotExist:
        raise ActionError(_("This shift is not on the rota."), field="shift") from None
    shift.removed_by = actor
    shift.removed_at = timezone.now()
    shift.save(update_fields=["removed_by", "removed_at"])
    return shift


@transaction.atomic
def do_add_crisis_line(*, actor: User, number: str, label_ko: str, label_en: str) -> CrisisLine:
    _require_rota_editor(actor)
    # The centre's row locked: two numbers added at once get two places in the order.
    list(Centre.objects.select_for_update().filter(pk=actor.centre_id).values_list("pk", flat=True))
    shown = list(CrisisLine.shown(actor.centre_id))
    if len(shown) >= MAX_CRISIS_LINES:
        raise ActionError(
            _("A centre shows at most %(count)d crisis numbers; remove one first.") % {"count": MAX_CRISIS_LINES},
            field="number",
        )
    for place, line in enumerate(shown):
        if line.position != place:  # numbers were taken off: close the gaps, so the order stays small
            CrisisLine.objects.filter(pk=line.pk).update(position=place)
    return CrisisLine.objects.create(
        centre_id=actor.centre_id,
        number=number,
        label_ko=label_ko,
        label_en=label_en,
        position=len(shown),
        created_by=actor,
        created_at=timezone.now(),
    )


@transaction.atomic
def do_remove_crisis_line(*, actor: User, line_id: int) -> None:
    """Takes a number off the list; the row stays, with who removed it, as the list's history."""
    _require_rota_editor(actor)
    removed = CrisisLine.shown(actor.centre_id).filter(pk=line_id).update(removed_by=actor, removed_at=timezone.now())
    if not removed:
        raise ActionError(_("This number is not on the list."), field="line")
