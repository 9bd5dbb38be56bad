"""Failed sign-ins: what django-axes counts per account, and a throttle per client address across accounts.

django-axes locks an (account, address) pair after AXES_FAILURE_LIMIT failures. It counts by the string
it is given, so it is given the address as sign-in looks it up (accounts.models.normalize_address):
"VICTIM@…", " victim@… " and "victim@…" are one account to sign-in and one count to the lockout.

The pair lock alone lets one address try a few passwords on every account of every centre (password
spraying); SIGNIN_ADDRESS_FAILURE_LIMIT failures from one address within one SIGNIN_ADDRESS_WINDOW (fixed
windows), whatever the accounts, refuse every sign-in from that address until the window ends.
"""

from __future__ import annotations

import ipaddress
import time
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from accounts.models import normalize_address
from caseflow.net import client_ip


def lockout_username(request: HttpRequest, credentials: dict[str, Any] | None = None) -> str | None:
    """AXES_USERNAME_CALLABLE: the normalised address, for counting, resetting and the admin's list."""
    field = settings.AXES_USERNAME_FORM_FIELD
    value = credentials.get(field) if credentials is not None else request.POST.get(field)
    if not isinstance(value, str) or not value.strip():
        return None
    return normalize_address(value)


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict[str, Any] | None = None
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: 429 in the form the client asked for (JSON for the API, a page otherwise)."""
    retry_after = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    if _wants_json(original_response):
        response: HttpResponse = JsonResponse(
            {"detail": _("Too many failed sign-ins. Try again in 15 minutes.")}, status=429
        )
    else:
        response = render(request, settings.AXES_LOCKOUT_TEMPLATE, status=429)
    response["Retry-After"] = retry_after
    return response


def _wants_json(original_response: HttpResponse | None) -> bool:
    # The view's own answer says what the client reads: the token endpoint answers JSON.
    return original_response is not None and original_response.get("Content-Type", "").startswith("application/json")


def clock() -> float:
    """The time the address windows are counted in (a function, so that tests can move it)."""
    return time.time()


def _address_key(request: HttpRequest) -> str:
    address = client_ip(request)
    if address is None:
        # No usable address (a misconfigured proxy count): all such clients share one count.
        client = "unknown"
    elif ipaddress.ip_address(address).version == 6:
        # One IPv6 client holds a whole /64; counting single addresses would give it billions of tries.
        client = str(ipaddress.ip_network(f"{address}/64", strict=False))
    else:
        client = address
    # Fixed windows, the same for every process: at a window's end the count starts again from zero.
    window = int(settings.SIGNIN_ADDRESS_WINDOW.total_seconds())
    return f"accounts:signin-failures:{client}:{int(clock() // window)}"


def count_address_failure(request: HttpRequest) -> None:
    """Counts one failed sign-in for the client's address in the current window."""
    key = _address_key(request)
    lifetime = 2 * int(settings.SIGNIN_ADDRESS_WINDOW.total_seconds())
    cache.add(key, 0, timeout=lifetime)
    try:
        cache.incr(key)
    except ValueError:  # the key expired between add() and incr()
        cache.set(key, 1, timeout=lifetime)


def address_refused(request: HttpRequest) -> bool:
    """Whether the client's address has had too many failed sign-ins, on any accounts, in the window."""
    return int(cache.get(_address_key(request)) or 0) >= settings.SIGNIN_ADDRESS_FAILURE_LIMIT


def address_refused_page(request: HttpRequest) -> HttpResponse:
    """The 429 page of the sign-in form for an address with too many failures."""
    response = render(request, "accounts/address_paused.html", status=429)
    response["Retry-After"] = seconds_to_next_window()
    return response


def seconds_to_next_window() -> str:
    """When the current window ends, for a Retry-After header."""
    window = int(settings.SIGNIN_ADDRESS_WINDOW.total_seconds())
    return str(window - int(clock() % window))


@receiver(user_login_failed)
def _count_failure(
    sender: object, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    # Every failure counts: wrong passwords, unknown addresses, and attempts refused by a lockout.
    if request is not None:
        count_address_failure(request)


class AddressThrottleBackend:
    """First authentication backend: refuses every sign-in from an address over the limit, before any password check.

    It covers sign-in forms that are not ours (the admin's).

    It has no get_user(), like axes' backend: it never signs anybody in, so no session names it.
    """

    def authenticate(self, request: HttpRequest | None, **credentials: Any) -> None:
        if request is not None and address_refused(request):
            # Django's authenticate() turns this into a failed sign-in (and a user_login_failed signal).
            raise PermissionDenied
        return None
