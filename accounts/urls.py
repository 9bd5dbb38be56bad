"""Staff sign-in pages, the pages behind a password link, and recorded account changes."""

from __future__ import annotations

from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("reset/<uidb64>/<token>/", views.PasswordLinkView.as_view(), name="password_reset_confirm"),
    path("reset/done/", views.PasswordLinkDoneView.as_view(), name="password_reset_complete"),
    path("changes/<int:pk>/", views.account_event, name="event"),
]
