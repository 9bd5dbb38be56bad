"""Risk of harm on the case page (assessments, escalation, crisis numbers), its dashboard block, and
the centre's on-call rota."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import User
from cases import access, safety
from cases.actions.errors import ActionError
from cases.actions.safety import (
    can_edit_rota,
    do_acknowledge_escalation,
    do_add_crisis_line,
    do_add_oncall_shift,
    do_assess_risk,
    do_remove_crisis_line,
    do_remove_oncall_shift,
)
from cases.models import Case, CrisisLine, OnCallShift, RiskLevel, Weekday
from cases.safety_forms import CrisisLineForm, OnCallShiftForm, RiskAssessmentForm
from cases.views.cases import render_case
from cases.views.common import refused, staff


@login_required
@require_POST
def case_assess_risk(request: HttpRequest, pk: int) -> HttpResponse:
    user = staff(request)
    case = access.access_case(user, pk, write=True, queryset=Case.objects.select_related("assigned_to", "created_by"))
    form = RiskAssessmentForm(request.POST)
    if not form.is_valid():
        return render_case(request, case, status=400, risk_form=form)
    try:
        assessment = do_assess_risk(actor=user, case=case, **form.cleaned_data)
    except ActionError as error:
        return refused(request, case.pk, error)
    if assessment.level in (RiskLevel.HIGH, RiskLevel.IMMEDIATE):
        messages.warning(request, _("Risk recorded. The on-call supervisors are being called now."))
    else:
        messages.success(request, _("Risk assessment recorded."))
    return redirect(reverse("cases:detail", args=[case.pk]) + "#risk")


@login_required
@require_POST
def case_acknowledge_escalation(request: HttpRequest, pk: int, escalation_id: int) -> HttpResponse:
    user = staff(request)
    case = access.access_case(user, pk)
    if not case.escalations.filter(pk=escalation_id).exists():
        # Another case's escalation through this case's address: not found, as for a case.
        raise Http404
    try:
        do_acknowledge_escalation(actor=user, case=case, escalation_id=escalation_id)
    except ActionError as error:
        return refused(request, case.pk, error)
    messages.success(
        request, _("Acknowledged. The calls have stopped; the case stays on the dashboard until the plan is recorded.")
    )
    return redirect(reverse("cases:detail", args=[case.pk]) + "#risk")


# --- The on-call rota ----------------------------------------------------------------------------


def _rota_editor(request: HttpRequest) -> User:
    user = staff(request)
    if not can_edit_rota(user):
        raise PermissionDenied(_("Only supervisors and administrators change the on-call rota."))
    return user


def _render_rota(
    request: HttpRequest,
    user: User,
    *,
    shift_form: OnCallShiftForm | None = None,
    line_form: CrisisLineForm | None = None,
    status: int = 200,
) -> HttpResponse:
    shifts = list(
        OnCallShift.objects.filter(centre_id=user.centre_id, removed_at__isnull=True)
        .select_related("supervisor")
        .order_by("weekday", "start_hour", "pk")
    )
    days = [(day, label, [s for s in shifts if s.weekday == day]) for day, label in Weekday.choices]
    now_people, from_rota = safety.on_call(user.centre_id)
    context = {
        "days": days,
        "on_call_now": [person.user for person in now_people],
        "on_call_from_rota": from_rota,
        "own_lines": list(CrisisLine.shown(user.centre_id)),
        "crisis_lines": safety.crisis_lines(user.centre_id, get_language() or "ko"),
        "shift_form": shift_form or OnCallShiftForm(centre_id=user.centre_id),
        "line_form": line_form or CrisisLineForm(),
        "time_zone": safety.local_now().tzname(),
    }
    return render(request, "cases/oncall_rota.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def oncall_rota(request: HttpRequest) -> HttpResponse:
    """The centre's on-call rota by day and hour; POST adds a shift."""
    user = _rota_editor(request)
    if request.method == "GET":
        return _render_rota(request, user)
    form = OnCallShiftForm(request.POST, centre_id=user.centre_id)
    if not form.is_valid():
        return _render_rota(request, user, shift_form=form, status=400)
    try:
        do_add_oncall_shift(actor=user, **form.cleaned_data)
    except ActionError as error:
        form.add_error(None, error.message)
        return _render_rota(request, user, shift_form=form, status=400)
    messages.success(request, _("Shift added to the rota."))
    return redirect("cases:oncall_rota")


@login_required
@require_POST
def oncall_remove_shift(request: HttpRequest, shift_id: int) -> HttpResponse:
    user = _rota_editor(request)
    try:
        do_remove_oncall_shift(actor=user, shift_id=shift_id)
    except ActionError:
        raise Http404 from None
    messages.success(request, _("Shift removed from the rota."))
    return redirect("cases:oncall_rota")


@login_required
@require_POST
def crisis_line_add(request: HttpRequest) -> HttpResponse:
    user = _rota_editor(request)
    form = CrisisLineForm(request.POST)
    if not form.is_valid():
        return _render_rota(request, user, line_form=form, status=400)
    try:
        do_add_crisis_line(actor=user, **form.cleaned_data)
    except ActionError as error:
        form.add_error("number", error.message)  # the list is full
        return _render_rota(request, user, line_form=form, status=400)
    messages.success(request, _("Crisis number added."))
    return redirect(reverse("cases:oncall_rota") + "#crisis-lines")


@login_required
@require_POST
def crisis_line_remove(request: HttpRequest, line_id: int) -> HttpResponse:
    user = _rota_editor(request)
    try:
        do_remove_crisis_line(actor=user, line_id=line_id)
    except ActionError:
        raise Http404 from None
    messages.success(request, _("Crisis number removed."))
    return redirect(reverse("cases:oncall_rota") + "#crisis-lines")
