"""What every endpoint of the cases API shares: the caller, her address, strict input fields, paging."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from accounts.models import User
from caseflow.api import FieldsBuiltOnce
from caseflow.net import client_ip
from cases.validators import validate_multiline, validate_phone, validate_single_line


def client_address(request: Request) -> str | None:
    """The client's address as our trusted proxies report it (TRUSTED_PROXY_COUNT)."""
    return client_ip(request._request)


def user_of(request: Request) -> User:
    """The authenticated caller (every endpoint here requires authentication)."""
    return cast(User, request.user)


def paginated(
    view: viewsets.GenericViewSet[Any], request: Request, rows: QuerySet[Any], serializer: type[BaseSerializer[Any]]
) -> Response:
    """A page of rows in the same envelope as the case list."""
    assert view.paginator is not None  # noqa: S101 - DEFAULT_PAGINATION_CLASS is set
    page = view.paginator.paginate_queryset(rows, request, view=view)
    return view.paginator.get_paginated_response(serializer(page, many=True).data)


class StrictSerializerMixin:
    """Refuses fields the endpoint does not know, so a typo is a 400, not silently ignored."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            known = {name for name, field in self.fields.items() if not field.read_only}  # type: ignore[attr-defined]
            unknown = sorted(set(data) - known)
            if unknown:
                raise serializers.ValidationError({name: [_("Unknown field.")] for name in unknown})
        return super().to_internal_value(data)  # type: ignore[misc]


class StrictBooleanField(serializers.BooleanField):
    """Only JSON true and false: "yes", 1 or "0" are type errors, not guesses."""

    default_error_messages = {"invalid": _("Must be true or false.")}

    def to_internal_value(self, data: Any) -> bool:
        if data is True or data is False:
            return data
        self.fail("invalid")
        raise AssertionError  # unreachable: fail() raises


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer only: "1", 1.0 and true are type errors. Bounded so that it fits the column
    (a version or an id), and a huge number is a 400 rather than a database error."""

    default_error_messages = {"invalid": _("Must be a whole number (a JSON integer).")}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**31 - 1)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return int(super().to_internal_value(data))


class IdField(StrictIntegerField):
    """A database id: a JSON integer that fits a bigint."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(**kwargs)


class BoundedDateTimeField(serializers.DateTimeField):
    """A time within years 2000–2200: converting it between time zones cannot overflow, and a
    mistyped year (0001, 9999) is a 400 naming the field instead of a date nobody meant."""

    default_error_messages = {"bounds": _("Enter a time between the years 2000 and 2200.")}

    def to_internal_value(self, value: Any) -> datetime:
        try:
            result = super().to_internal_value(value)
        except OverflowError:
            self.fail("bounds")
        if not 2000 <= result.year <= 2200:
            self.fail("bounds")
        return result


class TextField(serializers.CharField):
    """Text without control characters; `multiline` allows tabs and line breaks."""

    def __init__(self, *, multiline: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("validators", []).append(validate_multiline if multiline else validate_single_line)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class PhoneField(TextField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("validators", []).append(validate_phone)
        super().__init__(**kwargs)


class UserRefSerializer(FieldsBuiltOnce, serializers.ModelSerializer[User]):
    class Meta:
        model = User
        fields = ["id", "full_name"]
        read_only_fields = fields
