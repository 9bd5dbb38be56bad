"""The staff case list (/cases/): filters, sorting and paging over cases_visible_to, in SQL.

Filters and sort keys are only ever plain columns (status, priority, dates, assignment, flags), so
the query string never holds a victim detail; searching by name or phone stays a POST.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from html import escape
from typing import Any, cast

from django import forms
from django.db import connection
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from cases.models import Case, FollowUp, HarmType, Priority, Status, TakedownRequest, TakedownStatus

# Sort keys offered in the list: column name -> ORDER BY (never an encrypted column).
SORTS: dict[str, tuple[str, ...]] = {
    "created": ("created_at", "pk"),
    "-created": ("-created_at", "-pk"),
    "updated": ("updated_at", "pk"),
    "-updated": ("-updated_at", "-pk"),
    "priority": ("priority_rank", "created_at", "pk"),
    "-priority": ("-priority_rank", "created_at", "pk"),
    "status": ("status", "-created_at", "-pk"),
    "-status": ("-status", "-created_at", "-pk"),
    "reference": ("reference",),
    "-reference": ("-reference",),
    "counsellor": ("assigned_to__full_name", "-created_at", "-pk"),
    "-counsellor": ("-assigned_to__full_name", "-created_at", "-pk"),
}
PAGE_SIZE = 25
# What the list shows: one decryption per row (the name), no other victim detail loaded.
COLUMNS = (
    "id",
    "centre_id",
    "reference",
    "status",
    "priority",
    "is_minor",
    "victim_name",
    "assigned_to_id",
    "created_at",
    "updated_at",
    "version",
    "assigned_to__id",
    "assigned_to__full_name",
)


class CaseFilterForm(forms.Form):
    """The list's filters, from the query string; every value is checked, a bad one is ignored with a message."""

    status = forms.ChoiceField(label=_("Status"), choices=[("", _("Any")), *Status.choices], required=False)
    priority = forms.ChoiceField(label=_("Priority"), choices=[("", _("Any")), *Priority.choices], required=False)
    minor = forms.ChoiceField(
        label=_("Minor"), choices=[("", _("Any")), ("yes", _("Minors only")), ("no", _("Adults only"))], required=False
    )
    harm = forms.ChoiceField(label=_("Harm"), choices=[("", _("Any")), *HarmType.choices], required=False)
    assigned = forms.ChoiceField(label=_("Assigned to"), required=False)
    opened_from = forms.DateField(
        label=_("Opened from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    opened_to = forms.DateField(label=_("Opened until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    overdue = forms.BooleanField(label=_("With overdue takedown requests"), required=False)
    followup_due = forms.BooleanField(label=_("With a follow-up due today"), required=False)
    sort = forms.ChoiceField(choices=[(key, key) for key in SORTS], required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, user: User, staff: list[tuple[int, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices: list[tuple[str, object]] = [("", _("Anyone")), ("me", _("Me")), ("none", _("Nobody (intake queue)"))]
        if user.role == Role.SUPERVISOR:
            people = staff if staff is not None else assignable_staff(user)
            choices += [(str(pk), name) for pk, name in people if pk != user.pk]
        field = self.fields["assigned"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101 - declared above
        field.choices = choices

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in ("opened_from", "opened_to"):
            value = data.get(name)
            if value is not None and not 2000 <= value.year <= 2200:
                self.add_error(name, _("Enter a date between the years 2000 and 2200."))
        return data


def assignable_staff(user: User) -> list[tuple[int, str]]:
    """The centre's active counsellors and supervisors (id, name) by name: whom cases can be assigned to."""
    # Written out: on every supervisor's list page, the ORM's building of this query cost more than running it.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, full_name FROM accounts_user WHERE centre_id = %s AND is_active AND role IN (%s, %s) "
            "ORDER BY full_name, id",
            [user.centre_id, Role.COUNSELLOR.value, Role.SUPERVISOR.value],
        )
        return [(int(pk), str(name)) for pk, name in cursor.fetchall()]


def filtered(visible: QuerySet[Case], user: User, data: dict[str, Any]) -> QuerySet[Case]:
    """The visible cases narrowed by the form's clean data, in the chosen order."""
    cases = visible
    if data.get("status"):
        cases = cases.filter(status=data["status"])
    if data.get("priority"):
        cases = cases.filter(priority=data["priority"])
    if data.get("minor"):
        cases = cases.filter(is_minor=data["minor"] == "yes")
    if data.get("harm"):
        # jsonb containment on PostgreSQL (indexable); SQLite (make run) has no JSON contains, so the
        # list's text is matched there: the values come from a fixed choice list and hold no quotes.
        if connection.vendor == "postgresql":
            cases = cases.filter(harm_types__contains=[data["harm"]])
        else:
            cases = cases.filter(harm_types__icontains=f'"{data["harm"]}"')
    assigned = data.get("assigned")
    if assigned == "me":
        cases = cases.filter(assigned_to_id=user.pk)
    elif assigned == "none":
        cases = cases.filter(assigned_to__isnull=True)
    elif assigned:
        cases = cases.filter(assigned_to_id=int(assigned))
    tz = timezone.get_current_timezone()
    if data.get("opened_from"):
        cases = cases.filter(created_at__gte=datetime.combine(data["opened_from"], time.min, tzinfo=tz))
    if data.get("opened_to"):
        end = datetime.combine(data["opened_to"], time.min, tzinfo=tz) + timedelta(days=1)
        cases = cases.filter(created_at__lt=end)
    now = timezone.now()
    if data.get("overdue"):
        late = TakedownRequest.objects.filter(
            case_id=OuterRef("pk"),
            status__in=[TakedownStatus.SENT, TakedownStatus.ACKNOWLEDGED],
            deadline_at__lt=now,
        )
        cases = cases.filter(Exists(late))
    if data.get("followup_due"):
        end_of_day = datetime.combine(timezone.localdate(), time.max, tzinfo=tz)
        due = FollowUp.objects.filter(
            case_id=OuterRef("pk"), due_at__lte=end_of_day, due_at__gte=now - timedelta(days=1)
        )
        cases = cases.filter(Exists(due))
    order = SORTS.get(data.get("sort") or "", SORTS["-created"])
    return cases.only(*COLUMNS).select_related("assigned_to").order_by(*order)


def filters_html(form: CaseFilterForm) -> SafeString:
    """The visible filters' markup, with the same names, ids, labels and choices as the form's widgets,
    at a fraction of the cost of rendering each widget's template (or a template loop over them)."""
    found = []
    for bound in form.visible_fields():
        field = bound.field
        raw = bound.value()
        name, ident, label = escape(bound.name), escape(bound.id_for_label), escape(str(bound.label))
        errors = [str(error) for error in bound.errors]
        invalid = f' aria-invalid="true" aria-describedby="{ident}-error"' if errors else ""
        if isinstance(field, forms.BooleanField):
            checked = " checked" if field.widget.value_from_datadict(form.data, {}, bound.name) else ""
            control = (
                f'<label class="check"><input type="checkbox" name="{name}" id="{ident}"{checked}> {label}</label>'
            )
        elif isinstance(field, forms.ChoiceField):
            current = "" if raw is None else str(raw)
            options = "".join(
                f'<option value="{escape(str(value))}"{" selected" if str(value) == current else ""}>'
                f"{escape(str(text))}</option>"
                for value, text in cast(list[tuple[object, object]], field.choices)
            )
            control = (
                f'<label for="{ident}">{label}</label>\n<select name="{name}" id="{ident}"{invalid}>{options}</select>'
            )
        else:
            value = escape("" if raw is None else str(raw))
            control = (
                f'<label for="{ident}">{label}</label>\n'
                f'<input type="date" name="{name}" id="{ident}" value="{value}"{invalid}>'
            )
        message = f'<span class="errors" id="{ident}-error">{escape(" ".join(errors))}</span>' if errors else ""
        kind = ' class="check"' if isinstance(field, forms.BooleanField) else ""
        found.append(f"<p{kind}>{control}{message}</p>")
    # Safe to mark: every name, id, label, value and error is escaped where it is put in.
    return mark_safe("\n".join(found))  # noqa: S308 # nosec B308, B703


def is_filtered(data: dict[str, Any]) -> bool:
    return any(value for name, value in data.items() if name != "sort")


__all__ = [
    "COLUMNS",
    "PAGE_SIZE",
    "SORTS",
    "CaseFilterForm",
    "assignable_staff",
    "filtered",
    "filters_html",
    "is_filtered",
]
