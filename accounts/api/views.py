"""API authentication: exchange e-mail and password for a token; revoke one or all."""

from __future__ import annotations

from typing import Any, cast

from django.contrib.auth import authenticate
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

from accounts.api.serializers import MeSerializer, TokenRequestSerializer, TokenResponseSerializer
from accounts.lockout import address_refused, seconds_to_next_window
from accounts.models import User


class TokenView(APIView):
    """POST e-mail and password, get a bearer token (`Authorization: Token …`) that expires."""

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
        # At most TOKEN_LIMIT_PER_USER live tokens: the oldest go first.
        limit = int(knox_settings.TOKEN_LIMIT_PER_USER or 0)
        if limit:
            live = AuthToken.objects.filter(user=user).order_by("-created").values_list("pk", flat=True)
            AuthToken.objects.filter(pk__in=list(live[limit - 1 :])).delete()
        instance, token = AuthToken.objects.create(user)
        body = TokenResponseSerializer({"token": token, "expiry": instance.expiry, "user": user}).data
        return Response(body)


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
