"""Project middleware: idle session expiry, no-store caching, body size limit, CSRF under no-referrer."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import suppress

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.translation import gettext as _

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


class RequestSizeLimitMiddleware:
    """Refuses a body larger than DATA_UPLOAD_MAX_MEMORY_SIZE with 413 before anything reads it.

    Django enforces the limit only when `request.body` or a form is read; DRF's parsers read the
    stream directly, so the check must happen here, on the declared length.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
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
            # A bad host keeps `null`; Django answers it with 400 later on.
            with suppress(DisallowedHost):
                meta["HTTP_ORIGIN"] = f"{request.scheme}://{request.get_host()}"
        return self.get_response(request)
