"""Shared REST API pieces: pagination, and the mapping of refused actions to HTTP answers."""

from __future__ import annotations

from typing import Any

from rest_framework import status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from cases.actions import ActionError, NotAllowedError, StaleVersionError


class Pagination(PageNumberPagination):
    """`count`, `next`, `previous`, `results`; the client may ask for up to 100 rows a page."""

    page_size_query_param = "page_size"
    max_page_size = 100


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, plus: a stale version is 409, a refused action 403, any other refusal 400."""
    if isinstance(exc, StaleVersionError):
        return Response({exc.field: [exc.message]}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, NotAllowedError):
        return Response({"detail": exc.message}, status=status.HTTP_403_FORBIDDEN)
    if isinstance(exc, ActionError):
        return Response({exc.field: [exc.message]}, status=status.HTTP_400_BAD_REQUEST)
    return drf_exception_handler(exc, context)
