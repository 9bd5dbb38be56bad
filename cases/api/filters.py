"""Filters of the case list; every parameter is validated and a bad one is a 400 naming it."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError

from cases.models import AccessLog, Case, Priority, Status, normalise_reference
from cases.selectors import search_cases


class CaseFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Status.choices)
    priority = django_filters.ChoiceFilter(choices=Priority.choices)
    # Strict: "true" or "false"; django-filter's BooleanFilter would ignore "perhaps" silently.
    is_minor = django_filters.TypedChoiceFilter(
        choices=[("true", "true"), ("false", "false")], coerce=lambda value: value == "true"
    )
    assigned_to = django_filters.CharFilter(method="filter_assigned_to", help_text="A user id, `me` or `none`.")
    reference = django_filters.CharFilter(method="filter_reference")
    q = django_filters.CharFilter(
        method="filter_q", max_length=254, help_text="Exact name, phone, e-mail or reference."
    )
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    ordering = django_filters.OrderingFilter(
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

    def filter_q(self, queryset: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        return search_cases(queryset, value)


class AccessLogFilter(django_filters.FilterSet):
    case = django_filters.NumberFilter(field_name="case_id")
    user = django_filters.NumberFilter(field_name="user_id")
    action = django_filters.CharFilter()

    class Meta:
        model = AccessLog
        fields: list[str] = []
