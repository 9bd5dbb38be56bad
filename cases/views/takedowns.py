"""Takedown requests: drafting, the request page with its letter, its moves, and the due list."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import User
from cases import access
from cases.actions.errors import ActionError, StaleVersionError
from cases.actions.letters import do_confirm_submitted, do_send_letter, email_address_of, max_attempts
from cases.actions.takedowns import (
    TAKEDOWN_TRANSITIONS,
    do_draft_takedowns,
    do_edit_takedown_letter,
    do_transition_takedown,
)
from cases.audit import log_access
from cases.forms import SendLetterForm, TakedownTransitionForm
from cases.models import REPLY_OUTCOMES, Case, ReplyStatus, RequestChannel, TakedownRequest, TakedownStatus
from cases.views.common import address, ask_first, confirmed, href_of, refused, staff


@login_required
@require_POST
def case_draft_takedowns(request: HttpRequest, pk: int) -> HttpResponse:
    user = staff(request)
    case = access.access_case(user, pk, write=True)
    try:
        drafts = do_draft_takedowns(actor=user, case=case)
    except ActionError as error:
        return refused(request, case.pk, error)
    if drafts:
        messages.success(request, _("%(count)d draft request(s) ready to check and send.") % {"count": len(drafts)})
    else:
        messages.info(request, _("Every place still online is already in an open request."))
    return redirect(reverse("cases:detail", args=[case.pk]) + "#takedowns")


@dataclass(frozen=True)
class Move:
    """A next step on the request page, and what its confirmation asks (outcomes cannot be undone)."""

    status: str
    label: str
    question: str
    explanation: str
    danger: bool


# The answers in the order a platform usually gives them; the regulator last.
_MOVE_ORDER = (
    TakedownStatus.ACKNOWLEDGED,
    TakedownStatus.REMOVED,
    TakedownStatus.PARTIALLY_REMOVED,
    TakedownStatus.REFUSED,
    TakedownStatus.ESCALATED,
)


def _move(takedown: TakedownRequest, status: str) -> Move:
    platform = takedown.platform.name
    label = str(TakedownStatus(status).label)
    if status == TakedownStatus.ACKNOWLEDGED:
        question = _("Record that %(platform)s acknowledged the request?") % {"platform": platform}
        explanation = _("Only once the platform has answered that it received the request.")
    elif status == TakedownStatus.REMOVED:
        question = _("Record that %(platform)s removed every place in this request?") % {"platform": platform}
        explanation = _("All its places are marked removed and the request is closed. This cannot be undone.")
    elif status == TakedownStatus.PARTIALLY_REMOVED:
        question = _("Record that %(platform)s removed only some of the places?") % {"platform": platform}
        explanation = _("The places you ticked are marked removed and the request is closed. This cannot be undone.")
    elif status == TakedownStatus.REFUSED:
        question = _("Record that %(platform)s refused the request?") % {"platform": platform}
        explanation = _("The request is closed with its places still online. This cannot be undone.")
    else:
        question = _("Escalate this request to the regulator?")
        explanation = _(
            "A referral to the regulator is made with this request's letter and history, and recorded as sent. "
            "This cannot be undone."
        )
    danger = status in (TakedownStatus.REFUSED, TakedownStatus.ESCALATED)
    return Move(status, label, question, explanation, danger)


def _can_escalate(takedown: TakedownRequest) -> bool:
    """Overdue, and the platform's directory entry says the regulator takes escalations about it."""
    return takedown.is_overdue and takedown.platform.regulator_escalation


def _shown_replies(user: User) -> list[str]:
    """A counsellor sees the replies matched to the request; a supervisor also the suspicious ones that
    claim to answer it (they wait in her queue and change nothing)."""
    shown: list[str] = [ReplyStatus.MATCHED, ReplyStatus.APPLIED]
    return [*shown, ReplyStatus.SUSPICIOUS] if access.can_assign(user) else shown


