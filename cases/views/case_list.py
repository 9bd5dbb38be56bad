"""The staff case list (/cases/): filters and sort in the query string, pages of 25 with a total, and
for supervisors a bulk assignment in which every case is checked against the version the page showed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Role, User
from caseflow.db import ValuesRead
from cases import access
from cases.actions.cases import do_assign_case
from cases.actions.errors import ActionError, StaleVersionError
from cases.audit import log_access
from cases.case_list import PAGE_SIZE, SORTS, CaseFilterForm, assignable_staff, filtered, filters_html, is_filtered
from cases.crypto import is_erased, load_case_keys, open_value
from cases.models import AccessAction, Case, Priority, Status
from cases.views.common import address, href_of, staff

MAX_BULK = 100


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    """Counsellors see what access.py lets them; supervisors the whole centre, with a counsellor column."""
    user = staff(request)
    visible = access.cases_visible_to(user)
    # One query for the people of the centre: the "assigned to" filter and the bulk assignment's choices.
    staff_choices = assignable_staff(user) if user.role == Role.SUPERVISOR else []
    form = CaseFilterForm(request.GET or None, user=user, staff=staff_choices)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    if form.is_bound and form.errors:
        messages.error(request, _("Some filters were not understood and are left out."))
    # Plain values, not model instances: 25 cases and their counsellors cost no object building.
    cases = filtered(visible, user, data)
    # Paginator only counts and slices its rows, which is all ValuesRead does.
    paginator: Paginator[tuple[Any, ...]] = Paginator(ValuesRead(cases, ROW_VALUES), PAGE_SIZE)  # type: ignore[arg-type]
    page = paginator.get_page(request.GET.get("page"))
    statuses = {value: str(label) for value, label in Status.choices}
    priorities = {value: str(label) for value, label in Priority.choices}
    href = href_of("cases:detail")
    # The case keys of the page's rows in one query to the key store, before any name is opened.
    load_case_keys(values[0] for values in page.object_list)
    rows = [_row(values, href, statuses, priorities) for values in page.object_list]
    # The list shows victims' names: one access-log row for the request.
    log_access(user=user, case=None, ip_address=address(request), action=AccessAction.LIST)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "filtered": is_filtered(data),
        "filters_html": filters_html(form),
        "sort_value": request.GET.get("sort", "") if request.GET.get("sort", "") in SORTS else "",
        "rows_html": _rows_html(rows, selectable=user.role == Role.SUPERVISOR),
        "sort": data.get("sort") or "-created",
        "query": query.urlencode(),
        "query_without_sort": _without(query, "sort"),
        "can_assign": user.role == Role.SUPERVISOR,
        # Chosen in advance for the bulk assignment (the workload report's "who has room" link). Only an
        # id: the select offers the centre's active staff and selects it only if it is one of them.
        "assignees_html": _options_html(staff_choices, _assign_to(request)),
    }
    return render(request, "cases/case_list.html", context)


@dataclass(frozen=True)
class Row:
    """One line of the list, every value already a string: the page shows 25 of them for the price of
    one template loop over plain values (bench.case_list measures it against a bare query)."""

    pk: str
    version: str
    href: str
    reference: str
    name: str
    # The case's data key was destroyed: its name reads as "" and the row says "erased" instead.
    is_erased: bool
    is_minor: bool
    status: str
    status_label: str
    priority: str
    priority_label: str
    counsellor: str
    opened: str
    changed: str


def _when(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


# What a row reads, in this order (the name sealed with its case's key: _row opens it).
ROW_VALUES = (
    "pk",
    "version",
    "reference",
    "victim_name",
    "is_minor",
    "status",
    "priority",
    "assigned_to__full_name",
    "created_at",
    "updated_at",
)


def _row(
    values: tuple[Any, ...], href: Callable[[int], str], statuses: dict[str, str], priorities: dict[str, str]
) -> Row:
    """Ids as text too: an int in a template goes through number formatting for the locale each time."""
    pk, version, reference, sealed, is_minor, status, priority, counsellor, created_at, updated_at = values
    # values_list() hands the name over sealed: opened with the case's key (loaded for the page at once).
    name = open_value(pk, sealed)
    return Row(
        pk=str(pk),
        version=str(version),
        href=href(pk),
        reference=Case.format_reference(reference),
        name=name,
        # Its data key destroyed: the name reads as erased, and the row says so.
        is_erased=is_erased(name),
        is_minor=is_minor,
        status=status,
        status_label=str(statuses.get(status, status)),
        priority=priority,
        priority_label=str(priorities.get(priority, priority)),
        counsellor=counsellor or "",
        opened=_when(created_at),
        changed=_when(updated_at),
    )


def _rows_html(rows: list[Row], *, selectable: bool) -> SafeString:
    """The table's rows joined in Python, every value escaped: a template loop over 25 rows of ten cells
    costs more than the rest of the page (bench.case_list); the markup is what the template had."""
    minor, unassigned, erased = (escape(str(text)) for text in (_("minor"), _("unassigned"), _("erased")))
    lines = []
    for row in rows:
        pk = escape(row.pk)
        box = (
            f'<td><input type="checkbox" name="case" value="{pk}" id="select-{pk}" '
            f'aria-labelledby="select-label ref-{pk}"><input type="hidden" name="version_{pk}" '
            f'value="{escape(row.version)}"></td>'
            if selectable
            else ""
        )
        badge = f' <span class="badge minor">{minor}</span>' if row.is_minor else ""
        name = f'<span class="badge erased">{erased}</span>' if row.is_erased else escape(row.name)
        who = escape(row.counsellor) if row.counsellor else f'<span class="muted">{unassigned}</span>'
        lines.append(
            f'<tr>{box}<td><a href="{escape(row.href)}" id="ref-{pk}" class="ref">{escape(row.reference)}</a></td>'
            f"<td>{name}{badge}</td>"
            f'<td><span class="status {escape(row.status)}">{escape(row.status_label)}</span></td>'
            f'<td><span class="badge {escape(row.priority)}">{escape(row.priority_label)}</span></td>'
            f"<td>{who}</td><td>{escape(row.opened)}</td><td>{escape(row.changed)}</td></tr>"
        )
    # Safe to mark: every interpolated value above is escaped where it is put in.
    return mark_safe("\n".join(lines))  # noqa: S308 # nosec B308, B703


def _options_html(people: list[tuple[int, str]], selected: str) -> SafeString:
    """The bulk assignment's people, the one chosen in advance selected (only if she is one of them)."""
    options = (
        f'<option value="{pk}"{" selected" if str(pk) == selected else ""}>{escape(name)}</option>'
        for pk, name in people
    )
    # Safe to mark: ids are ints, names are escaped where they are put in.
    return mark_safe("".join(options))  # noqa: S308 # nosec B308, B703


