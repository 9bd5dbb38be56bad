"""caseflow's URLs plus views that fail outside DRF, for the tests of error answers."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.urls import path

from caseflow.urls import urlpatterns as caseflow_urlpatterns


def fail(request: HttpRequest, kind: str) -> HttpResponse:
    """Raises as a plain Django view can: refused (403), suspicious (400) or broken (500)."""
    if kind == "forbidden":
        raise PermissionDenied
    if kind == "suspicious":
        raise SuspiciousOperation("a test of a suspicious request")
    raise RuntimeError("a test of an unexpected failure")


urlpatterns = [
    path("api/v1/test-failure/<str:kind>/", fail),
    path("test-failure/<str:kind>/", fail),
    *caseflow_urlpatterns,
]
