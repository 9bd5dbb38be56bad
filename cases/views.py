"""Staff pages: dashboard, intake, case page, search. Cases come only through access.py."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import User
from caseflow.net import client_ip
from cases import access, actions, selectors
from cases.forms import (
    AssignForm,
    BulkSightingsForm,
    EditCaseForm,
    FollowUpForm,
    IntakeForm,
    LetterForm,
    NoteForm,
    SearchForm,
    TakedownTransitionForm,
    TransitionForm,
)
from cases.models import (
    AccessAction,
    Case,
    CaseEvent,
    EventKind,
    HarmType,
    RequestChannel,
    SightingState,
    Status,
    TakedownRequest,
    TakedownStatus,
)

DASHBOARD_ROWS = 25


def _staff(request: HttpRequest) -> User:
    return cast(User, request.user)


def _address(request: HttpRequest) -> str | None:
    return client_ip(request)


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """My cases, the intake queue and what needs attention today: a fixed number of queries."""
    user = _staff(request)
    if user.is_admin:
        return redirect("admin:index")
    visible = access.cases_visible_to(user)
    context = {
        "my_cases": list(selectors.my_open_cases(visible, user)[:DASHBOARD_ROWS]),
        "intake": list(selectors.intake_queue(visible)[:DASHBOARD_ROWS]),
        "attention": list(selectors.needs_attention(visible, user)[:DASHBOARD_ROWS]),
    }
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
    user = _staff(request)
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
                if hidden:
                    # Learning that a colleague holds a matching case leaves a trace (no value stored).
                    actions.log_access(
                        user=user, case=None, ip_address=_address(request), action=AccessAction.DUPLICATE_CHECK
                    )
            if not duplicates and not hidden:
                consents = actions.Consents(
                    contact=data.pop("consent_contact"),
                    share_with_police=data.pop("consent_share_with_police"),
                    hash_matching=data.pop("consent_hash_matching"),
                )
                case = actions.do_open_case(actor=user, consents=consents, **data)
                messages.success(request, _("Case %(reference)s opened.") % {"reference": case.display_reference})
                return redirect("cases:detail", pk=case.pk)
            # The same form again, marked so that the next submit files the case.
            confirmed = request.POST.copy()
            confirmed["confirm_duplicates"] = "on"
            form = IntakeForm(confirmed)
            form.is_valid()
    else:
        form = IntakeForm(initial={"preferred_language": request.LANGUAGE_CODE})
    return render(request, "cases/intake.html", {"form": form, "duplicates": duplicates, "hidden_duplicates": hidden})


def _describe(event: CaseEvent, names: dict[int, str]) -> str:
    """One line a person reads about an event; private values were never stored, so none show."""

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
    return str(EventKind(event.kind).label)


def _timeline(case: Case) -> list[dict[str, Any]]:
    """Events and notes in one list, oldest first; a note appears once, as itself."""
    names = dict(User.objects.filter(centre_id=case.centre_id).values_list("id", "full_name"))
    entries: list[dict[str, Any]] = [
        {"type": "event", "at": e.created_at, "event": e, "text": _describe(e, names)}
        for e in case.events.select_related("actor").order_by("created_at", "pk")
        if e.kind != EventKind.NOTE_ADDED
    ]
    entries += [
        {"type": "note", "at": n.created_at, "note": n} for n in case.notes.select_related("author").order_by("pk")
    ]
    return sorted(entries, key=lambda entry: entry["at"])


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _staff(request)
    case = access.access_case(user, pk, queryset=Case.objects.select_related("assigned_to", "created_by"))
    actions.log_access(user=user, case=case, ip_address=_address(request))
    return _render_case(request, case)


def _render_case(request: HttpRequest, case: Case, *, status: int = 200, **forms: Any) -> HttpResponse:
    user = _staff(request)
    writable = access.can_write(user, case)
    sightings = list(case.sightings.select_related("platform").order_by("pk"))
    elsewhere = selectors.same_content_elsewhere(user, case, sightings)
    for sighting in sightings:
        links = elsewhere.get(sighting.pk, [])
        sighting.elsewhere = [link for link in links if "case" in link]  # type: ignore[attr-defined]
        sighting.elsewhere_hidden = sum(1 for link in links if "hidden" in link)  # type: ignore[attr-defined]
    takedowns = list(case.takedowns.select_related("platform").prefetch_related("items").order_by("-created_at", "-pk"))
    context = {
        "sightings": sightings,
        "takedowns": takedowns,
        "bulk_form": forms.get("bulk_form") or BulkSightingsForm(),
        "followup_form": forms.get("followup_form") or FollowUpForm(),
        "followups": list(case.followups.filter(due_at__gte=timezone.now()).order_by("due_at")[:10])
        if case.is_open
        else [],
        "bulk_results": forms.get("bulk_results"),
        "case": case,
        "harm_labels": [HarmType(h).label for h in case.harm_types if h in HarmType.values],
        "timeline": _timeline(case),
        "can_write": writable,
        "can_take": access.can_take(user, case),
        "can_assign": access.can_assign(user),
        "transitions": [(s, Status(s).label) for s in actions.legal_transitions(user, case)],
        "note_form": forms.get("note_form") or NoteForm(),
        "assign_form": forms.get("assign_form")
        or AssignForm(centre_id=case.centre_id, initial={"assigned_to": case.assigned_to_id, "version": case.version}),
    }
    return render(request, "cases/case_detail.html", context, status=status)


def _refused(request: HttpRequest, pk: int, error: actions.ActionError, page: str = "cases:detail") -> HttpResponse:
    """A refused action: the message on top of the page it came from (the case, or a request)."""
    if isinstance(error, actions.NotAllowedError):
        raise PermissionDenied(error.message)
    messages.error(request, error.message)
    return HttpResponseRedirect(reverse(page, args=[pk]))


@login_required
@require_POST
def case_transition(request: HttpRequest, pk: int) -> HttpResponse:
    user = _staff(request)
    case = access.access_case(user, pk, write=True)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a status."))
        return redirect("cases:detail", pk=case.pk)
    try:
        case = actions.do_transition_case(actor=user, case=case, **form.cleaned_data)
    except actions.ActionError as error:
        return _refused(request, case.pk, error)
    messages.success(request, _("Status changed to %(status)s.") % {"status": Status(case.status).label})
    return redirect("cases:detail", pk=case.pk)


@login_required
@require_POST
def case_assign(request: HttpRequest, pk: int) -> HttpResponse:
    """A supervisor assigns; a counsellor takes an unassigned case (the form sends her own id)."""
    user = _staff(request)
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
            return _render_case(request, case, status=400, assign_form=form)
        assignee, version = form.cleaned_data["assigned_to"], form.cleaned_data["version"]
    try:
        actions.do_assign_case(actor=user, case=case, assignee=assignee, version=version)
    except actions.ActionError as error:
        return _refused(request, case.pk, error)
    messages.success(request, _("Assignment saved."))
    return redirect("cases:detail", pk=case.pk)


@login_required
@require_POST
def case_add_note(request: HttpRequest, pk: int) -> HttpResponse:
    user = _staff(request)
    case = access.access_case(user, pk, write=True, queryset=Case.objects.select_related("assigned_to", "created_by"))
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _render_case(request, case, status=400, note_form=form)
    try:
        actions.do_add_note(actor=user, case=case, **form.cleaned_data)
    except actions.ActionError as error:
        return _refused(request, case.pk, error)
    messages.success(request, _("Note added."))
    return redirect("cases:detail", pk=case.pk)


@login_required
@require_http_methods(["GET", "POST"])
def case_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _staff(request)
    case = access.access_case(user, pk, write=True)
    if request.method == "POST":
        form = EditCaseForm(request.POST)
        if form.is_valid():
            try:
                actions.do_update_case(
                    actor=user, case=case, version=form.cleaned_data["version"], changes=_details(form)
                )
            except actions.StaleVersionError as error:
                # Keep what she typed; show what changed meanwhile is on the case page.
                form.add_error(None, error.message)
                return render(request, "cases/case_edit.html", {"case": case, "form": form}, status=409)
            except actions.ActionError as error:
                return _refused(request, case.pk, error)
            messages.success(request, _("Details saved."))
            return redirect("cases:detail", pk=case.pk)
        return render(request, "cases/case_edit.html", {"case": case, "form": form}, status=400)
    actions.log_access(user=user, case=case, ip_address=_address(request))
    initial = {name: getattr(case, name) for name in EditCaseForm.base_fields if hasattr(case, name)}
    form = EditCaseForm(initial=initial)
    return render(request, "cases/case_edit.html", {"case": case, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def search(request: HttpRequest) -> HttpResponse:
    """Exact search by name, phone, e-mail or reference. POST, so nothing about a victim is in a URL."""
    user = _staff(request)
    visible = access.cases_visible_to(user)
    results: list[Case] | None = None
    if request.method == "POST":
        form = SearchForm(request.POST)
        if form.is_valid():
            found = selectors.search_cases(visible, user.centre_id, form.cleaned_data["q"])
            results = list(found.select_related("assigned_to").order_by("-created_at")[:50])
    else:
        form = SearchForm()
    return render(request, "cases/search.html", {"form": form, "results": results})


@login_required
@require_POST
def case_add_sightings(request: HttpRequest, pk: int) -> HttpResponse:
    """Pasted addresses: every line is answered on the page (created, duplicate, or rejected and why)."""
    user = _staff(request)
    case = access.access_case(user, pk, write=True, queryset=Case.objects.select_related("assigned_to", "created_by"))
    form = BulkSightingsForm(request.POST)
    if not form.is_valid():
        return _render_case(request, case, status=400, bulk_form=form)
    data = dict(form.cleaned_data)
    lines = data.pop("text").splitlines()
    try:
        results = actions.do_add_sightings(actor=user, case=case, lines=lines, flags=actions.SightingFlags(**data))
    except actions.ActionError as error:
        form.add_error("text", error.message)
        return _render_case(request, case, status=400, bulk_form=form)
    return _render_case(request, case, bulk_results=results)


@login_required
@require_POST
def case_sighting_state(request: HttpRequest, pk: int, sighting_id: int) -> HttpResponse:
    """Marks a place removed, or back online (it reappeared: a new draft request is opened)."""
    user = _staff(request)
    case = access.access_case(user, pk, write=True)
    sighting = case.sightings.filter(pk=sighting_id).first()
    if sighting is None:
        raise Http404
    state = request.POST.get("state", "")
    if state not in SightingState.values:
        messages.error(request, _("Choose a state."))
        return redirect("cases:detail", pk=case.pk)
    try:
        actions.do_update_sighting(actor=user, case=case, sighting=sighting, changes={"state": state})
    except actions.ActionError as error:
        return _refused(request, case.pk, error)
    return redirect(reverse("cases:detail", args=[case.pk]) + "#sightings")


@login_required
@require_POST
def case_draft_takedowns(request: HttpRequest, pk: int) -> HttpResponse:
    user = _staff(request)
    case = access.access_case(user, pk, write=True)
    try:
        drafts = actions.do_draft_takedowns(actor=user, case=case)
    except actions.ActionError as error:
        return _refused(request, case.pk, error)
    if drafts:
        messages.success(request, _("%(count)d draft request(s) ready to check and send.") % {"count": len(drafts)})
    else:
        messages.info(request, _("Every place still online is already in an open request."))
    return redirect(reverse("cases:detail", args=[case.pk]) + "#takedowns")


def _render_takedown(
    request: HttpRequest, takedown: TakedownRequest, *, status: int = 200, **forms: Any
) -> HttpResponse:
    user = _staff(request)
    items = list(takedown.items.select_related("sighting").order_by("sighting_id"))
    context = {
        "takedown": takedown,
        "case": takedown.case,
        "items": items,
        "can_write": access.can_write(user, takedown.case),
        "moves": [
            (s, TakedownStatus(s).label)
            for s in actions.TAKEDOWN_TRANSITIONS[takedown.status]
            if s != TakedownStatus.ESCALATED or takedown.is_overdue
        ],
        "letter_form": forms.get("letter_form")
        or LetterForm(initial={"subject": takedown.subject, "body": takedown.body, "version": takedown.version}),
        "channels": RequestChannel.choices,
    }
    return render(request, "cases/takedown_detail.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def takedown_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The request: its places, the letter (editable while a draft), and its history."""
    user = _staff(request)
    takedown = access.access_takedown(user, pk, write=request.method == "POST")
    if request.method == "POST":
        form = LetterForm(request.POST)
        if not form.is_valid():
            return _render_takedown(request, takedown, status=400, letter_form=form)
        try:
            actions.do_edit_takedown_letter(actor=user, case=takedown.case, takedown=takedown, **form.cleaned_data)
        except actions.StaleVersionError as error:
            form.add_error(None, error.message)
            return _render_takedown(request, takedown, status=409, letter_form=form)
        except actions.ActionError as error:
            return _refused(request, takedown.pk, error, page="cases:takedown")
        messages.success(request, _("Letter saved."))
        return redirect("cases:takedown", pk=takedown.pk)
    return _render_takedown(request, takedown)


