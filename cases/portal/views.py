"""The victim's portal pages. Every page but sign-in goes through portal_required and portal_case():
her own case only, in her language, never a staff session, nothing about her in a URL."""

from __future__ import annotations

from html import escape
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cases.actions.errors import ActionError, StaleVersionError
from cases.actions.portal import (
    MAX_REPORTED_LINES,
    do_victim_report_places,
    do_victim_request_closure,
    do_victim_set_consents,
    do_victim_update_contact,
)
from cases.models import Case, ClosureDecision, ClosureRequest, SightingState, TakedownRequest, TakedownStatus
from cases.portal import auth
from cases.portal.access import places, portal_case, shared_notes
from cases.portal.forms import CloseForm, ConsentsForm, ContactForm, PlacesForm, SignInForm

WAITING = (TakedownStatus.SENT, TakedownStatus.ACKNOWLEDGED, TakedownStatus.ESCALATED)


def _exit_csp() -> dict[str, Any]:
    """The site's policy, but a form may also lead to the exit site: the quick exit's form redirects there."""
    policy: dict[str, Any] = dict(settings.SECURE_CSP)
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(settings.PORTAL_EXIT_URL))
    form_action: list[str] = list(policy.get("form-action", []))
    policy["form-action"] = [*form_action, origin]
    return policy


def _page(request: HttpRequest, template: str, context: dict[str, Any], *, status: int = 200) -> HttpResponse:
    response = render(
        request, f"cases/portal/{template}", {"exit_url": settings.PORTAL_EXIT_URL, **context}, status=status
    )
    response._csp_config = _exit_csp()  # type: ignore[attr-defined]
    return response


def _render(
    request: HttpRequest, template: str, context: dict[str, Any], *, page: str, status: int = 200
) -> HttpResponse:
    """A portal page in the victim's own language (the one on her case)."""
    case = portal_case(request)
    with translation.override(case.preferred_language):
        response = _page(request, template, {"case": case, "page": page, **context}, status=status)
        response["Content-Language"] = case.preferred_language
    return response


@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    """Reference and passphrase. Wrong reference, wrong passphrase and revoked access: one answer."""
    if request.method == "GET" and auth.current_session(request) is not None:
        return redirect("portal:progress")
    status = 200
    error = ""
    form = SignInForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            outcome, token = auth.sign_in(request, form.cleaned_data["reference"], form.cleaned_data["passphrase"])
            if outcome is auth.Outcome.SIGNED_IN and token is not None:
                response = HttpResponseRedirect(reverse("portal:progress"))
                auth.set_cookie(response, token)
                return response
            if outcome is auth.Outcome.LOCKED:
                status, error = 429, _("Too many tries. Please wait 30 minutes, or call your centre.")
            else:
                status, error = 400, _("The case number or the passphrase is not right. Please check both.")
            # Never echo what was typed back into the page.
            form = SignInForm(initial={})
        else:
            status, error = 400, _("Enter the case number and the passphrase.")
            form = SignInForm(initial={})
    return _page(request, "sign_in.html", {"form": form, "error": error}, status=status)


def _progress(case: Case) -> dict[str, int | bool]:
    """The numbers a victim reads first, from one aggregate over her places and one over requests."""
    counts = case.sightings.aggregate(
        total=Count("pk", filter=~Q(state=SightingState.REPORTED)),
        removed=Count("pk", filter=Q(state=SightingState.REMOVED)),
        reported=Count("pk", filter=Q(state=SightingState.REPORTED)),
        waiting=Count(
            "pk",
            filter=Q(takedown_items__is_open=True, takedown_items__takedown__status__in=WAITING),
            distinct=True,
        ),
    )
    # The late requests and a waiting closure request, in one more query.
    late = (
        TakedownRequest.objects.filter(
            case_id=OuterRef("pk"),
            status__in=(TakedownStatus.SENT, TakedownStatus.ACKNOWLEDGED),
            deadline_at__lt=timezone.now(),
        )
        .values("case_id")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    waiting = ClosureRequest.objects.filter(case_id=OuterRef("pk"), decision=ClosureDecision.PENDING)
    extra = (
        Case.objects.filter(pk=case.pk)
        .annotate(overdue=Coalesce(Subquery(late), 0), closure_waiting=Exists(waiting))
        .values("overdue", "closure_waiting")
        .get()
    )
    return {**counts, **extra}


@auth.portal_required
def progress(request: HttpRequest) -> HttpResponse:
    """Where her case stands, in plain words, with the notes her counsellor shared."""
    case = portal_case(request)
    # Rows joined in Python, every value escaped: for hundreds of places a template loop (or format_html's
    # lazy-aware escaping) costs ten times more than the rest of the page.
    # Safe to mark: each interpolated value is escaped on the line below.
    rows = mark_safe(  # noqa: S308 # nosec B308, B703
        "\n".join(
            f'<tr><td>{escape(p)} <span class="muted">{escape(h)}/…</span></td><td>{escape(s)}</td></tr>'
            for p, h, s in places(case)
        )
    )
    counts = _progress(case)
    context = {
        "counts": counts,
        "places": rows,
        "notes": list(shared_notes(case)[:50]),
        "closure_waiting": counts["closure_waiting"],
    }
    return _render(request, "progress.html", context, page="progress")


@auth.portal_required
@require_http_methods(["GET", "POST"])
def add_places(request: HttpRequest) -> HttpResponse:
    """New places where the content appeared: each line answered; they go to her counsellor first."""
    case = portal_case(request)
    form = PlacesForm(request.POST or None)
    results = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                results = do_victim_report_places(case=case, lines=form.cleaned_data["text"].splitlines())
            except ActionError as error:
                form.add_error("text", error.message)
                status = 400
            else:
                form = PlacesForm()
        else:
            status = 400
    context = {"form": form, "results": results, "max": MAX_REPORTED_LINES}
    return _render(request, "places.html", context, page="places", status=status)


@auth.portal_required
@require_http_methods(["GET", "POST"])
def contact(request: HttpRequest) -> HttpResponse:
    """How and whether she hears from us; "do not contact me" is one choice among them."""
    case = portal_case(request)
    status = 200
    saved = False
    if request.method == "POST":
        form = ContactForm(request.POST)
        if form.is_valid():
            try:
                do_victim_update_contact(case=case, **form.cleaned_data)
            except StaleVersionError:
                # Shown again as it is now (her counsellor may have changed it), so that saving again
                # is her choice against the current version, not a second refusal.
                case.refresh_from_db()
                form = _contact_form(case)
                status = 409
            except ActionError as error:
                form.add_error(None, error.message)
                status = 400
            else:
                saved = True
                case.refresh_from_db()
                request.portal_session.case = case  # type: ignore[attr-defined]
                form = _contact_form(case)
        else:
            status = 400
    else:
        form = _contact_form(case)
    context = {"form": form, "saved": saved, "conflict": status == 409}
    return _render(request, "contact.html", context, page="contact", status=status)


def _contact_form(case: Case) -> ContactForm:
    return ContactForm(
        initial={
            "contact_channel": case.contact_channel if case.consent_contact else "none",
            "contact_email": case.contact_email,
            "contact_phone": case.contact_phone,
            "quiet_start": case.quiet_start,
            "quiet_end": case.quiet_end,
            "preferred_language": case.preferred_language,
            "version": case.version,
        }
    )


def _consents(case: Case) -> dict[str, object]:
    return {
        "consent_hash_matching": case.consent_hash_matching,
        "consent_share_with_police": case.consent_share_with_police,
        "consent_keep_evidence": case.consent_keep_evidence,
        "version": case.version,
    }


@auth.portal_required
@require_http_methods(["GET", "POST"])
def consents(request: HttpRequest) -> HttpResponse:
    """Give or withdraw consent to hash matching, to sharing with the police and to keeping evidence files."""
    case = portal_case(request)
    status = 200
    saved = False
    form = ConsentsForm(request.POST or None, initial=_consents(case), files_kept=case.consent_keep_evidence)
    if request.method == "POST":
        if form.is_valid():
            try:
                case = do_victim_set_consents(
                    case=case,
                    version=form.cleaned_data["version"],
                    hash_matching=form.cleaned_data["consent_hash_matching"],
                    share_with_police=form.cleaned_data["consent_share_with_police"],
                    keep_evidence=form.cleaned_data["consent_keep_evidence"],
                )
            except StaleVersionError:
                # Shown again as it is now, so that saving again saves against the current version.
                case.refresh_from_db()
                form = ConsentsForm(initial=_consents(case), files_kept=case.consent_keep_evidence)
                status = 409
            else:
                saved = True
                request.portal_session.case = case  # type: ignore[attr-defined]
                form = ConsentsForm(initial=_consents(case), files_kept=case.consent_keep_evidence)
        else:
            status = 400
    context = {"form": form, "saved": saved, "conflict": status == 409}
    return _render(request, "consents.html", context, page="consents", status=status)


@auth.portal_required
@require_http_methods(["GET", "POST"])
def close(request: HttpRequest) -> HttpResponse:
    """Ask that the case be closed; a supervisor decides, and her counsellor is told."""
    case = portal_case(request)
    status = 200
    sent = False
    form = CloseForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                do_victim_request_closure(case=case, reason=form.cleaned_data["reason"])
            except ActionError as error:
                form.add_error(None, error.message)
                status = 400
            else:
                sent = True
        else:
            status = 400
    waiting = ClosureRequest.objects.filter(case=case, decision=ClosureDecision.PENDING).exists()
    context = {"form": form, "sent": sent, "waiting": waiting}
    return _render(request, "close.html", context, page="close", status=status)


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    """Ends the portal session; the browser drops what it cached of the portal."""
    auth.end_session(request)
    response = HttpResponseRedirect(reverse("portal:sign_in"))
    auth.forget(response)
    return response


@require_POST
def quick_exit(request: HttpRequest) -> HttpResponse:
    """The quick-exit button without script: ends the session and goes to a neutral site. (With script,
    the page replaces itself with that site at once and sends this in the background.)"""
    auth.end_session(request)
    response = HttpResponseRedirect(settings.PORTAL_EXIT_URL)
    auth.forget(response)
    return response
