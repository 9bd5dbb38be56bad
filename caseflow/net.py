"""The client's address, as the trusted proxies in front of gunicorn report it."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """REMOTE_ADDR, or with TRUSTED_PROXY_COUNT = N the N-th address from the right of X-Forwarded-For.

    Only the entries our own proxies appended are trusted; anything further left was written by the
    client and could be anything. A malformed value gives None rather than a guess.
    """
    count = settings.TRUSTED_PROXY_COUNT
    candidate = request.META.get("REMOTE_ADDR", "")
    if count:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) < count:
            return None
        candidate = forwarded[-count]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return None
