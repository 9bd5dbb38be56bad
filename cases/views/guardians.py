"""A minor's guardian: the page that records or changes what the case holds about them."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cases import access
from cases.actions.errors import ActionError, StaleVersionError
from cases.actions.guardians import GUARDIAN_FIELDS, do_set_guardian
from cases.audit import log_access
from cases.models import Guardian
from cases.safety_forms import GuardianForm
from cases.views.common import address, refused, staff


@login_required
@require_http_methods(["GET", "POST"])
def case_guardian(request: HttpRequest, pk: int) -> HttpResponse:
    user = staff(request)
    case = access.access_case(user, pk, write=True)
    if not case.is_minor:
        raise Http404
    guardian = Guardian.objects.filter(case=case).first()
    if request.method == "POST":
        form = GuardianForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            version = data.pop("version")
            try:
                do_set_guardian(actor=user, case=case, version=version, details=data)
            except StaleVersionError as error:
                form.add_error(None, error.message)
                return render(request, "cases/guardian.html", {"case": case, "form": form}, status=409)
            except ActionError as error:
                if error.field in form.fields:
                    form.add_error(error.field, error.message)
                    return render(request, "cases/guardian.html", {"case": case, "form": form}, status=400)
                return refused(request, case.pk, error)
            messages.success(request, _("Guardian's details saved."))
            return redirect(reverse("cases:detail", args=[case.pk]) + "#guardian")
        return render(request, "cases/guardian.html", {"case": case, "form": form}, status=400)
    log_access(user=user, case=case, ip_address=address(request))
    initial: dict[str, object] = {"version": 0, "preferred_language": case.preferred_language}
    if guardian is not None:
        initial = {name: getattr(guardian, name) for name in GUARDIAN_FIELDS} | {"version": guardian.version}
    return render(request, "cases/guardian.html", {"case": case, "form": GuardianForm(initial=initial)})
