"""Project middleware: headers and errors on every answer, idle sessions, body size limit, CSRF under no-referrer."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import suppress

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.core.handlers.exception import response_for_exception
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.middleware.security import SecurityMiddleware as DjangoSecurityMiddleware
from django.urls import Resolver404, resolve
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.translation import gettext as _

from caseflow.json_errors import as_json_error, is_api_request, is_json

# Refreshing the session's expiry costs a database write; once a minute is close enough for a
# 30-minute idle limit and keeps ordinary page views read-only.
_REFRESH_EVERY_SECONDS = 60
_TOUCHED_KEY = "_caseflow_touched"


class SessionIdleTimeoutMiddleware:
    """Sessions expire after SESSION_COOKIE_AGE seconds without a request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        if session is not None and user is not None and user.is_authenticated and not session.is_empty():
            now = int(time.time())
            if now - int(session.get(_TOUCHED_KEY, 0)) >= _REFRESH_EVERY_SECONDS:
                # Setting a key marks the session modified, so SessionMiddleware saves it with a new expiry.
                session[_TOUCHED_KEY] = now
        return response


class NoStoreMiddleware:
    """Nothing a signed-in person sees may be kept by a browser or a proxy.

    Every response except static files gets `Cache-Control: no-store`: pages of the portal and the
    login form hold details too, and being uniform makes mistakes impossible.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.static_prefix = settings.STATIC_URL or "/static/"

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith(self.static_prefix):
            add_never_cache_headers(response)
            patch_cache_control(response, no_store=True, private=True)
        return response


class ApiErrorsAsJsonMiddleware:
    """API clients get JSON, not an HTML page, for errors that did not come from DRF.

    A bad Host, an unknown path, a crash in a view, a lockout: each is answered by a layer that knows
    nothing of the API. This middleware sits outside all of them, so it sees their answers, and
    inside the header middleware, so the JSON answer gets the security headers too.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if response.status_code >= 400 and is_api_request(request) and not is_json(response):
            return as_json_error(request, response)
        return response


class AllowedHostMiddleware:
    """Answers a Host not in ALLOWED_HOSTS with 400 before any other layer reads it.

    Django's SecurityMiddleware reads the Host for its HTTPS redirect, and the 400 made of the
    exception there would skip its own headers (nosniff, referrer policy, …). Here, just outside it,
    the same 400 (and the same django.security log line) gets those headers from it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        # Used for its response headers only.
        self.security = DjangoSecurityMiddleware(get_response)

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        try:
            request.get_host()
        except DisallowedHost as exc:
            return self.security.process_response(request, response_for_exception(request, exc))
        return self.get_response(request)


class RequestSizeLimitMiddleware:
    """Refuses a body larger than DATA_UPLOAD_MAX_MEMORY_SIZE with 413 before anything reads it.

    Django enforces the limit only when `request.body` or a form is read; DRF's parsers read the
    stream directly, so the check must happen here, on the declared length. A view marked with
    `caseflow.uploads.body_limit` (the evidence uploads) has a limit of its own instead.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        try:
            view = resolve(request.path_info).func
        except Resolver404:
            view = None
        own_limit = getattr(view, "max_body_size", None)
        if own_limit is not None:
            limit = own_limit()
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if limit is not None and length > limit:
            return JsonResponse(
                {"detail": _("The request body is larger than %(limit)d bytes.") % {"limit": limit}},
                status=413,
            )
        return self.get_response(request)


class SameOriginFormMiddleware:
    """Restores the Origin of a same-site form POST that `Referrer-Policy: no-referrer` blanked.

    Under that policy browsers send `Origin: null` and no Referer with every form POST, even to the
    same site, so Django's CSRF origin check would refuse every form. A same-site request is told
    by `Sec-Fetch-Site: same-origin`, which page scripts cannot set; for those, and only those, the
    origin is put back before Django's CsrfViewMiddleware runs, and the CSRF token is still checked.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        meta = request.META
        if meta.get("HTTP_ORIGIN") == "null" and meta.get("HTTP_SEC_FETCH_SITE") == "same-origin":
            # AllowedHostMiddleware has refused a bad host already; were it moved, such a host keeps
            # `null` and Django answers it with 400 later on.
            with suppress(DisallowedHost):
                meta["HTTP_ORIGIN"] = f"{request.scheme}://{request.get_host()}"
        return self.get_response(request)


class ProductErrorPagesMiddleware:
    """With DJANGO_DEBUG=1 (`make run`), the product's own 403 and 404 pages instead of Django's
    debug pages, so that a newcomer trying the product sees what a counsellor would see, and no
    debug page lists the URL patterns or settings. Without DEBUG, Django serves these templates itself."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            settings.DEBUG
            and response.status_code in (403, 404)
            and not is_api_request(request)
            and not is_json(response)
            and not getattr(response, "_product_page", False)
        ):
            from django.shortcuts import render

            page = render(request, f"{response.status_code}.html", status=response.status_code)
            page._product_page = True  # type: ignore[attr-defined]
            return page
        return response
