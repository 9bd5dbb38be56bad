"""Staff pages of the cases app."""

from __future__ import annotations

from django.urls import path

from cases import views

app_name = "cases"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("cases/new/", views.intake, name="intake"),
    path("cases/search/", views.search, name="search"),
    path("cases/<int:pk>/", views.case_detail, name="detail"),
    path("cases/<int:pk>/edit/", views.case_edit, name="edit"),
    path("cases/<int:pk>/transition/", views.case_transition, name="transition"),
    path("cases/<int:pk>/assign/", views.case_assign, name="assign"),
    path("cases/<int:pk>/notes/", views.case_add_note, name="add_note"),
]
