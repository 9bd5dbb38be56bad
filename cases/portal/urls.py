"""The victim's portal, under /portal/: nothing about her case in any of these addresses."""

from __future__ import annotations

from django.urls import path

from cases.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.sign_in, name="sign_in"),
    path("case/", views.progress, name="progress"),
    path("places/", views.add_places, name="places"),
    path("contact/", views.contact, name="contact"),
    path("consents/", views.consents, name="consents"),
    path("close/", views.close, name="close"),
    path("sign-out/", views.sign_out, name="sign_out"),
    path("exit/", views.quick_exit, name="exit"),
]
