"""Follow-ups: a reminder to myself on a case."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases import access
from cases.actions.errors import ActionError
from cases.actions.followups import do_set_followup
from cases.forms import FollowUpForm
from cases.models import Case
from cases.views.cases import render_case
from cases.views.common import staff


@login_required
@require_POST
def case_add_followup(request: HttpRequest, pk: int) -> HttpResponse:
    """A reminder to myself on this case, delivered to my inbox (and e-mail if I chose it)."""
    user = staff(request)
    case = access.access_case(user, pk, write=True, queryset=Case.objects.select_related("assigned_to", "created_by"))
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
