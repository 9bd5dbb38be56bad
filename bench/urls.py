"""caseflow's URLs plus the benchmark's yardstick views (bench settings only: never in caseflow/urls.py)."""

from __future__ import annotations

from django.urls import path

from bench import views
from caseflow.urls import urlpatterns as caseflow_urlpatterns

urlpatterns = [
    path("bench/bare-list/", views.bare_list, name="bench-bare-list"),
    path("bench/bare-portal/", views.bare_portal, name="bench-bare-portal"),
    path("bench/bare-case-list/", views.bare_case_list, name="bench-bare-case-list"),
    path("bench/bare-create/", views.bare_create, name="bench-bare-create"),
    *caseflow_urlpatterns,
]
