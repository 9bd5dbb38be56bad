"""What every staff page shares: the signed-in staff member, her address, a refused action, and
the step that asks before a change that cannot be undone."""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy

from accounts.models import User
from caseflow.net import client_ip
from cases.actions.errors import ActionError, NotAllowedError

# Closing a case asks first, from the status buttons and from a closure request's approval alike.
CLOSE_CASE_QUESTION = gettext_lazy("Close this case?")
APPROVE_CLOSURE_QUESTION = gettext_lazy("Approve the request and close this case?")
ERASE_QUESTION = gettext_lazy("Erase this case and everything held about the victim?")
CLOSE_CASE_EXPLANATION = gettext_lazy(
    "Its follow-ups and the reminders of its open requests are cancelled. Only a supervisor can reopen it."
)


_SAMPLE_PK = 918273645


def href_of(view_name: str) -> Callable[[int], str]:
    """The address of `view_name` for an id, reversed once per page rather than once per row."""
    head, _sep, tail = reverse(view_name, args=[_SAMPLE_PK]).partition(str(_SAMPLE_PK))
    return lambda pk: f"{head}{int(pk)}{tail}"


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


def confirmed(request: HttpRequest) -> bool:
    """Whether the person already said yes: the confirmation page, or the script's dialog, sends `confirmed`."""
    return request.POST.get("confirmed") == "1"


def ask_first(
    request: HttpRequest, *, question: str, explanation: str, confirm_label: str, back: str, danger: bool = False
) -> HttpResponse:
    """The question a button's dialog asks, as a page, for a browser without script: the same form
    again, every value as posted, with `confirmed`. Nothing has changed yet."""
    fields = [
        (name, value)
        for name, values in request.POST.lists()
        if name not in {"csrfmiddlewaretoken", "confirmed"}
        for value in values
    ]
    context = {
        "question": question,
        "explanation": explanation,
        "confirm_label": confirm_label,
        "back": back,
        "danger": danger,
        "action": request.path,
        "fields": fields,
    }
    return render(request, "cases/confirm.html", context)
