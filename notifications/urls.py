"""Staff inbox pages."""

from __future__ import annotations

from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:pk>/open/", views.open_item, name="open"),
    path("read/", views.mark_all_read, name="mark_all_read"),
    path("email/", views.email_preference, name="email_preference"),
]
