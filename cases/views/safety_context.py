"""The risk of harm as the case page and the dashboard show it (read-side, no view of its own)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accounts.models import User
from cases import access, safety
from cases.models import (
    Authority,
    Case,
    CaseEvent,
    DutyKind,
    DutyReport,
    Escalation,
    EscalationState,
    EventKind,
    Guardian,
    LegalDuty,
    RiskLevel,
)
from cases.safety_forms import DutyReportForm, RiskAssessmentForm

DASHBOARD_ROWS = 25


def case_context(user: User, case: Case, forms: dict[str, Any]) -> dict[str, Any]:
    """The case page's risk section: a fixed number of queries (assessments, escalation, lines)."""
    assessments = list(case.risk_assessments.select_related("assessed_by").order_by("-created_at", "-pk")[:20])
    escalation = (
        case.escalations.exclude(state=EscalationState.RESOLVED)
        .select_related("acknowledged_by")
        .order_by("-raised_at")
        .first()
    )
    current = assessments[0] if assessments else None
    return {
        "risk_assessments": assessments,
        "risk_current": current,
        "risk_urgent": current is not None and current.level in (RiskLevel.HIGH, RiskLevel.IMMEDIATE),
        "escalation": escalation,
        "crisis_lines": safety.crisis_lines(case.centre_id, get_language() or "ko"),
        "risk_form": forms.get("risk_form")
        or RiskAssessmentForm(initial={"level": current.level if current else RiskLevel.NONE}),
        "can_acknowledge": access.can_assign(user) and user.centre_id == case.centre_id,
        "guardian": Guardian.objects.filter(case=case).first() if case.is_minor else None,
        **_duties(user, case, forms),
    }


def _duties(user: User, case: Case, forms: dict[str, Any]) -> dict[str, Any]:
    """Reports the law requires: open duties (each with its form), and the reports recorded."""
    duties = list(LegalDuty.objects.filter(case=case).order_by("raised_at", "pk"))
    reports = list(DutyReport.objects.filter(case=case).select_related("reported_by").order_by("reported_at", "pk"))
    form_for = forms.get("duty_form_for")
    open_duties = [
        (
            duty,
            forms["duty_form"]
            if form_for == duty.pk and forms.get("duty_form")
            else DutyReportForm(
                centre_id=case.centre_id,
                prefix=f"duty{duty.pk}",
                initial={
                    "reported_at": timezone.localtime().replace(second=0, microsecond=0),
                    "reported_by": user.pk,
                },
            ),
        )
        for duty in duties
        if duty.discharged_at is None
    ]
    return {
        "open_duties": open_duties,
        "duty_reports": reports,
        "crime_duty_open": any(d.kind == DutyKind.CRIME_IN_PROGRESS for d, _form in open_duties),
    }


def open_escalations(user: User, visible: QuerySet[Case]) -> list[Escalation]:
    """The dashboard block: escalations not yet ended, of the cases the person sees (one query)."""
    rows = Escalation.objects.exclude(state=EscalationState.RESOLVED).select_related("case", "acknowledged_by")
    rows = rows.filter(centre_id=user.centre_id) if access.can_assign(user) else rows.filter(case__in=visible)
    return list(rows.order_by("raised_at")[:DASHBOARD_ROWS])


def describe(event: CaseEvent) -> str:
    """The timeline's line for an event of risk, guardians or legal duties."""
    if event.kind == EventKind.RISK_ASSESSED:
        return describe_assessment(event)
    if event.kind == EventKind.DUTY_RAISED:
        return _("Report owed: %(kind)s") % {"kind": DutyKind(event.new.get("kind")).label}
    if event.kind == EventKind.DUTY_REPORTED:
        return _("Reported to %(authority)s (%(kind)s)") % {
            "authority": Authority(event.new.get("authority")).label,
            "kind": DutyKind(event.new.get("kind")).label,
        }
    if event.kind == EventKind.GUARDIAN_CHANGED:
        labels = [
            str(getattr(Guardian._meta.get_field(name), "verbose_name", name)) for name in event.new.get("changed", [])
        ]
        return _("Guardian's details changed: %(fields)s") % {"fields": ", ".join(labels)}
    return str(EventKind(event.kind).label)


DESCRIBED = frozenset(
    {EventKind.RISK_ASSESSED, EventKind.GUARDIAN_CHANGED, EventKind.DUTY_RAISED, EventKind.DUTY_REPORTED}
)


def describe_assessment(event: CaseEvent) -> str:
    """The timeline's line for an assessment: "Risk of harm: moderate → immediate (supervisors called)"."""

    def label(value: object) -> str:
        return str(dict(RiskLevel.choices).get(str(value), value)) if value else _("not assessed")

    text = _("Risk of harm: %(old)s → %(new)s") % {
        "old": label(event.old.get("level")),
        "new": label(event.new.get("level")),
    }
    if event.new.get("escalation"):
        text += " " + _("(on-call supervisors called)")
    if event.new.get("plan"):
        text += " " + _("· plan recorded")
    return text
