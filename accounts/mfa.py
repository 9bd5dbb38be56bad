"""Two-step sign-in (django-otp): who owes a code, checking one, and the sign-in that waits for it.

A person whose role is in MFA_REQUIRED_FOR, or who has set up an authenticator app, owes a code
after her password. Until she enters one her session is not verified (django-otp's
`user.is_verified()`), and accounts.middleware lets it reach only the sign-in and two-step pages.

Someone with an authenticator app is not signed in by the password alone: the sign-in waits in the
session (PENDING_KEY) for the code, so a password-only session of hers never exists. Someone who
must set one up but has none is signed in, unverified, so that she can set it up.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth import login as auth_login
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.http import HttpRequest
from django_otp import login as otp_login
from django_otp.models import Device

from accounts.models import RecoveryCodeDevice, TotpDevice, User, normalize_code

PENDING_KEY = "_caseflow_mfa_pending"
# How long a correct password waits for its code before the person starts again.
PENDING_SECONDS = 300


def role_requires_code(user: User) -> bool:
    """Whether the user's role must sign in with a code (MFA_REQUIRED_FOR)."""
    return user.role in settings.MFA_REQUIRED_FOR


def has_authenticator(user: User) -> bool:
    """Whether the user has set up (and confirmed) at least one authenticator app."""
    return TotpDevice.objects.filter(user=user, confirmed=True).exists()


def owes_code(user: User) -> bool:
    """Whether a session of this user must be verified with a code before it may do anything else."""
    return role_requires_code(user) or has_authenticator(user)


def is_verified(user: Any) -> bool:
    """Whether the session's user entered a code in this session (set by django-otp's middleware)."""
    check = getattr(user, "is_verified", None)
    return bool(check and check())


@dataclass(frozen=True)
class CodeCheck:
    """The answer to a code: the device that accepted it, or when the devices take codes again."""

    device: Device | None
    wait_until: datetime | None = None


def check_code(user: User, code: str) -> CodeCheck:
    """Checks a code from an authenticator app (6 digits) or a recovery code against the user's devices.

    The rows are locked, so two requests with one code cannot both pass; a wrong code makes each
    device wait longer before it takes the next (django-otp's throttling).
    """
    text = normalize_code(code)
    if not text:
        return CodeCheck(None)
    model: type[TotpDevice] | type[RecoveryCodeDevice] = (
        TotpDevice if len(text) == TotpDevice.DIGITS and text.isdigit() else RecoveryCodeDevice
    )
    wait_until = None
    with transaction.atomic():
        for device in model.objects.select_for_update().filter(user=user, confirmed=True).order_by("pk"):
            allowed, info = device.verify_is_allowed()
            if not allowed:
                locked_until = info.get("locked_until") if info else None
                if locked_until is not None and (wait_until is None or locked_until > wait_until):
                    wait_until = locked_until
                continue
            if device.verify_token(text):
                return CodeCheck(device)
    return CodeCheck(None, wait_until)


def count_failed_code(request: HttpRequest, user: User) -> None:
    """A wrong or missing code counts as a failed sign-in: for the account lockout and the address throttle."""
    user_login_failed.send(sender=__name__, credentials={"username": user.email}, request=request)


def is_locked_out(request: HttpRequest, user: User) -> bool:
    """Whether django-axes has locked this account at this address (accounts.lockout)."""
    return not AxesProxyHandler.is_allowed(request, {"username": user.email})


def start_pending_sign_in(request: HttpRequest, user: User, redirect_to: str) -> None:
    """Keeps a correct password in the session until the code comes; nobody is signed in yet."""
    request.session[PENDING_KEY] = {
        "user": user.pk,
        "backend": getattr(user, "backend", settings.AUTHENTICATION_BACKENDS[-1]),
        # A password changed meanwhile voids the waiting sign-in, as it ends sessions.
        "hash": user.get_session_auth_hash(),
        "at": int(time.time()),
        "next": redirect_to,
    }


def pending_sign_in(request: HttpRequest) -> tuple[User, str] | None:
    """The user whose password was right and who owes a code, with where she was going; None if none."""
    pending = request.session.get(PENDING_KEY)
    if not isinstance(pending, dict):
        return None
    if int(time.time()) - int(pending.get("at", 0)) > PENDING_SECONDS:
        del request.session[PENDING_KEY]
        return None
    user = User.objects.filter(pk=int(pending.get("user") or 0), is_active=True).first()
    if user is None or user.get_session_auth_hash() != pending.get("hash"):
        del request.session[PENDING_KEY]
        return None
    return user, str(pending.get("next") or "")


def drop_pending_sign_in(request: HttpRequest) -> None:
    request.session.pop(PENDING_KEY, None)


def finish_sign_in(request: HttpRequest, user: User, device: Device) -> None:
    """Signs the user in (if she waited for her code) and marks the session verified by `device`."""
    pending = request.session.get(PENDING_KEY) or {}
    if request.user.pk != user.pk:
        # Django's login: a new session key, last_login, and user_logged_in (django-axes resets the count).
        auth_login(request, user, backend=pending.get("backend", settings.AUTHENTICATION_BACKENDS[-1]))
    drop_pending_sign_in(request)
    otp_login(request, device)
    # Verified is a higher standing than signed in: it gets a session key of its own.
    request.session.cycle_key()


def verify_session(request: HttpRequest, device: Device) -> None:
    """Marks an already signed-in session verified by `device` (a code entered just now)."""
    otp_login(request, device)
    request.session.cycle_key()
