"""A session that owes a code (accounts.mfa) reaches only the sign-in and two-step pages.

One place for every page, the API with session authentication, the reports and the admin: the
session is what is verified or not, so the check is made on the session, before any view runs. A
request that carries an API token to an API view is left to the token, which is only issued after the
code check; to any other view the token means nothing, and the session is checked as always.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import django_otp.middleware
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from rest_framework.views import APIView

from accounts.auth import TokenAuthentication
from accounts.mfa import has_authenticator, is_verified, owes_code
from accounts.models import TotpDevice
from caseflow.db import select_one
from caseflow.json_errors import is_api_request

# Views an unverified session may reach, by name: signing in and out, the two-step pages (which
# decide themselves what such a session may do there), password links, language, health probes.
OPEN_VIEWS = frozenset(
    {
        "accounts:login",
        "accounts:logout",
        "accounts:password_reset_confirm",
        "accounts:password_reset_complete",
        "accounts:mfa",
        "accounts:mfa_verify",
        "accounts:mfa_setup",
        "accounts:mfa_setup_confirm",
        "accounts:mfa_renew",
        "accounts:mfa_remove",
        "set_language",
        "healthz",
        "readyz",
        "api-token",
    }
)
# The victim's portal keeps its own session and never reads the staff one.
OPEN_NAMESPACES = frozenset({"portal"})


class OTPMiddleware(django_otp.middleware.OTPMiddleware):
    """django-otp's: marks the session's user verified when the session names an authenticator of hers
    that is confirmed (django-otp checks both, as before). Ours are read by one hand-written SELECT: the
    ORM's lookup took 0.6 ms of every staff page (caseflow.db.select_one)."""

    def _device_from_persistent_id(self, persistent_id: str) -> Any:
        label, _slash, number = self._normalize_persistent_id(persistent_id).rpartition("/")
        if label != TotpDevice.model_label():
            return super()._device_from_persistent_id(persistent_id)
        if not (number.isascii() and number.isdigit() and len(number) <= 18):
            return None
        return select_one(TotpDevice, 't."id" = %s', [int(number)])


def _served_by_token(request: HttpRequest, view_func: Callable[..., Any]) -> bool:
    """Whether the request carries `Authorization: Token …` to an API view that reads the token before
    anything else: that view refuses a bad token with 401 and serves a good one as the token's user
    (tokens are issued only after the code), never as the session's. Any other view ignores the
    header, so for it the header changes nothing: a page served to an unverified session because its
    request also named a token would be the two-step check skipped by one line of a request."""
    scheme = request.META.get("HTTP_AUTHORIZATION", "").split(" ", 1)[0]
    if scheme.lower() != "token":
        return False
    view_class = getattr(view_func, "cls", None)
    if not (isinstance(view_class, type) and issubclass(view_class, APIView)):
        return False
    initkwargs = getattr(view_func, "initkwargs", None) or {}
    classes = initkwargs.get("authentication_classes", view_class.authentication_classes)
    return bool(classes) and isinstance(classes[0], type) and issubclass(classes[0], TokenAuthentication)


class TwoStepRequiredMiddleware:
    """Refuses every other view to a signed-in session that owes a code: 403 with the way to enter or set one up."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        if not request.user.is_authenticated or is_verified(request.user) or _served_by_token(request, view_func):
            return None
        user = request.user
        match = request.resolver_match
        if match is not None and (match.view_name in OPEN_VIEWS or match.namespace in OPEN_NAMESPACES):
            return None
        if not owes_code(user):
            return None
        return refusal(request, has_app=has_authenticator(user))


def refusal(request: HttpRequest, *, has_app: bool) -> HttpResponse:
    """403: enter the code (an app is set up) or set up an authenticator app (none yet)."""
    url = reverse("accounts:mfa_verify") if has_app else reverse("accounts:mfa")
    if is_api_request(request):
        if has_app:
            detail = _("Enter the code from your authenticator app first, or use an API token.")
        else:
            detail = _("Your role signs in with a code from an authenticator app. Set one up first.")
        return JsonResponse({"detail": detail, "enrol_url": request.build_absolute_uri(url)}, status=403)
    return render(request, "accounts/mfa/required.html", {"has_app": has_app, "url": url}, status=403)
