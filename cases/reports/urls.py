"""Report pages, under /reports/; the API's routes are in cases/reports/api.py, under /api/v1/reports/."""

from __future__ import annotations

from django.urls import path

from cases.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:name>/", views.report, name="report"),
    path("<slug:name>/<slug:table>.csv", views.export_csv, name="csv"),
]
