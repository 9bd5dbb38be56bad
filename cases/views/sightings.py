"""Where the content appears: pasting addresses, and a place's state."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases import access
from cases.actions.errors import ActionError
from cases.actions.sightings import SightingFlags, do_add_sightings, do_update_sighting
from cases.forms import BulkSightingsForm, SightingStateForm
from cases.models import Case
from cases.views.cases import paste_key, render_case
from cases.views.common import refused, staff


@login_required
@require_POST
def case_add_sightings(request: HttpRequest, pk: int) -> HttpResponse:
    """Pasted addresses: every line is answered on the page (created, duplicate, or rejected and why)."""
    user = staff(request)
    case = access.access_case(user, pk, write=True, queryset=Case.objects.select_related("assigned_to", "created_by"))
    form = BulkSightingsForm(request.POST)
    if not form.is_valid():
        return render_case(request, case, status=400, bulk_form=form)
    data = dict(form.cleaned_data)
    lines = data.pop("text").splitlines()
    try:
        results = do_add_sightings(actor=user, case=case, lines=lines, flags=SightingFlags(**data))
    except ActionError as error:
        form.add_error("text", error.message)
        return render_case(request, case, status=400, bulk_form=form)
    # Post, redirect, get: a reload does not paste again. The answers wait in the session by line and
    # sighting id only, never the addresses themselves (sessions are stored unencrypted).
    request.session[paste_key(case.pk)] = [
        {
            "line": r.line,
            "status": r.status,
            "sighting": r.sighting.pk if r.sighting is not None else r.duplicate_of,
            "error": str(r.error),
        }
        for r in results
    ]
    return redirect(reverse("cases:detail", args=[case.pk]) + "#sightings")


@login_required
@require_POST
def case_sighting_state(request: HttpRequest, pk: int, sighting_id: int) -> HttpResponse:
    """Marks a place removed, or back online (it reappeared: a new draft request is opened)."""
    user = staff(request)
    case = access.access_case(user, pk, write=True)
    sighting = case.sightings.filter(pk=sighting_id).first()
    if sighting is None:
        raise Http404
    form = SightingStateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Reload the page and try again."))
        return redirect("cases:detail", pk=case.pk)
    try:
        do_update_sighting(
            actor=user,
            case=case,
            sighting=sighting,
            changes={"state": form.cleaned_data["state"]},
            version=form.cleaned_data["version"],
        )
    except ActionError as error:
        return refused(request, case.pk, error)
    return redirect(reverse("cases:detail", args=[case.pk]) + "#sightings")
