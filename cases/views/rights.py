"""The victim's rights on the case page: export everything held (JSON, PDF), ask for and decide an erasure."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases import access
from cases.actions.errors import ActionError, NotAllowedError
from cases.actions.rights import do_decide_erasure, do_export_case, do_request_erasure
from cases.exports import export_response
from cases.forms import ErasureDecisionForm, ErasureForm, ExportForm
from cases.models import PurgeRecord
from cases.views.common import ERASE_QUESTION, address, ask_first, confirmed, refused, staff


@login_required
@require_POST
def case_export(request: HttpRequest, pk: int) -> HttpResponse:
    user = staff(request)
    case = access.access_case(user, pk)
    form = ExportForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose JSON or PDF."))
        return HttpResponse(status=400)
    fmt = form.cleaned_data["format"]
    data = do_export_case(actor=user, case=case, fmt=fmt, ip_address=address(request))
    return export_response(data, fmt, case.reference, language=get_language() or "ko")


@login_required
@require_POST
def case_request_erasure(request: HttpRequest, pk: int) -> HttpResponse:
    user = staff(request)
    case = access.access_case(user, pk, write=True)
    form = ErasureForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say how and when the victim asked for the erasure."))
        return redirect("cases:detail", pk=case.pk)
    if not confirmed(request):
        return ask_first(
            request,
            question=str(ERASE_QUESTION),
            explanation=_(
                "Everything held about the victim is deleted for good; the reports keep counting the case "
                "without any detail. A counsellor's request waits for a supervisor."
            ),
            confirm_label=_("Yes, erase"),
            back=reverse("cases:detail", args=[case.pk]),
            danger=True,
        )
    try:
        result = do_request_erasure(actor=user, case=case, reason=form.cleaned_data["reason"])
    except ActionError as error:
        return refused(request, case.pk, error)
    if isinstance(result, PurgeRecord):
        messages.success(request, _("The case was erased."))
        return redirect("cases:dashboard")
    messages.success(request, _("Erasure requested. A supervisor will decide."))
    return redirect("cases:detail", pk=case.pk)


@login_required
@require_POST
def case_decide_erasure(request: HttpRequest, pk: int) -> HttpResponse:
    user = staff(request)
    case = access.access_case(user, pk, write=True)
    form = ErasureDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Reload the page and try again."))
        return redirect("cases:detail", pk=case.pk)
    approve = form.cleaned_data["decision"] == "approve"
    if approve and not confirmed(request):
        return ask_first(
            request,
            question=str(ERASE_QUESTION),
            explanation=_("Everything held about the victim is deleted for good."),
            confirm_label=_("Yes, erase"),
            back=reverse("cases:detail", args=[case.pk]),
            danger=True,
        )
    try:
        do_decide_erasure(actor=user, case=case, approve=approve, reason=form.cleaned_data["reason"])
    except NotAllowedError as error:
        raise PermissionDenied(error.message) from None
    except ActionError as error:
        return refused(request, case.pk, error)
    if approve:
        messages.success(request, _("The case was erased."))
        return redirect("cases:dashboard")
    messages.success(request, _("Erasure declined; the case is kept."))
    return redirect("cases:detail", pk=case.pk)
