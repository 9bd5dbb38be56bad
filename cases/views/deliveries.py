"""Failed deliveries: messages of the centre that could not be delivered, for supervisors."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from cases import access, selectors
from cases.views.common import staff


@login_required
def failed_deliveries(request: HttpRequest) -> HttpResponse:
    """Supervisors see the messages that could not be delivered after every retry, to act on them."""
    user = staff(request)
    if not access.can_assign(user):
        raise PermissionDenied(_("Only supervisors see failed deliveries."))
    return render(request, "cases/failed_deliveries.html", {"rows": selectors.failed_deliveries(user)})
