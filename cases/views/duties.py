"""Reports the law requires, on the case page: a crime in progress recorded, a report recorded."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases import access
from cases.actions.duties import do_raise_crime_in_progress, do_record_duty_report
from cases.actions.errors import ActionError
from cases.models import Case, LegalDuty
from cases.safety_forms import DutyReportForm
from cases.views.cases import render_case
from cases.views.common import refused, staff


def _back(case: Case) -> HttpResponse:
    return redirect(reverse("cases:detail", args=[case.pk]) + "#duties")


@login_required
@require_POST
def case_crime_in_progress(request: HttpRequest, pk: int) -> HttpResponse:
    user = staff(request)
    case = access.access_case(user, pk, write=True)
    try:
        do_raise_crime_in_progress(actor=user, case=case)
    except ActionError as error:
        return refused(request, case.pk, error)
    messages.warning(request, _("A report to the police is owed; you will be reminded until it is recorded."))
    return _back(case)


@login_required
@require_POST
def case_record_duty_report(request: HttpRequest, pk: int, duty_id: int) -> HttpResponse:
    user = staff(request)
    case = access.access_case(user, pk, write=True, queryset=Case.objects.select_related("assigned_to", "created_by"))
    if not LegalDuty.objects.filter(case=case, pk=duty_id).exists():
        raise Http404
    form = DutyReportForm(request.POST, centre_id=case.centre_id, prefix=f"duty{duty_id}")
    if not form.is_valid():
        return render_case(request, case, status=400, duty_form=form, duty_form_for=duty_id)
    try:
        do_record_duty_report(actor=user, case=case, duty_id=duty_id, **form.cleaned_data)
    except ActionError as error:
        if error.field in form.fields:
            form.add_error(error.field, error.message)
            return render_case(request, case, status=400, duty_form=form, duty_form_for=duty_id)
        return refused(request, case.pk, error)
    messages.success(request, _("Report recorded. Its reminders have stopped."))
    return _back(case)
