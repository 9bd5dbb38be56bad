"""The victim's portal seen from the case page: issuing a passphrase (shown once) and revoking access."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases import access
from cases.actions.errors import ActionError
from cases.actions.portal import do_issue_portal_access, do_revoke_portal_access
from cases.models import PortalHolder
from cases.views.common import refused, staff


@login_required
@require_POST
def case_issue_portal(request: HttpRequest, pk: int) -> HttpResponse:
    """A new passphrase, rendered in this answer only: never in a URL, a message, a session or a log."""
    user = staff(request)
    case = access.access_case(user, pk, write=True)
    try:
        issued = do_issue_portal_access(
            actor=user,
            case=case,
            holder=request.POST.get("holder", PortalHolder.VICTIM),
            holder_reason=request.POST.get("holder_reason", ""),
        )
    except ActionError as error:
        return refused(request, case.pk, error)
    portal_url = settings.PORTAL_BASE_URL or request.build_absolute_uri("/portal/")
    return render(request, "cases/portal_issued.html", {"case": case, "issued": issued, "portal_url": portal_url})


@login_required
@require_POST
def case_revoke_portal(request: HttpRequest, pk: int) -> HttpResponse:
    user = staff(request)
    case = access.access_case(user, pk, write=True)
    try:
        do_revoke_portal_access(actor=user, case=case)
    except ActionError as error:
        return refused(request, case.pk, error)
    messages.success(request, _("Portal access revoked. The victim's sessions have ended."))
    return redirect("cases:detail", pk=case.pk)
