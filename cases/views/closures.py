"""Closure requests on the case page: a counsellor asks, a supervisor approves or declines."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases import access
from cases.actions.closures import do_decide_closure, do_request_closure
from cases.actions.errors import ActionError
from cases.forms import ClosureDecisionForm, ClosureRequestForm
from cases.models import ClosureDecision, ClosureRequest, Status
from cases.views.common import (
    APPROVE_CLOSURE_QUESTION,
    CLOSE_CASE_EXPLANATION,
    ask_first,
    confirmed,
    refused,
    staff,
)


@login_required
@require_POST
def case_request_closure(request: HttpRequest, pk: int) -> HttpResponse:
    user = staff(request)
    case = access.access_case(user, pk, write=True)
    form = ClosureRequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Check the reason: %(errors)s") % {"errors": form.errors.as_text()})
        return redirect("cases:detail", pk=case.pk)
    try:
        do_request_closure(actor=user, case=case, reason=form.cleaned_data["reason"])
    except ActionError as error:
        return refused(request, case.pk, error)
    messages.success(request, _("Closure requested. A supervisor will decide."))
    return redirect("cases:detail", pk=case.pk)


@login_required
@require_POST
def case_decide_closure(request: HttpRequest, pk: int, request_id: int) -> HttpResponse:
    user = staff(request)
    case = access.access_case(user, pk, write=True)
    closure = ClosureRequest.objects.filter(case=case, pk=request_id).first()
    if closure is None:
        raise Http404
    form = ClosureDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Reload the page and try again."))
        return redirect("cases:detail", pk=case.pk)
    approve = form.cleaned_data["decision"] == "approve"
    # Asked only if approving would close the case; otherwise the refusal says why at once.
    closable = closure.decision == ClosureDecision.PENDING and case.status == Status.MONITORING
    if approve and closable and not confirmed(request):
        return ask_first(
            request,
            question=str(APPROVE_CLOSURE_QUESTION),
            explanation=str(CLOSE_CASE_EXPLANATION),
            confirm_label=_("Yes, approve and close"),
            back=reverse("cases:detail", args=[case.pk]),
            danger=True,
        )
    try:
        do_decide_closure(
            actor=user,
            case=case,
            request=closure,
            approve=approve,
            reason=form.cleaned_data["reason"],
            version=form.cleaned_data["version"],
        )
    except ActionError as error:
        return refused(request, case.pk, error)
    messages.success(request, _("Case closed.") if approve else _("Closure declined; the case stays open."))
    return redirect("cases:detail", pk=case.pk)
