"""Shared REST API pieces: pagination, fields built once per serializer class, filter forms built once
per filter set class. The mapping of refused actions is in caseflow/errors.py."""

from __future__ import annotations

import copy
from datetime import datetime, tzinfo
from typing import Any

from django_filters.filters import FilterMethod
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.serializers import BaseSerializer

from caseflow.db import ValuesRead


class Pagination(PageNumberPagination):
    """`count`, `next`, `previous`, `results`; the client may ask for up to 100 rows a page."""

    page_size_query_param = "page_size"
    max_page_size = 100

    def paginate_values(self, rows: ValuesRead, request: Request, *, view: Any = None) -> list[Any]:
        """A page of rows read as plain values by hand-written statements (caseflow/db.ValuesRead)."""
        # Paginator only counts and slices its rows, which is all ValuesRead does.
        return list(self.paginate_queryset(rows, request, view=view) or [])  # type: ignore[arg-type]


def schema_doc_excludes() -> list[type]:
    """The classes whose docstrings OpenAPI descriptions never come from (SPECTACULAR_SETTINGS): the
    library's, and FieldsBuiltOnce, whose text is about the server's speed, not about the data. A
    serializer's own docstring describes it; without one, the schema says nothing."""
    from drf_spectacular.plumbing import get_lib_doc_excludes

    return [*get_lib_doc_excludes(), FieldsBuiltOnce]


def iso_time(moment: datetime | None, zone: tzinfo) -> str | None:
    """As DRF's DateTimeField writes a time: ISO 8601 in the current time zone, UTC as Z (for lists that
    write their rows from plain values, without a field call per value)."""
    if moment is None:
        return None
    text = moment.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


class FieldsBuiltOnce:
    """For a ModelSerializer that only writes (read-only fields): its fields built from the model once
    per class, then copied for each instance. DRF otherwise maps every model field again for every
    serializer it makes (field kwargs, validators, choices): for the case serializers that was a sixth
    of a case creation's CPU (bench.run, cProfile).

    A field with no field inside it is copied alone: what the serializer sets on it when binding it
    (its name, its parent, its source) is the copy's own, and what it was made with (choices, format) is
    shared, since writing a value changes neither. DRF's deep copy makes each field anew from deep copies
    of its arguments, which took 0.4 ms of every case creation (bench.run, in process). A nested
    serializer, a list or a dict of fields is deep-copied, as DRF does: the fields inside are bound to it."""

    def get_fields(self) -> dict[str, Any]:
        cls = type(self)
        built: dict[str, Any] | None = cls.__dict__.get("_fields_built_once")
        if built is None:
            built = super().get_fields()  # type: ignore[misc]
            cls._fields_built_once = built  # type: ignore[attr-defined]
        return {name: _copy_of(field) for name, field in built.items()}


def _copy_of(field: Any) -> Any:
    if isinstance(field, BaseSerializer) or hasattr(field, "child") or hasattr(field, "child_relation"):
        return copy.deepcopy(field)
    return copy.copy(field)


class _FieldsCopied(dict[str, Any]):
    """A built filter form's fields, which Django deep-copies for every form (each field's choices,
    widget, messages and validators): each field and its widget are copied alone, sharing what no form
    changes (messages, validators)."""

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, Any]:
        copies = {}
        for name, field in self.items():
            mine = copy.copy(field)
            # A form that sets a field's choices writes them on its widget: each copy has a widget of its own.
            mine.widget = copy.copy(field.widget)
            mine.widget.attrs = dict(field.widget.attrs)
            copies[name] = mine
        return copies


class _FiltersCopied(dict[str, Any]):
    """A filter set's filters, which django-filter deep-copies for every filter set: each filter is copied
    alone, so that what a filter set sets on its own (`parent`, `model`) stays its own, and a filter
    with a `method` gets a FilterMethod of its own (the class's points to the class's filter, which has
    no parent)."""

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, Any]:
        copies = {}
        for name, item in self.items():
            mine = copy.copy(item)
            mine.extra = dict(item.extra)  # a filter may write into its own field arguments
            if isinstance(item.__dict__.get("filter"), FilterMethod):
                mine.filter = FilterMethod(mine)
            copies[name] = mine
        return copies


class FiltersBuiltOnce:
    """For a django-filter FilterSet whose filters do not depend on the request: its form class built
    once per FilterSet class, and its filters and its form's fields copied one by one for each request
    instead of deep-copied. django-filter makes a new form class, through the form metaclass, for every
    request, and the deep copies of filters and fields took as long again: together a fifth of the case
    list's CPU (bench.run, cProfile). The form's labels are those of the first request's language: the
    API shows no labels (it renders JSON only), and error messages are translated when they are raised."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        cls = type(self)
        if not isinstance(cls.__dict__.get("base_filters"), _FiltersCopied):
            cls.base_filters = _FiltersCopied(cls.base_filters)  # type: ignore[attr-defined]
        super().__init__(*args, **kwargs)

    def get_form_class(self) -> Any:
        cls = type(self)
        built = cls.__dict__.get("_form_class_built_once")
        if built is None:
            built = super().get_form_class()  # type: ignore[misc]
            built.base_fields = _FieldsCopied(built.base_fields)
            cls._form_class_built_once = built  # type: ignore[attr-defined]
        return built
