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
    path("cases/<int:pk>/sightings/", views.case_add_sightings, name="add_sightings"),
    path("cases/<int:pk>/sightings/<int:sighting_id>/state/", views.case_sighting_state, name="sighting_state"),
    path("cases/<int:pk>/draft-takedowns/", views.case_draft_takedowns, name="draft_takedowns"),
    path("cases/<int:pk>/followups/", views.case_add_followup, name="add_followup"),
    path("takedowns/due/", views.takedowns_due, name="takedowns_due"),
    path("deliveries/failed/", views.failed_deliveries, name="failed_deliveries"),
    path("takedowns/<int:pk>/", views.takedown_detail, name="takedown"),
    path("takedowns/<int:pk>/transition/", views.takedown_transition, name="takedown_transition"),
]
