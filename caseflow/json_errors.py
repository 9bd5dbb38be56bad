"""Error answers produced outside DRF: API clients get JSON like DRF's, never an HTML page.

Refusals of actions and their mapping inside DRF are in caseflow/errors.py; this module is for the
answers Django and middleware give before or around DRF (400, 404, 413, 429 …).
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from django.http import HttpRequest, HttpResponseBase, JsonResponse
from rest_framework import exceptions

API_PREFIX = "/api/"

# DRF's own wording for the same answers, so that a client sees one message whichever layer refused.
_DETAILS: dict[int, Any] = {
    400: exceptions.ParseError.default_detail,
    403: exceptions.PermissionDenied.default_detail,
    404: exceptions.NotFound.default_detail,
    406: exceptions.NotAcceptable.default_detail,
    415: exceptions.UnsupportedMediaType.default_detail,
    429: exceptions.Throttled.default_detail,
    500: exceptions.APIException.default_detail,
}


def is_api_request(request: HttpRequest) -> bool:
    """Whether the request is for the REST API, whose clients read JSON."""
    return request.path_info.startswith(API_PREFIX)


def json_error_response(request: HttpRequest, status: int) -> JsonResponse:
    """`{"detail": …}` for an HTTP error status, in DRF's words where DRF has some."""
    if status == 405:
        detail: Any = str(exceptions.MethodNotAllowed.default_detail).format(method=request.method)
    elif status in _DETAILS:
        detail = _DETAILS[status]
    else:
        try:
            detail = HTTPStatus(status).phrase
        except ValueError:  # a status outside the standard list
            detail = "Error"
    return JsonResponse({"detail": str(detail)}, status=status)


def is_json(response: HttpResponseBase) -> bool:
    """Whether the answer already is JSON (DRF's, or a middleware's JsonResponse)."""
    content_type = response.get("Content-Type", "").split(";")[0].strip()
    return content_type == "application/json" or content_type.endswith("+json")


def as_json_error(request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
    """The JSON equivalent of an HTML error answer, keeping its headers (Allow, Retry-After, …) and cookies."""
    replacement = json_error_response(request, response.status_code)
    for header, value in response.items():
        if header.lower() not in {"content-type", "content-length"}:
            replacement[header] = value
    replacement.cookies = response.cookies
    return replacement
