"""The staff inbox: reminders delivered in the app, each linking to what it is about."""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_POST

from accounts.models import User
from notifications import outbox
from notifications.messages import render_template
from notifications.models import Notification

INBOX_ROWS = 50


def link_for(notification: Notification) -> str:
    """Where a notification leads, from its ids and the project's NOTIFICATION_LINKS (param → URL name).

    The link is only an address: the page behind it checks, as always, whether the reader may see it.
    """
    for param, url_name in getattr(settings, "NOTIFICATION_LINKS", []):
        if param in notification.params:
            try:
                return reverse(url_name, args=[notification.params[param]])
            except NoReverseMatch:
                continue
    return ""


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    rows = list(outbox.inbox(user)[:INBOX_ROWS])
    # In the language the page is shown in, whatever language an e-mail copy went out in.
    language = getattr(request, "LANGUAGE_CODE", "ko")
    entries: list[dict[str, Any]] = [
        {
            "notification": n,
            "message": render_template(n.template_key, language),
            "link": link_for(n),
            "unread": n.read_at is None,
        }
        for n in rows
    ]
    return render(request, "notifications/inbox.html", {"entries": entries})


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    outbox.mark_read(cast(User, request.user))
    return redirect("notifications:inbox")


@login_required
@require_POST
def email_preference(request: HttpRequest) -> HttpResponse:
    """Reminders always reach the inbox; a copy by e-mail only if the person asks for it."""
    user = cast(User, request.user)
    user.notify_by_email = request.POST.get("notify_by_email") == "on"
    user.save(update_fields=["notify_by_email"])
    return redirect("notifications:inbox")