@login_required
@require_POST
def takedown_transition(request: HttpRequest, pk: int) -> HttpResponse:
    user = _staff(request)
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
    try:
        actions.do_transition_takedown(actor=user, case=takedown.case, takedown=takedown, **form.cleaned_data)
    except actions.ActionError as error:
        return _refused(request, takedown.pk, error, page="cases:takedown")
    messages.success(request, _("Request updated."))
    return redirect("cases:takedown", pk=takedown.pk)


@login_required
def takedowns_due(request: HttpRequest) -> HttpResponse:
    """The centre's open requests with a deadline, soonest first; overdue ones on top and marked."""
    user = _staff(request)
    rows = list(
        access.takedowns_visible_to(user)
        .filter(status__in=[TakedownStatus.SENT, TakedownStatus.ACKNOWLEDGED, TakedownStatus.ESCALATED])
        .select_related("platform", "case")
        # No letter and no victim detail on this page: nothing to load or decrypt.
        .defer("subject", "body", "sent_subject", "sent_body", *(f"case__{f}" for f in actions.PRIVATE_FIELDS))
        .order_by("deadline_at", "pk")[:200]
    )
    return render(request, "cases/takedowns_due.html", {"takedowns": rows, "now": timezone.now()})


@login_required
@require_POST
def case_add_followup(request: HttpRequest, pk: int) -> HttpResponse:
    """A reminder to myself on this case, delivered to my inbox (and e-mail if I chose it)."""
    user = _staff(request)
    case = access.access_case(user, pk, write=True, queryset=Case.objects.select_related("assigned_to", "created_by"))
    form = FollowUpForm(request.POST)
    if not form.is_valid():
        return _render_case(request, case, status=400, followup_form=form)
    try:
        actions.do_set_followup(actor=user, case=case, **form.cleaned_data)
    except actions.ActionError as error:
        form.add_error("due_at", error.message)
        return _render_case(request, case, status=400, followup_form=form)
    messages.success(request, _("You will be reminded then."))
    return redirect("cases:detail", pk=case.pk)


@login_required
def failed_deliveries(request: HttpRequest) -> HttpResponse:
    """Supervisors see the messages that could not be delivered after every retry, to act on them."""
    user = _staff(request)
    if not access.can_assign(user):
        raise PermissionDenied(_("Only supervisors see failed deliveries."))
    return render(request, "cases/failed_deliveries.html", {"rows": selectors.failed_deliveries(user)})
