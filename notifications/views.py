"""The staff inbox: reminders delivered in the app, each linking to what it is about."""

from __future__ import annotations

from typing import Any, cast

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.models import User
from notifications import outbox, renderers

INBOX_ROWS = 50


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    rows = list(outbox.inbox(user)[:INBOX_ROWS])
    # In the language the page is shown in, whatever language an e-mail copy went out in.
    language = getattr(request, "LANGUAGE_CODE", "ko")
    items = renderers.render_inbox(user, rows, language)
    entries: list[dict[str, Any]] = [
        {"notification": n, "item": items[n.pk], "unread": n.read_at is None} for n in rows
    ]
    return render(request, "notifications/inbox.html", {"entries": entries})


@login_required
@require_GET
def open_item(request: HttpRequest, pk: int) -> HttpResponse:
    """Opening an item marks it read and leads to what it is about.

    A GET that changes only the reader's own read mark (idempotent, never another's: mark_read filters
    by recipient), so that the item is an ordinary link that opens in a new tab too.
    """
    user = cast(User, request.user)
    notification = outbox.inbox(user).filter(pk=pk).first()
    if notification is None:
        raise Http404
    outbox.mark_read(user, [notification.pk])
    language = getattr(request, "LANGUAGE_CODE", "ko")
    item = renderers.render_inbox(user, [notification], language)[notification.pk]
    return redirect(item.link or "notifications:inbox")


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
