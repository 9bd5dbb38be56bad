"""Referrals: proposed on the case page; the referral page with what it shares, and its moves."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases import access, selectors
from cases.actions.errors import ActionError
from cases.actions.referrals import REFERRAL_TRANSITIONS, do_propose_referral, do_transition_referral
from cases.audit import log_access
from cases.forms import ReferralForm, ReferralTransitionForm
from cases.models import Referral, ReferralStatus
from cases.views.cases import render_case
from cases.views.common import address, ask_first, confirmed, refused, staff


@login_required
@require_POST
def case_propose_referral(request: HttpRequest, pk: int) -> HttpResponse:
    user = staff(request)
    case = access.access_case(user, pk, write=True)
    form = ReferralForm(request.POST, centre_id=case.centre_id)
    if not form.is_valid():
        case = access.access_case(user, pk)
        return render_case(request, case, status=400, referral_form=form)
    try:
        referral = do_propose_referral(actor=user, case=case, **form.cleaned_data)
    except ActionError as error:
        return refused(request, case.pk, error)
    messages.success(request, _("Referral proposed. Record the victim's consent before sending it."))
    return redirect("cases:referral", pk=referral.pk)


@dataclass(frozen=True)
class Move:
    status: str
    label: str
    question: str
    danger: bool


def _move(referral: Referral, status: str) -> Move:
    partner = referral.partner.name
    if status == ReferralStatus.CONSENTED:
        return Move(status, _("The victim consented"), _("Record that the victim consented to this referral?"), False)
    if status == ReferralStatus.SENT:
        return Move(
            status,
            _("Mark sent"),
            _("Record that the items listed were passed to %(partner)s? This is written to the access log.")
            % {"partner": partner},
            False,
        )
    if status == ReferralStatus.ACCEPTED:
        return Move(status, _("Accepted"), _("Record that %(partner)s accepted?") % {"partner": partner}, False)
    if status == ReferralStatus.DECLINED:
        return Move(status, _("Declined"), _("Record that %(partner)s declined?") % {"partner": partner}, True)
    return Move(status, _("Complete"), _("Record the outcome and complete this referral?"), False)


def _render(request: HttpRequest, referral: Referral, *, status: int = 200) -> HttpResponse:
    user = staff(request)
    can_write = access.can_write(user, referral.case)
    context = {
        "referral": referral,
        "case": referral.case,
        "partner": referral.partner,
        "sheet": selectors.referral_sheet(referral),
        "can_write": can_write,
        "moves": [_move(referral, s) for s in REFERRAL_TRANSITIONS[referral.status]] if can_write else [],
    }
    return render(request, "cases/referral_detail.html", context, status=status)


@login_required
def referral_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The referral: partner, reason, what it shares (the values themselves), its moves."""
    user = staff(request)
    referral = access.access_referral(user, pk)
    # The page shows victim details that are shared: reading it is logged against the case.
    log_access(user=user, case=referral.case, ip_address=address(request))
    return _render(request, referral)


@login_required
@require_POST
def referral_transition(request: HttpRequest, pk: int) -> HttpResponse:
    user = staff(request)
    referral = access.access_referral(user, pk, write=True)
    form = ReferralTransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Reload the page and try again."))
        return redirect("cases:referral", pk=referral.pk)
    status = form.cleaned_data["status"]
    if status == ReferralStatus.SENT and status in REFERRAL_TRANSITIONS[referral.status] and not confirmed(request):
        move = _move(referral, status)
        return ask_first(
            request,
            question=move.question,
            explanation=_("Only the items listed on the referral's page count as shared."),
            confirm_label=move.label,
            back=reverse("cases:referral", args=[referral.pk]),
        )
    try:
        do_transition_referral(
            actor=user, case=referral.case, referral=referral, ip_address=address(request), **form.cleaned_data
        )
    except ActionError as error:
        return refused(request, referral.pk, error, page="cases:referral")
    messages.success(request, _("Referral updated."))
    return redirect("cases:referral", pk=referral.pk)