def _web_form_url(contact: str) -> str:
    """The platform's form as a link only if it is a web address: the directory is typed by people."""
    return contact if contact.startswith(("https://", "http://")) else ""


def _render_takedown(
    request: HttpRequest, takedown: TakedownRequest, *, status: int = 200, letter_form: SendLetterForm | None = None
) -> HttpResponse:
    user = staff(request)
    items = list(takedown.items.select_related("sighting").order_by("sighting_id"))
    platform = takedown.platform
    context = {
        "takedown": takedown,
        "case": takedown.case,
        "centre": takedown.centre,
        "items": items,
        "can_write": access.can_write(user, takedown.case),
        # Sending is the letter form's: it saves and sends in one step, so only answers are moves.
        "moves": [
            _move(takedown, s)
            for s in _MOVE_ORDER
            if s in TAKEDOWN_TRANSITIONS[takedown.status] and (s != TakedownStatus.ESCALATED or _can_escalate(takedown))
        ],
        "letter_form": letter_form
        or SendLetterForm(initial={"subject": takedown.subject, "body": takedown.body, "version": takedown.version}),
        "by_email": platform.channel == RequestChannel.EMAIL,
        "platform_address": email_address_of(platform.contact),
        "web_form_url": _web_form_url(platform.contact),
        "max_attempts": max_attempts(),
        "replies": list(
            takedown.replies.filter(status__in=_shown_replies(user))
            .prefetch_related("kept_attachments")
            .order_by("received_at", "pk")
        ),
        # Confirming a reply moves the request: only the answers legal from where it stands.
        "reply_moves": [(s.value, s.label) for s in REPLY_OUTCOMES if s in TAKEDOWN_TRANSITIONS[takedown.status]],
    }
    return render(request, "cases/takedown_detail.html", context, status=status)


def _save_or_send(request: HttpRequest, takedown: TakedownRequest, form: SendLetterForm) -> str:
    """Runs the letter form's button: save, send by e-mail, or record a web form as submitted."""
    user = staff(request)
    data = form.cleaned_data
    letter = {"subject": data["subject"], "body": data["body"], "version": data["version"]}
    if data["do"] == "send":
        sent = do_send_letter(actor=user, case=takedown.case, takedown=takedown, recipient=data["recipient"], **letter)
        return _("The letter is on its way to %(address)s.") % {"address": sent.sent_to}
    if data["do"] == "submitted":
        do_confirm_submitted(
            actor=user, case=takedown.case, takedown=takedown, ticket_number=data["ticket_number"], **letter
        )
        return _("Recorded as submitted. The platform's answer is due in %(hours)d hours.") % {
            "hours": takedown.platform.response_hours
        }
    do_edit_takedown_letter(actor=user, case=takedown.case, takedown=takedown, **letter)
    return _("Letter saved.")


