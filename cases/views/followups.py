"""Follow-ups: a reminder to myself on a case, marked done or snoozed from the case page or the inbox."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from caseflow.korean import with_particles
from cases import access
from cases.actions.errors import ActionError, NotAllowedError, StaleVersionError
from cases.actions.followups import do_complete_followup, do_set_followup, do_snooze_followup
from cases.forms import FollowUpDoneForm, FollowUpForm, FollowUpSnoozeForm
from cases.models import Case, FollowUp
from cases.views.cases import render_case
from cases.views.common import staff

CASE_QUERYSET = Case.objects.select_related("assigned_to", "created_by")


@login_required
@require_POST
def case_add_followup(request: HttpRequest, pk: int) -> HttpResponse:
    """A reminder to myself on this case, delivered to my inbox (and e-mail if I chose it)."""
    user = staff(request)
    case = access.access_case(user, pk, write=True, queryset=CASE_QUERYSET)
    form = FollowUpForm(request.POST)
    if not form.is_valid():
        return render_case(request, case, status=400, followup_form=form)
    try:
        do_set_followup(actor=user, case=case, **form.cleaned_data)
    except ActionError as error:
        form.add_error("due_at", error.message)
        return render_case(request, case, status=400, followup_form=form)
    messages.success(request, _("You will be reminded then."))
    return redirect("cases:detail", pk=case.pk)


def _followup(case: Case, followup_id: int) -> FollowUp:
    """A follow-up of this case (never looked up by bare id): 404 if it belongs to another."""
    try:
        return case.followups.get(pk=followup_id)
    except FollowUp.DoesNotExist:
        raise Http404 from None


def _back(request: HttpRequest, case: Case) -> HttpResponse:
    """Where the button was: the inbox, or the case page's follow-ups."""
    if request.POST.get("next") == "inbox":
        return HttpResponseRedirect(reverse("notifications:inbox"))
    return HttpResponseRedirect(reverse("cases:detail", args=[case.pk]) + "#followups")


def _refused(request: HttpRequest, case: Case, error: ActionError, status: int) -> HttpResponse:
    """The case page with the reason beside its follow-ups: 409 for a stale version, 400 otherwise."""
    if isinstance(error, NotAllowedError):
        raise PermissionDenied(error.message)
    return render_case(request, case, status=status, followup_error=error.message)


@login_required
@require_POST
def case_followup_done(request: HttpRequest, pk: int, followup_id: int) -> HttpResponse:
    user = staff(request)
    case = access.access_case(user, pk, queryset=CASE_QUERYSET)
    followup = _followup(case, followup_id)
    form = FollowUpDoneForm(request.POST)
    if not form.is_valid():
        return render_case(request, case, status=400, followup_error=_("Reload the page and try again."))
    try:
        do_complete_followup(actor=user, case=case, followup=followup, version=form.cleaned_data["version"])
    except StaleVersionError as error:
        return _refused(request, case, error, 409)
    except ActionError as error:
        return _refused(request, case, error, 400)
    messages.success(request, _("Follow-up marked done."))
    return _back(request, case)


@login_required
@require_POST
def case_followup_snooze(request: HttpRequest, pk: int, followup_id: int) -> HttpResponse:
    user = staff(request)
    case = access.access_case(user, pk, queryset=CASE_QUERYSET)
    followup = _followup(case, followup_id)
    form = FollowUpSnoozeForm(request.POST)
    if not form.is_valid():
        errors = "; ".join(
            f"{form.fields[name].label or name}: {' '.join(str(message) for message in messages_)}"
            for name, messages_ in form.errors.items()
        )
        return render_case(request, case, status=400, followup_error=errors)
    try:
        do_snooze_followup(
            actor=user,
            case=case,
            followup=followup,
            version=form.cleaned_data["version"],
            until=form.cleaned_data["until"],
        )
    except StaleVersionError as error:
        return _refused(request, case, error, 409)
    except ActionError as error:
        return _refused(request, case, error, 400)
    when = timezone.localtime(form.cleaned_data["until"]).strftime("%Y-%m-%d %H:%M")
    messages.success(request, with_particles(_("Follow-up moved to %(when)s.") % {"when": when}))
    return _back(request, case)
