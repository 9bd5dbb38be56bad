"""The risk of harm as the case page and the dashboard show it (read-side, no view of its own)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accounts.models import User
from cases import access, safety
from cases.models import Case, CaseEvent, Escalation, EscalationState, RiskLevel
from cases.safety_forms import RiskAssessmentForm

DASHBOARD_ROWS = 25


def case_context(user: User, case: Case, form: RiskAssessmentForm | None = None) -> dict[str, Any]:
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
        "risk_form": form or RiskAssessmentForm(initial={"level": current.level if current else RiskLevel.NONE}),
        "can_acknowledge": access.can_assign(user) and user.centre_id == case.centre_id,
    }


def open_escalations(user: User, visible: QuerySet[Case]) -> list[Escalation]:
    """The dashboard block: escalations not yet ended, of the cases the person sees (one query)."""
    rows = Escalation.objects.exclude(state=EscalationState.RESOLVED).select_related("case", "acknowledged_by")
    rows = rows.filter(centre_id=user.centre_id) if access.can_assign(user) else rows.filter(case__in=visible)
    return list(rows.order_by("raised_at")[:DASHBOARD_ROWS])


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
