"""The unread count in every page's header: one small indexed query, only for signed-in staff."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from notifications import outbox


def unread(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # Lazy: pages that never show the header (API, redirects) pay nothing.
    return {"inbox_unread": SimpleLazyObject(lambda: outbox.unread_count(user))}
