"""Shared REST API pieces: pagination. The mapping of refused actions is in caseflow/errors.py."""

from __future__ import annotations

from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    """`count`, `next`, `previous`, `results`; the client may ask for up to 100 rows a page."""

    page_size_query_param = "page_size"
    max_page_size = 100
