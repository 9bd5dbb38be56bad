"""Portal sign-in and sessions: reference + passphrase, failures counted per (reference, address),
a session of its own in its own cookie, 15 minutes idle.

Unknown reference, wrong passphrase and revoked access take the same path through the code (one
lookup, one full Argon2 verification, one failure row) and give the same answer, so that neither
the page, the status nor the time tells which it was. Unknown references are counted and locked
like real ones, so that a lock reveals nothing either.
"""

from __future__ import annotations

import enum
import hashlib
import secrets
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone

from caseflow.net import client_ip
from cases import reminders
from cases.crypto import blind_index
from cases.models import PortalAccess, PortalSession, PortalSignInFailure, normalise_reference
from cases.passphrases import check_passphrase, dummy_hash

SEEN_PRECISION = timedelta(minutes=1)
# Longer input is cut before hashing: it cannot be a reference, and hashing it all costs time.
_MAX_REFERENCE = 40


class Outcome(enum.Enum):
    SIGNED_IN = "signed_in"
    FAILED = "failed"
    LOCKED = "locked"


def _reference_key(typed: str) -> str:
    """A keyed hash of the reference as typed (normalised), known or not: rows never hold a reference."""
    return blind_index("portal-reference", 0, normalise_reference(typed[:_MAX_REFERENCE]) or "-")


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _is_locked(reference_key: str, address: str | None) -> bool:
    since = timezone.now() - timedelta(minutes=settings.PORTAL_LOCK_MINUTES)
    recent = PortalSignInFailure.objects.filter(ip_address=address, created_at__gte=since)
    if recent.filter(reference_key=reference_key).count() >= settings.PORTAL_FAILURE_LIMIT:
        return True
    # Across references: one address guessing at many cases is stopped too.
    return recent.count() >= settings.PORTAL_ADDRESS_FAILURE_LIMIT


def sign_in(request: HttpRequest, reference: str, passphrase: str) -> tuple[Outcome, str | None]:
    """Checks reference and passphrase; on success returns the new session's token (for the cookie)."""
    address = client_ip(request)
    key = _reference_key(reference)
    if _is_locked(key, address):
        return Outcome.LOCKED, None
    access = (
        PortalAccess.objects.select_related("case", "case__assigned_to")
        .filter(case__reference=normalise_reference(reference[:_MAX_REFERENCE]), revoked_at__isnull=True)
        .first()
    )
    # The same Argon2 work whether or not there is an access to check against.
    matched = check_passphrase(passphrase[:200], access.passphrase_hash if access is not None else dummy_hash())
    with transaction.atomic():
        if access is not None and matched:
            PortalSignInFailure.objects.filter(reference_key=key, ip_address=address).delete()
            token = secrets.token_urlsafe(32)
            PortalSession.objects.create(token_hash=_token_hash(token), access=access, case=access.case)
            return Outcome.SIGNED_IN, token
        failure = PortalSignInFailure.objects.create(reference_key=key, ip_address=address)
        since = timezone.now() - timedelta(minutes=settings.PORTAL_LOCK_MINUTES)
        count = PortalSignInFailure.objects.filter(reference_key=key, ip_address=address, created_at__gte=since).count()
        if count == settings.PORTAL_FAILURE_LIMIT and access is not None:
            # Someone is guessing at a real case's passphrase: the counsellor hears of it.
            reminders.portal_locked(access.case, failure_id=failure.pk)
    return Outcome.FAILED, None


def current_session(request: HttpRequest) -> PortalSession | None:
    """The portal session of this browser, if its cookie names a live one that has not idled out."""
    token = request.COOKIES.get(settings.PORTAL_COOKIE_NAME, "")
    if not token or len(token) > 100:
        return None
    session = (
        PortalSession.objects.select_related("case", "case__centre", "access")
        .filter(token_hash=_token_hash(token), ended_at__isnull=True)
        .first()
    )
    if session is None:
        return None
    now = timezone.now()
    idle = now - session.last_seen_at > timedelta(minutes=settings.PORTAL_IDLE_MINUTES)
    if idle or session.access.revoked_at is not None:
        PortalSession.objects.filter(pk=session.pk).update(ended_at=now)
        return None
    if now - session.last_seen_at > SEEN_PRECISION:
        # A write at most once a minute per session: idle time is measured to the minute, not per click.
        PortalSession.objects.filter(pk=session.pk).update(last_seen_at=now)
    return session


def end_session(request: HttpRequest) -> None:
    """Ends this browser's portal session (sign-out, quick exit)."""
    token = request.COOKIES.get(settings.PORTAL_COOKIE_NAME, "")
    if token and len(token) <= 100:
        PortalSession.objects.filter(token_hash=_token_hash(token), ended_at__isnull=True).update(
            ended_at=timezone.now()
        )


def set_cookie(response: HttpResponseBase, token: str) -> None:
    """The portal's own cookie: only sent to /portal/, never readable by scripts, never cross-site."""
    response.set_cookie(
        settings.PORTAL_COOKIE_NAME,
        token,
        path="/portal/",
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Strict",
    )


def forget(response: HttpResponseBase) -> None:
    """Removes the cookie and asks the browser to drop what it cached or stored for this site; not
    its cookies, which would also end a staff session open in the same browser."""
    response.delete_cookie(settings.PORTAL_COOKIE_NAME, path="/portal/", samesite="Strict")
    response["Clear-Site-Data"] = '"cache", "storage"'


def portal_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The portal's login_required: a live portal session, or the sign-in page. A staff session in
    the same browser counts for nothing here."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        session = current_session(request)
        if session is None:
            response = HttpResponseRedirect(reverse("portal:sign_in"))
            if settings.PORTAL_COOKIE_NAME in request.COOKIES:
                forget(response)
            return response
        request.portal_session = session  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapped
