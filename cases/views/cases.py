"""Case pages: dashboard, intake, the case page with its timeline, edit, status, assignment, notes, search."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import models
from django.db.models import OuterRef, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import User
from caseflow.korean import with_particles
from cases import access, selectors
from cases.actions.cases import (
    Consents,
    do_add_note,
    do_assign_case,
    do_open_case,
    do_transition_case,
    do_update_case,
    legal_transitions,
)
from cases.actions.errors import ActionError, StaleVersionError
from cases.audit import log_access
from cases.evidence_selectors import case_evidence
from cases.forms import (
    AssignForm,
    BulkSightingsForm,
    EditCaseForm,
    FollowUpForm,
    IntakeForm,
    NoteForm,
    ReferralForm,
    RetentionForm,
    SearchForm,
    TransitionForm,
)
from cases.models import (
    AccessAction,
    Case,
    CaseEvent,
    CheckOutcome,
    ClosureDecision,
    ClosureRequest,
    ErasureRequest,
    EventKind,
    HarmType,
    PortalAccess,
    ReferralStatus,
    Sighting,
    SightingCheck,
    SightingState,
    Status,
    TakedownStatus,
)
from cases.views import safety_context as safety_views
from cases.views.common import (
    APPROVE_CLOSURE_QUESTION,
    CLOSE_CASE_EXPLANATION,
    CLOSE_CASE_QUESTION,
    ERASE_QUESTION,
    address,
    ask_first,
    confirmed,
    refused,
    staff,
)

DASHBOARD_ROWS = 25


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """My cases, the intake queue and what needs attention today: a fixed number of queries."""
    user = staff(request)
    if user.is_admin:
        return redirect("admin:index")
    visible = access.cases_visible_to(user)
    context: dict[str, Any] = {
        "my_cases": list(selectors.my_open_cases(visible, user)[:DASHBOARD_ROWS]),
        "intake": list(selectors.intake_queue(visible)[:DASHBOARD_ROWS]),
        "to_review": selectors.places_to_review(visible if access.can_assign(user) else access.my_cases(user)),
    }
    if access.can_assign(user):
        # A supervisor sees the centre, not only her own cases (she may have none).
        overdue = selectors.overdue_takedowns(user)
        context |= {
            "centre_view": True,
            "attention": list(selectors.centre_attention(visible)[:DASHBOARD_ROWS]),
            "overdue": list(overdue[:DASHBOARD_ROWS]),
            "overdue_count": overdue.count(),
            "closures": list(selectors.waiting_closures(visible)[:DASHBOARD_ROWS]),
            "workload": selectors.workload(user.centre_id),
        }
    else:
        context["attention"] = list(selectors.needs_attention(visible, user)[:DASHBOARD_ROWS])
    # Urgent risks of harm not yet ended (cases/views/safety.py, cases/_safety_dashboard.html).
    context["escalations"] = safety_views.open_escalations(user, visible)
    # The dashboard lists victims' names: one access-log row for the page, as for the API's list.
    log_access(user=user, case=None, ip_address=address(request), action=AccessAction.LIST)
    return render(request, "cases/dashboard.html", context)


def _details(form: IntakeForm | EditCaseForm) -> dict[str, Any]:
    data = dict(form.cleaned_data)
    data.pop("confirm_duplicates", None)
    data.pop("version", None)
    return data


@login_required
@require_http_methods(["GET", "POST"])
def intake(request: HttpRequest) -> HttpResponse:
    """A new report. Open cases of the centre with the same phone or e-mail are shown before filing."""
    user = staff(request)
    access.cases_visible_to(user)  # administrators stop here with 403
    duplicates: list[Case] = []
    hidden = 0
    if request.method == "POST":
        form = IntakeForm(request.POST)
        if form.is_valid():
            data = _details(form)
            if not form.cleaned_data["confirm_duplicates"]:
                duplicates, hidden = selectors.duplicates_seen_by(
                    user, contact_email=data["contact_email"], contact_phone=data["contact_phone"]
                )
                if duplicates or hidden:
                    # Learning that the centre holds a matching case leaves a trace (no value stored).
                    log_access(user=user, case=None, ip_address=address(request), action=AccessAction.DUPLICATE_CHECK)
            if not duplicates and not hidden:
                consents = Consents(
                    contact=data.pop("consent_contact"),
                    share_with_police=data.pop("consent_share_with_police"),
                    hash_matching=data.pop("consent_hash_matching"),
                    keep_evidence=data.pop("consent_keep_evidence"),
                )
                case = do_open_case(actor=user, consents=consents, **data)
                messages.success(
                    request, with_particles(_("Case %(reference)s opened.") % {"reference": case.display_reference})
                )
                return redirect("cases:detail", pk=case.pk)
            # The same form again, marked so that the next submit files the case.
            confirmed = request.POST.copy()
            confirmed["confirm_duplicates"] = "on"
            form = IntakeForm(confirmed)
            form.is_valid()
    else:
        form = IntakeForm(initial={"preferred_language": request.LANGUAGE_CODE})
    return render(request, "cases/intake.html", {"form": form, "duplicates": duplicates, "hidden_duplicates": hidden})


def _describe(event: CaseEvent, names: dict[int, str], platforms: dict[int, str] | None = None) -> str:
    """One line a person reads about an event, naming what changed ("Telegram request: sent → removed",
    "3 places added"); private values were never stored, so none show."""
    platforms = platforms or {}

    def person(user_id: object) -> str:
        return names.get(int(str(user_id)), "?") if user_id is not None else _("nobody (intake queue)")

    if event.kind == EventKind.STATUS_CHANGED:
        return _("Status: %(old)s → %(new)s") % {
            "old": Status(event.old["status"]).label,
            "new": Status(event.new["status"]).label,
        }
    if event.kind == EventKind.ASSIGNED:
        return _("Assigned: %(old)s → %(new)s") % {
            "old": person(event.old.get("assigned_to")),
            "new": person(event.new.get("assigned_to")),
        }
    if event.kind == EventKind.UPDATED:
        fields = [*event.new.get("changed", []), *(k for k in event.new if k != "changed")]
        labels = [str(getattr(Case._meta.get_field(name), "verbose_name", name)) for name in fields]
        return _("Details changed: %(fields)s") % {"fields": ", ".join(labels)}
    if event.kind == EventKind.CONSENTS_CHANGED:
        consents = {
            "hash_matching": _("hash matching"),
            "share_with_police": _("sharing with the police"),
            "keep_evidence": _("keeping evidence files"),
        }
        changes = [
            (_("Consent to %(what)s given") if event.new[key] else _("Consent to %(what)s withdrawn")) % {"what": label}
            for key, label in consents.items()
            if event.old.get(key) != event.new.get(key)
        ]
        return "; ".join(changes) or str(EventKind(event.kind).label)
    if event.kind == EventKind.SIGHTINGS_ADDED:
        count = int(event.new.get("count", 0))
        return ngettext("%(count)d place added", "%(count)d places added", count) % {"count": count}
    if event.kind == EventKind.SIGHTING_CHANGED:
        if "state" in event.new and event.old.get("state") != event.new.get("state"):
            return _("Place: %(old)s → %(new)s") % {
                "old": _label(SightingState, event.old.get("state")),
                "new": _label(SightingState, event.new.get("state")),
            }
        return _("Place updated")
    if event.kind == EventKind.TAKEDOWN_DRAFTED:
        count = int(event.new.get("sightings", 0))
        return ngettext(
            "%(platform)s request drafted (%(count)d place)", "%(platform)s request drafted (%(count)d places)", count
        ) % {"platform": event.new.get("platform", "?"), "count": count}
    if event.kind == EventKind.TAKEDOWN_CHANGED:
        return _("%(platform)s request: %(old)s → %(new)s") % {
            "platform": platforms.get(int(event.new.get("takedown", 0)), "?"),
            "old": _label(TakedownStatus, event.old.get("status")),
            "new": _label(TakedownStatus, event.new.get("status")),
        }
    if event.kind == EventKind.REFERRAL_PROPOSED:
        return _("Referral to %(partner)s: %(status)s") % {
            "partner": event.new.get("partner", "?"),
            "status": _label(ReferralStatus, event.new.get("status", ReferralStatus.PROPOSED)),
        }
    if event.kind == EventKind.REFERRAL_CHANGED:
        return _("Referral to %(partner)s: %(old)s → %(new)s") % {
            "partner": event.new.get("partner", "?"),
            "old": _label(ReferralStatus, event.old.get("status")),
            "new": _label(ReferralStatus, event.new.get("status")),
        }
    if event.kind == EventKind.LETTER_QUEUED:
        return _("%(platform)s letter on its way by e-mail") % {"platform": event.new.get("platform", "?")}
    if event.kind == EventKind.LETTER_FAILED:
        return _("%(platform)s letter could not be e-mailed (%(error)s)") % {
            "platform": platforms.get(int(event.new.get("takedown", 0)), "?"),
            "error": event.new.get("error", "?"),
        }
    if event.kind == EventKind.CLOSURE_DECIDED:
        approved = event.new.get("decision") == "approved"
        return _("Closure approved") if approved else _("Closure declined")
    if event.kind == EventKind.CONTACT_CHANGED:
        fields = [
            str(getattr(Case._meta.get_field(name), "verbose_name", name)) for name in event.new.get("changed", [])
        ]
        return _("Contact choices changed: %(fields)s") % {"fields": ", ".join(fields)}
    if event.kind == EventKind.PLACES_REPORTED:
        count = int(event.new.get("count", 0))
        return ngettext("%(count)d place reported, to review", "%(count)d places reported, to review", count) % {
            "count": count
        }
    if event.kind in safety_views.DESCRIBED:
        return safety_views.describe(event)
    return str(EventKind(event.kind).label)


def _label(choices: type[models.TextChoices], value: object) -> str:
    """The label of a stored choice, or the value itself if the choice no longer exists."""
    return str(dict(choices.choices).get(str(value), value))


def _timeline(case: Case) -> list[dict[str, Any]]:
    """Events and notes in one list, oldest first; a note appears once, as itself."""
    names = dict(User.objects.filter(centre_id=case.centre_id).values_list("id", "full_name"))
    platforms = dict(case.takedowns.values_list("pk", "platform__name"))
    entries: list[dict[str, Any]] = [
        {"type": "event", "at": e.created_at, "event": e, "text": _describe(e, names, platforms)}
        for e in case.events.select_related("actor").order_by("created_at", "pk")
        if e.kind != EventKind.NOTE_ADDED
    ]
    entries += [
        {"type": "note", "at": n.created_at, "note": n} for n in case.notes.select_related("author").order_by("pk")
    ]
    return sorted(entries, key=lambda entry: entry["at"])


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = staff(request)
    case = access.access_case(user, pk, queryset=Case.objects.select_related("assigned_to", "created_by"))
    log_access(user=user, case=case, ip_address=address(request))
    return render_case(request, case)


def paste_key(case_id: int) -> str:
    """Where the answers of the last paste wait in the session until the case page shows them once."""
    return f"cases:paste:{case_id}"


def _paste_answers(request: HttpRequest, case: Case, sightings: list[Any]) -> list[dict[str, Any]] | None:
    """The answers of the paste that redirected here, with each address taken from the case's places."""
    stored = request.session.pop(paste_key(case.pk), None)
    if not stored:
        return None
    urls = {s.pk: s.url for s in sightings}
    return [{**entry, "url": urls.get(entry.get("sighting"), "")} for entry in stored]


def render_case(request: HttpRequest, case: Case, *, status: int = 200, **forms: Any) -> HttpResponse:
    user = staff(request)
    writable = access.can_write(user, case)
    # An erased case (its key destroyed, its rows not purged yet) can no longer be read or changed: its
    # page offers nothing to write, only the erasure to finish (the server refuses the rest anyway).
    erased = case.is_erased
    # Each place's latest liveness check, in the same query (sighting_check_latest_idx).
    latest = SightingCheck.objects.filter(sighting=OuterRef("pk")).order_by("-checked_at", "-pk")
    sightings: list[Sighting] = list(
        case.sightings.select_related("platform")
        .annotate(
            last_outcome=Subquery(latest.values("outcome")[:1]),
            last_status=Subquery(latest.values("http_status")[:1]),
            last_check_at=Subquery(latest.values("checked_at")[:1]),
        )
        .order_by("pk")
    )
    elsewhere = selectors.same_content_elsewhere(user, case, sightings)
    outcomes = dict(CheckOutcome.choices)
    for sighting in sightings:
        sighting.last_check_label = outcomes.get(getattr(sighting, "last_outcome", None) or "", "")  # type: ignore[attr-defined]
        links = elsewhere.get(sighting.pk, [])
        sighting.elsewhere = [link for link in links if "case" in link]  # type: ignore[attr-defined]
        sighting.elsewhere_hidden = sum(1 for link in links if "hidden" in link)  # type: ignore[attr-defined]
    takedowns = list(case.takedowns.select_related("platform").prefetch_related("items").order_by("-created_at", "-pk"))
    context = {
        "sightings": sightings,
        "takedowns": takedowns,
        "bulk_form": forms.get("bulk_form") or BulkSightingsForm(),
        "evidence": case_evidence(user, case),
        "evidence_error": forms.get("evidence_error", ""),
        "followup_form": forms.get("followup_form") or FollowUpForm(),
        # Pending (overdue ones first, as they are the soonest) and the latest done: a fixed number of rows.
        "followups": list(case.followups.filter(done_at__isnull=True).select_related("owner").order_by("due_at")[:20]),
        "past_followups": list(
            case.followups.filter(done_at__isnull=False).select_related("owner").order_by("-done_at")[:10]
        ),
        "followup_error": forms.get("followup_error"),
        "now": timezone.now(),
        "bulk_results": forms.get("bulk_results") or _paste_answers(request, case, sightings),
        "case": case,
        "harm_labels": [HarmType(h).label for h in case.harm_types if h in HarmType.values],
        "timeline": _timeline(case),
        "can_write": writable and not erased,
        "can_erase": writable,
        "erased": erased,
        "portal_access": PortalAccess.objects.filter(case=case, revoked_at__isnull=True).first(),
        "closure_request": ClosureRequest.objects.select_related("requested_by")
        .filter(case=case, decision=ClosureDecision.PENDING)
        .first(),
        "can_take": access.can_take(user, case) and not erased,
        "can_assign": access.can_assign(user),
        "transitions": [] if erased else [(s, Status(s).label) for s in legal_transitions(user, case)],
        "close_question": CLOSE_CASE_QUESTION,
        "approve_question": APPROVE_CLOSURE_QUESTION,
        "note_form": forms.get("note_form") or NoteForm(),
        "referrals": list(case.referrals.select_related("partner").order_by("-created_at", "-pk")),
        "referral_form": forms.get("referral_form") or ReferralForm(centre_id=case.centre_id),
        "retention_form": forms.get("retention_form") or RetentionForm(),
        "erasure_request": ErasureRequest.objects.select_related("requested_by").filter(case=case).first(),
        "erase_question": ERASE_QUESTION,
        "assign_form": forms.get("assign_form")
        or AssignForm(centre_id=case.centre_id, initial={"assigned_to": case.assigned_to_id, "version": case.version}),
    }
    # Risk of harm (cases/views/safety.py): assessments, escalation, crisis numbers.
    context |= safety_views.case_context(user, case, forms)
    return render(request, "cases/case_detail.html", context, status=status)


@login_required
@require_POST
def case_transition(request: HttpRequest, pk: int) -> HttpResponse:
    user = staff(request)
    case = access.access_case(user, pk, write=True)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a status."))
        return redirect("cases:detail", pk=case.pk)
    # Asked only of a move that would happen: an illegal one is refused with its reason at once.
    closing = form.cleaned_data["status"] == Status.CLOSED and Status.CLOSED in legal_transitions(user, case)
    if closing and not confirmed(request):
        return ask_first(
            request,
            question=str(CLOSE_CASE_QUESTION),
            explanation=str(CLOSE_CASE_EXPLANATION),
            confirm_label=_("Yes, close the case"),
            back=reverse("cases:detail", args=[case.pk]),
            danger=True,
        )
    try:
        case = do_transition_case(actor=user, case=case, **form.cleaned_data)
    except ActionError as error:
        return refused(request, case.pk, error)
    messages.success(
        request, with_particles(_("Status changed to %(status)s.") % {"status": Status(case.status).label})
    )
    return redirect("cases:detail", pk=case.pk)


@login_required
@require_POST
def case_assign(request: HttpRequest, pk: int) -> HttpResponse:
    """A supervisor assigns; a counsellor takes an unassigned case (the form sends her own id)."""
    user = staff(request)
    case = access.access_case(user, pk)
    if request.POST.get("take") == "1":
        assignee: User | None = user
        version_text = request.POST.get("version", "")
        if not version_text.isdigit() or len(version_text) > 9:
            messages.error(request, _("Reload the page and try again."))
            return redirect("cases:detail", pk=case.pk)
        version = int(version_text)
    else:
        form = AssignForm(request.POST, centre_id=case.centre_id)
        if not form.is_valid():
            return render_case(request, case, status=400, assign_form=form)
        assignee, version = form.cleaned_data["assigned_to"], form.cleaned_data["version"]
    try:
        do_assign_case(actor=user, case=case, assignee=assignee, version=version)
    except ActionError as error:
        return refused(request, case.pk, error)
    messages.success(request, _("Assignment saved."))
    return redirect("cases:detail", pk=case.pk)


@login_required
@require_POST
def case_add_note(request: HttpRequest, pk: int) -> HttpResponse:
    user = staff(request)
    case = access.access_case(user, pk, write=True, queryset=Case.objects.select_related("assigned_to", "created_by"))
    form = NoteForm(request.POST)
    if not form.is_valid():
        return render_case(request, case, status=400, note_form=form)
    try:
        do_add_note(actor=user, case=case, **form.cleaned_data)
    except ActionError as error:
        return refused(request, case.pk, error)
    messages.success(request, _("Note added."))
    return redirect("cases:detail", pk=case.pk)


@login_required
@require_http_methods(["GET", "POST"])
def case_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = staff(request)
    case = access.access_case(user, pk, write=True)
    if request.method == "POST":
        form = EditCaseForm(request.POST)
        if form.is_valid():
            try:
                do_update_case(actor=user, case=case, version=form.cleaned_data["version"], changes=_details(form))
            except StaleVersionError as error:
                # Keep what she typed; show what changed meanwhile is on the case page.
                form.add_error(None, error.message)
                return render(request, "cases/case_edit.html", {"case": case, "form": form}, status=409)
            except ActionError as error:
                return refused(request, case.pk, error)
            messages.success(request, _("Details saved."))
            return redirect("cases:detail", pk=case.pk)
        return render(request, "cases/case_edit.html", {"case": case, "form": form}, status=400)
    log_access(user=user, case=case, ip_address=address(request))
    initial = {name: getattr(case, name) for name in EditCaseForm.base_fields if hasattr(case, name)}
    form = EditCaseForm(initial=initial)
    return render(request, "cases/case_edit.html", {"case": case, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def search(request: HttpRequest) -> HttpResponse:
    """Exact search by name, phone, e-mail or reference. POST, so nothing about a victim is in a URL."""
    user = staff(request)
    visible = access.cases_visible_to(user)
    results: list[Case] | None = None
    if request.method == "POST":
        form = SearchForm(request.POST)
        if form.is_valid():
            found = selectors.search_cases(visible, user.centre_id, form.cleaned_data["q"])
            results = list(found.select_related("assigned_to").order_by("-created_at")[:50])
            log_access(user=user, case=None, ip_address=address(request), action=AccessAction.SEARCH)
    else:
        form = SearchForm()
    return render(request, "cases/search.html", {"form": form, "results": results})
