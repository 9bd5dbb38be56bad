"""Staff pages of the cases app."""

from __future__ import annotations

from django.urls import path

from cases import views

app_name = "cases"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
]
