"""The refusals any app's actions raise, and how the REST API answers them.

They live on the floor so that the API's error mapping needs no app: `cases` (and any later app)
raises these, and DRF's handler below turns them into 409, 403 or 400.
"""

from __future__ import annotations

from typing import Any

from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class ActionError(Exception):
    """A change refused for a reason the person can act on; `field` names the input at fault."""

    def __init__(self, message: str, *, field: str = "non_field_errors") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class StaleVersionError(ActionError):
    """The record changed since the writer read it (HTTP 409)."""


class TransitionError(ActionError):
    """A status move the machine does not allow (HTTP 400)."""


class NotAllowedError(ActionError):
    """The person may see the record but not make this change (HTTP 403)."""


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, plus: a stale version is 409, a refused action 403, any other refusal 400."""
    if isinstance(exc, StaleVersionError):
        return Response({exc.field: [exc.message]}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, NotAllowedError):
        return Response({"detail": exc.message}, status=status.HTTP_403_FORBIDDEN)
    if isinstance(exc, ActionError):
        return Response({exc.field: [exc.message]}, status=status.HTTP_400_BAD_REQUEST)
    return drf_exception_handler(exc, context)
