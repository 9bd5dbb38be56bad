"""Filters of the case list; every parameter is validated and a bad one is a 400 naming it."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField
from rest_framework.exceptions import ValidationError

from caseflow.api import FiltersBuiltOnce
from cases.models import AccessLog, Case, Priority, Status, TakedownRequest, TakedownStatus, normalise_reference


class IdFilter(django_filters.NumberFilter):
    """A database id: a whole number that fits a bigint (a Decimal past it would reach the database)."""

    field_class = forms.IntegerField  # type: ignore[assignment]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


class BoundedIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 time within years 1900–2200, so that converting it to UTC cannot overflow."""

    def clean(self, value: Any) -> Any:
        result = super().clean(value)
        if result is not None and not 1900 <= result.year <= 2200:
            raise forms.ValidationError(_("Enter a date between 1900 and 2200."))
        return result


class TimeFilter(django_filters.IsoDateTimeFilter):
    field_class = BoundedIsoDateTimeField


class StableOrdering(django_filters.OrderingFilter):
    """An ordering with the id last, in the direction of the last field asked for: rows that tie on what
    the client sorts by (many cases share a priority or a status) keep one order from page to page, so
    that paging through them neither repeats a row nor skips one."""

    def filter(self, qs: QuerySet[Any], value: Any) -> QuerySet[Any]:
        if not value:
            return qs
        ordering = [self.get_ordering_value(param) for param in value if param]
        if not ordering:
            return qs
        tie = "-pk" if ordering[-1].startswith("-") else "pk"
        return qs.order_by(*ordering, tie)


class CaseFilter(FiltersBuiltOnce, django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Status.choices)
    priority = django_filters.ChoiceFilter(choices=Priority.choices)
    # Strict: "true" or "false"; django-filter's BooleanFilter would ignore "perhaps" silently.
    is_minor = django_filters.TypedChoiceFilter(
        choices=[("true", "true"), ("false", "false")], coerce=lambda value: value == "true"
    )
    assigned_to = django_filters.CharFilter(method="filter_assigned_to", help_text="A user id, `me` or `none`.")
    reference = django_filters.CharFilter(method="filter_reference")
    created_after = TimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = TimeFilter(field_name="created_at", lookup_expr="lt")
    ordering = StableOrdering(
        fields=(
            ("created_at", "created_at"),
            ("updated_at", "updated_at"),
            ("priority_rank", "priority"),
            ("status", "status"),
            ("reference", "reference"),
        )
    )

    class Meta:
        model = Case
        fields: list[str] = []

    def filter_assigned_to(self, queryset: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        if value == "me":
            user = getattr(self.request, "user", None)
            return queryset.filter(assigned_to_id=user.pk) if user is not None else queryset.none()
        if value == "none":
            return queryset.filter(assigned_to__isnull=True)
        if not value.isdigit() or len(value) > 18:
            raise ValidationError({"assigned_to": [_("Enter a user id, “me” or “none”.")]})
        return queryset.filter(assigned_to_id=int(value))

    def filter_reference(self, queryset: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        return queryset.filter(reference=normalise_reference(value))


class AccessLogFilter(django_filters.FilterSet):
    case = IdFilter(field_name="case_id")
    user = IdFilter(field_name="user_id")
    action = django_filters.CharFilter()

    class Meta:
        model = AccessLog
        fields: list[str] = []


class TakedownFilter(FiltersBuiltOnce, django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=TakedownStatus.choices)
    platform = IdFilter(field_name="platform_id")
    case = IdFilter(field_name="case_id")
    overdue = django_filters.TypedChoiceFilter(
        choices=[("true", "true"), ("false", "false")], coerce=lambda value: value == "true", method="filter_overdue"
    )
    due_before = TimeFilter(field_name="deadline_at", lookup_expr="lt")
    ordering = StableOrdering(
        fields=(("deadline_at", "deadline"), ("created_at", "created_at"), ("sent_at", "sent_at"))
    )

    class Meta:
        model = TakedownRequest
        fields: list[str] = []

    def filter_overdue(self, queryset: QuerySet[TakedownRequest], name: str, value: bool) -> QuerySet[TakedownRequest]:
        # Overdue is derived, never stored: sent or acknowledged, with the deadline in the past.
        overdue = Q(status__in=[TakedownStatus.SENT, TakedownStatus.ACKNOWLEDGED], deadline_at__lt=timezone.now())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)
