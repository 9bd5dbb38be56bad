"""Platforms' replies: the centre's queue (supervisors), one reply's page with what can be done with it,
a kept attachment, and the request's choice to keep its replies' attachments."""

from __future__ import annotations

import base64

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cases import access
from cases.actions.errors import ActionError
from cases.actions.replies import do_attach_reply, do_confirm_reply, do_dismiss_reply, do_set_keep_attachments
from cases.audit import log_access
from cases.forms import KeepAttachmentsForm, ReplyDecisionForm
from cases.models import AccessAction, PlatformReply, ReplyStatus
from cases.views.common import address, refused, staff

QUEUE_ROWS = 200


@login_required
def reply_queue(request: HttpRequest) -> HttpResponse:
    """Replies that changed nothing: no token, a wrong token or sender, unreadable. Oldest first."""
    user = staff(request)
    rows = list(
        access.reply_queue(user)
        .select_related("takedown", "takedown__platform")
        .defer("text")
        .order_by("received_at", "pk")[:QUEUE_ROWS]
    )
    return render(request, "cases/reply_queue.html", {"replies": rows})


def _after(reply: PlatformReply) -> HttpResponse:
    if reply.takedown_id is not None and reply.status in (ReplyStatus.MATCHED, ReplyStatus.APPLIED):
        return redirect("cases:takedown", pk=reply.takedown_id)
    return redirect("cases:reply", pk=reply.pk)


@login_required
@require_http_methods(["GET", "POST"])
def reply_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One reply as received; confirm its outcome (matched), or dismiss it or attach it to a request (queue)."""
    user = staff(request)
    reply = access.access_reply(user, pk)
    case = reply.takedown.case if reply.takedown_id is not None and reply.takedown is not None else None
    if request.method == "POST":
        form = ReplyDecisionForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Reload the page and try again."))
            return redirect("cases:reply", pk=reply.pk)
        data = form.cleaned_data
        try:
            if data["do"] == "confirm":
                do_confirm_reply(
                    actor=user,
                    reply=reply,
                    status=data["status"],
                    version=data["version"] or 0,
                    ip_address=address(request),
                )
                messages.success(request, _("Request updated from the platform's reply."))
            elif data["do"] == "dismiss":
                do_dismiss_reply(actor=user, reply=reply)
                messages.success(request, _("Reply dismissed; nothing was changed."))
            else:
                do_attach_reply(actor=user, reply=reply, token=data["token"])
                messages.success(request, _("Reply attached to the request; its counsellor confirms what it says."))
        except ActionError as error:
            if reply.takedown_id is not None and data["do"] == "confirm":
                return refused(request, reply.takedown_id, error, page="cases:takedown")
            return refused(request, reply.pk, error, page="cases:reply")
        reply.refresh_from_db()
        return _after(reply)
    log_access(user=user, case=case, ip_address=address(request))
    return render(request, "cases/reply_detail.html", {"reply": reply})


@login_required
def reply_attachment(request: HttpRequest, pk: int, attachment_id: int) -> HttpResponse:
    """A kept attachment, as a download (never shown inline: it came from outside)."""
    user = staff(request)
    reply = access.access_reply(user, pk)
    kept = reply.kept_attachments.filter(pk=access.parse_id(attachment_id)).first()
    if kept is None:
        raise Http404
    case = reply.takedown.case if reply.takedown is not None else None
    log_access(user=user, case=case, ip_address=address(request), action=AccessAction.EXPORT)
    response = HttpResponse(base64.b64decode(kept.content), content_type="application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="reply-{reply.pk}-{kept.pk}.bin"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def takedown_keep_attachments(request: HttpRequest, pk: int) -> HttpResponse:
    user = staff(request)
    takedown = access.access_takedown(user, pk, write=True)
    form = KeepAttachmentsForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Reload the page and try again."))
        return redirect("cases:takedown", pk=takedown.pk)
    try:
        do_set_keep_attachments(actor=user, takedown=takedown, **form.cleaned_data)
    except ActionError as error:
        return refused(request, takedown.pk, error, page="cases:takedown")
    messages.success(request, _("Saved."))
    return redirect("cases:takedown", pk=takedown.pk)
