"""Signed-in sessions and API tokens for the benchmarks, made as a finished sign-in leaves them.

Signing in through the login page stops at the two-step code for anyone who owes one (supervisors,
and whoever set up an authenticator app: accounts/mfa.py), and every page then sends her to the code
page. The token endpoint likewise wants the code. A benchmark measures pages and endpoints, not the
sign-in, so it writes what a completed sign-in would leave: a session with the user and, for those
who owe a code, the authenticator that accepted it; or an API token.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django_otp import DEVICE_ID_SESSION_KEY
from knox.models import AuthToken

from accounts.mfa import owes_code
from accounts.models import TotpDevice, User


def verified_session(user: User) -> str:
    """The key of a new session of `user`, signed in and, if she owes a code, verified with it."""
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    if owes_code(user):
        device = TotpDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
        if device is None:  # a bench supervisor has no authenticator app until a benchmark gives her one
            device = TotpDevice.objects.create(user=user, name="Bench phone", secret=TotpDevice.new_secret())
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.create()
    return str(session.session_key)


def api_token(user: User) -> str:
    """A new API token of `user`, as POST /api/v1/auth/token/ issues it once her code (if she owes
    one) was accepted: a request made with it counts as verified."""
    _instance, token = AuthToken.objects.create(user)
    return str(token)
