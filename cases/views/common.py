"""What every staff page shares: the signed-in staff member, her address, a refused action."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from accounts.models import User
from caseflow.net import client_ip
from cases.actions.errors import ActionError, NotAllowedError


def staff(request: HttpRequest) -> User:
    """The signed-in user (every staff page is behind login_required)."""
    return cast(User, request.user)


def address(request: HttpRequest) -> str | None:
    """The client's address as our trusted proxies report it, for the access log."""
    return client_ip(request)


def refused(request: HttpRequest, pk: int, error: ActionError, page: str = "cases:detail") -> HttpResponse:
    """A refused action: the message on top of the page it came from (the case, or a request)."""
    if isinstance(error, NotAllowedError):
        raise PermissionDenied(error.message)
    messages.error(request, error.message)
    return HttpResponseRedirect(reverse(page, args=[pk]))
