"""Shared REST API pieces: pagination, fields built once per serializer class, filter forms built once
per filter set class. The mapping of refused actions is in caseflow/errors.py."""

from __future__ import annotations

import copy
from functools import partial
from typing import Any

from django.db.models import QuerySet
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request

from caseflow.paging import CountedApart


class Pagination(PageNumberPagination):
    """`count`, `next`, `previous`, `results`; the client may ask for up to 100 rows a page."""

    page_size_query_param = "page_size"
    max_page_size = 100

    def paginate_values(
        self, rows: QuerySet[Any], request: Request, *, total_of: QuerySet[Any], view: Any = None
    ) -> list[Any]:
        """A page of rows read as plain values, the total counted on `total_of` (caseflow/paging.py)."""
        self.django_paginator_class = partial(CountedApart, total_of=total_of)  # type: ignore[assignment]
        return list(self.paginate_queryset(rows, request, view=view) or [])


class FieldsBuiltOnce:
    """For a ModelSerializer: its fields built from the model once per class, then copied for each
    instance, as DRF copies declared fields. DRF otherwise maps every model field again for every
    serializer it makes (field kwargs, validators, choices): for the case serializers that was a sixth
    of a case creation's CPU (bench.run, cProfile)."""

    def get_fields(self) -> dict[str, Any]:
        cls = type(self)
        built: dict[str, Any] | None = cls.__dict__.get("_fields_built_once")
        if built is None:
            built = super().get_fields()  # type: ignore[misc]
            cls._fields_built_once = built  # type: ignore[attr-defined]
        return copy.deepcopy(built)


class FormBuiltOnce:
    """For a django-filter FilterSet whose filters do not depend on the request: its form class built
    once per FilterSet class. django-filter makes a new form class, through the form metaclass, for
    every request (a tenth of the case list's CPU in cProfile, with the filters' copies). The form's
    labels are those of the first request's language: the API shows no labels (it renders JSON only),
    and error messages are translated when they are raised."""

    def get_form_class(self) -> Any:
        cls = type(self)
        built = cls.__dict__.get("_form_class_built_once")
        if built is None:
            built = super().get_form_class()  # type: ignore[misc]
            cls._form_class_built_once = built  # type: ignore[attr-defined]
        return built