def _assign_to(request: HttpRequest) -> str:
    value = request.GET.get("assign_to", "")
    return value if value.isascii() and value.isdigit() and len(value) <= 18 else ""


def _without(query: object, name: str) -> str:
    copy = query.copy()  # type: ignore[attr-defined]
    copy.pop(name, None)
    return str(copy.urlencode())


@login_required
@require_POST
def bulk_assign(request: HttpRequest) -> HttpResponse:
    """Assigns the selected cases to one person; each case only if it is still at the version the list
    showed, so that a case someone changed meanwhile is reported, not overwritten."""
    user = staff(request)
    access.cases_visible_to(user)  # administrators stop here with 403
    if not access.can_assign(user):
        raise PermissionDenied(_("Only a supervisor assigns cases."))
    ids = [value for value in request.POST.getlist("case") if value.isascii() and value.isdigit()][:MAX_BULK]
    assignee_id = request.POST.get("assigned_to", "")
    assignee: User | None = None
    if assignee_id:
        if not (assignee_id.isascii() and assignee_id.isdigit()):
            raise Http404
        assignee = User.objects.filter(pk=int(assignee_id), centre_id=user.centre_id).first()
        if assignee is None:
            raise Http404
    assigned: list[str] = []
    stale: list[str] = []
    refused: list[str] = []
    for case_id in ids:
        version_text = request.POST.get(f"version_{case_id}", "")
        case: Case = access.access_case(user, case_id)
        if not (version_text.isascii() and version_text.isdigit()) or len(version_text) > 9:
            stale.append(case.display_reference)
            continue
        try:
            do_assign_case(actor=user, case=case, assignee=assignee, version=int(version_text))
        except StaleVersionError:
            stale.append(case.display_reference)
        except ActionError as error:
            refused.append(f"{case.display_reference} ({error.message})")
        else:
            assigned.append(case.display_reference)
    if not ids:
        messages.error(request, _("Select the cases to assign."))
    if assigned:
        messages.success(request, _("Assigned: %(cases)s.") % {"cases": ", ".join(assigned)})
    if stale:
        messages.warning(
            request,
            _("Changed by someone else meanwhile, so not assigned: %(cases)s. Reload and try again.")
            % {"cases": ", ".join(stale)},
        )
    if refused:
        messages.error(request, _("Not assigned: %(cases)s.") % {"cases": "; ".join(refused)})
    back = request.POST.get("back", "")
    target = reverse("cases:list") + ("?" + back if back and "://" not in back and "\n" not in back else "")
    return HttpResponseRedirect(target)
