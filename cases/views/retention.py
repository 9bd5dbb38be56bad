"""Retention on the case page: a supervisor keeps a closed case longer, with a reason."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases import access
from cases.actions.errors import ActionError, NotAllowedError, StaleVersionError
from cases.actions.retention import do_extend_retention
from cases.forms import RetentionForm
from cases.views.cases import render_case
from cases.views.common import staff


@login_required
@require_POST
def case_extend_retention(request: HttpRequest, pk: int) -> HttpResponse:
    user = staff(request)
    case = access.access_case(user, pk, write=True)
    form = RetentionForm(request.POST)
    if not form.is_valid():
        return render_case(request, case, status=400, retention_form=form)
    try:
        do_extend_retention(actor=user, case=case, **form.cleaned_data)
    except NotAllowedError as error:
        raise PermissionDenied(error.message) from None
    except StaleVersionError as error:
        messages.error(request, error.message)
        return render_case(request, case, status=409, retention_form=form)
    except ActionError as error:
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return render_case(request, case, status=400, retention_form=form)
    messages.success(request, _("The case is kept longer."))
    return redirect("cases:detail", pk=case.pk)
