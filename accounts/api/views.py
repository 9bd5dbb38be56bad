"""API authentication: exchange e-mail, password and (with two-step sign-in) a code for a token; revoke one or all.

A token is issued only after the code check, so a request made with one counts as verified
(accounts.middleware leaves it to the token).
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib.auth import authenticate
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from knox.models import AuthToken
from knox.settings import knox_settings
from knox.views import LogoutAllView, LogoutView
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from accounts.actions import do_check_code
from accounts.api.serializers import MeSerializer, TokenRequestSerializer, TokenResponseSerializer
from accounts.lockout import address_refused, seconds_to_next_window
from accounts.mfa import count_failed_code, has_authenticator, role_requires_code
from accounts.models import User


class TokenView(APIView):
    """POST e-mail and password, get a bearer token (`Authorization: Token …`) that expires.

    An account with two-step sign-in also sends `otp`: the current code of its authenticator app,
    or a recovery code. A missing or wrong code is a failed sign-in, counted for the lockout like a
    wrong password. A role that must use two-step sign-in gets no token before it is set up.
    """

    authentication_classes: list[type] = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"

    @extend_schema(request=TokenRequestSerializer, responses={200: TokenResponseSerializer})
    def post(self, request: Request) -> Response:
        if address_refused(request._request):
            return Response(
                {"detail": _("Too many failed sign-ins from this address. Try again later.")},
                status=status.HTTP_429_TOO_MANY_REQUESTS,
                headers={"Retry-After": seconds_to_next_window()},
            )
        form = TokenRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        # The Django request, so that django-axes sees the address and counts the failure.
        user = authenticate(
            request._request,
            username=form.validated_data["email"],
            password=form.validated_data["password"],
        )
        if getattr(request._request, "axes_locked_out", False):
            # AxesMiddleware answers in its place (accounts.lockout.lockout_response), in JSON as here.
            return Response(
                {"detail": _("Too many failed sign-ins. Try again in 15 minutes.")},
                status=status.HTTP_429_TOO_MANY_REQUESTS,
            )
        if user is None or not user.is_active:
            raise serializers.ValidationError({"non_field_errors": [_("E-mail address or password is wrong.")]})
        if has_authenticator(user):
            refusal = self._check_code(request, user, form.validated_data.get("otp", ""))
            if refusal is not None:
                return refusal
        elif role_requires_code(user):
            return Response(
                {
                    "detail": _(
                        "Your role signs in with a code from an authenticator app. Set one up in the browser "
                        "first (enrol_url), then send its code as otp."
                    ),
                    "enrol_url": request.build_absolute_uri(reverse("accounts:mfa")),
                },
                status=status.HTTP_403_FORBIDDEN,
            )
        # At most TOKEN_LIMIT_PER_USER live tokens: the oldest go first.
        limit = int(knox_settings.TOKEN_LIMIT_PER_USER or 0)
        if limit:
            live = AuthToken.objects.filter(user=user).order_by("-created").values_list("pk", flat=True)
            AuthToken.objects.filter(pk__in=list(live[limit - 1 :])).delete()
        instance, token = AuthToken.objects.create(user)
        body = TokenResponseSerializer({"token": token, "expiry": instance.expiry, "user": user}).data
        return Response(body)

    def _check_code(self, request: Request, user: User, code: str) -> Response | None:
        """None when the code is right; otherwise the refusal, the failure counted like a wrong password."""
        if code.strip():
            result = do_check_code(account=user, code=code)
            if result.device is not None:
                return None
            message = (
                _("Too many wrong codes. Wait a moment and try again.")
                if result.wait_until is not None
                else _("The code is wrong or was already used.")
            )
        else:
            message = _("This account signs in with a code: send the current code of its authenticator app as otp.")
        count_failed_code(request._request, user)
        if getattr(request._request, "axes_locked_out", False):
            # That failure was the last one allowed; AxesMiddleware answers 429 in JSON in its place.
            return Response(
                {"detail": _("Too many failed sign-ins. Try again in 15 minutes.")},
                status=status.HTTP_429_TOO_MANY_REQUESTS,
            )
        raise serializers.ValidationError({"otp": [message]})


class RevokeTokenView(LogoutView):
    """POST with the token: that token stops working at once."""

    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request, format: Any = None) -> Response:
        return super().post(request, format)


class RevokeAllTokensView(LogoutAllView):
    """POST with any of your tokens: every token of yours stops working."""

    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request, format: Any = None) -> Response:
        return super().post(request, format)


class MeView(APIView):
    """Who the caller is: name, centre and role."""

    @extend_schema(responses=MeSerializer)
    def get(self, request: Request) -> Response:
        # IsAuthenticated has run: the user is a real one.
        return Response(MeSerializer(cast(User, request.user)).data)