@login_required
@require_http_methods(["GET", "POST"])
def takedown_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The request: its places, the letter (saved and sent in one step while a draft), and its history."""
    user = staff(request)
    takedown = access.access_takedown(user, pk, write=request.method == "POST")
    if request.method == "POST":
        form = SendLetterForm(request.POST)
        if not form.is_valid():
            return _render_takedown(request, takedown, status=400, letter_form=form)
        try:
            done = _save_or_send(request, takedown, form)
        except StaleVersionError as error:
            form.add_error(None, error.message)
            return _render_takedown(request, takedown, status=409, letter_form=form)
        except ActionError as error:
            if error.field in ("subject", "body", "recipient"):
                # The letter stays as typed, with the reason beside the field.
                form.add_error(error.field, error.message)
                return _render_takedown(request, takedown, status=400, letter_form=form)
            return refused(request, takedown.pk, error, page="cases:takedown")
        messages.success(request, done)
        return redirect("cases:takedown", pk=takedown.pk)
    # The page shows the content's addresses and the letter: reading it is logged against the case.
    log_access(user=user, case=takedown.case, ip_address=address(request))
    return _render_takedown(request, takedown)


@login_required
@require_POST
def takedown_transition(request: HttpRequest, pk: int) -> HttpResponse:
    user = staff(request)
    takedown = access.access_takedown(user, pk, write=True)
    ids = list(takedown.items.values_list("sighting_id", flat=True))
    form = TakedownTransitionForm(request.POST, sighting_ids=ids)
    if not form.is_valid():
        messages.error(
            request,
            _("Check the form: %(errors)s")
            % {
                "errors": "; ".join(
                    f"{name}: {' '.join(str(e) for e in errors)}" for name, errors in form.errors.items()
                )
            },
        )
        return redirect("cases:takedown", pk=takedown.pk)
    status = form.cleaned_data["status"]
    if status == TakedownStatus.SENT:
        # What is recorded as sent must be what left: the letter form sends (or records a web form).
        messages.error(request, _("Send the letter from its form on this page."))
        return redirect("cases:takedown", pk=takedown.pk)
    # Asked only of a move that would happen: an illegal one is refused with its reason at once.
    legal = status in TAKEDOWN_TRANSITIONS[takedown.status] and (
        status != TakedownStatus.ESCALATED or _can_escalate(takedown)
    )
    if legal and not confirmed(request):
        move = _move(takedown, status)
        return ask_first(
            request,
            question=move.question,
            explanation=move.explanation,
            confirm_label=_("Yes, mark “%(label)s”") % {"label": move.label},
            back=reverse("cases:takedown", args=[takedown.pk]),
            danger=move.danger,
        )
    try:
        do_transition_takedown(
            actor=user, case=takedown.case, takedown=takedown, ip_address=address(request), **form.cleaned_data
        )
    except ActionError as error:
        return refused(request, takedown.pk, error, page="cases:takedown")
    messages.success(request, _("Request updated."))
    return redirect("cases:takedown", pk=takedown.pk)


@login_required
def takedowns_due(request: HttpRequest) -> HttpResponse:
    """The centre's open requests with a deadline, soonest first; overdue ones on top and marked."""
    user = staff(request)
    # Plain values, no model objects, and the rows' markup joined in Python: 200 rows through the
    # template's loop, with a {% url %} in every row, took 90 ms of a 107 ms page (bench.takedowns).
    rows = list(
        access.takedowns_visible_to(user)
        .filter(status__in=[TakedownStatus.SENT, TakedownStatus.ACKNOWLEDGED, TakedownStatus.ESCALATED])
        .order_by("deadline_at", "pk")
        .values_list("pk", "deadline_at", "status", "platform__name", "case_id", "case__reference")[:200]
    )
    return render(request, "cases/takedowns_due.html", {"rows_html": _due_rows_html(rows), "count": len(rows)})


def _due_rows_html(rows: list[tuple[Any, ...]]) -> SafeString:
    """The due list's rows, every value escaped where it is put in (the markup the template had)."""
    now = timezone.now()
    takedown_href, case_href = href_of("cases:takedown"), href_of("cases:detail")
    statuses = {value: escape(str(label)) for value, label in TakedownStatus.choices}
    overdue_badge = f' <span class="badge urgent">{escape(_("overdue"))}</span>'
    lines = []
    for pk, deadline_at, status, platform, case_id, reference in rows:
        overdue = TakedownRequest.overdue(status, deadline_at, now)
        deadline = timezone.localtime(deadline_at).strftime("%Y-%m-%d %H:%M") if deadline_at else ""
        lines.append(
            f'<tr class="{"overdue" if overdue else ""}">'
            f"<td>{deadline}{overdue_badge if overdue else ''}</td>"
            f'<td><a href="{takedown_href(pk)}">{escape(platform)}</a></td>'
            f'<td><a href="{case_href(case_id)}" class="ref">{escape(Case.format_reference(reference))}</a></td>'
            f"<td>{statuses.get(status, escape(status))}</td></tr>"
        )
    # Safe to mark: every interpolated value above is escaped or an int where it is put in.
    return mark_safe("\n".join(lines))  # noqa: S308 # nosec B308, B703
