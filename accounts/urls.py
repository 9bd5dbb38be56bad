"""Staff sign-in pages, two-step sign-in, the pages behind a password link, and recorded account changes."""

from __future__ import annotations

from django.urls import path

from accounts import mfa_views, views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("reset/<uidb64>/<token>/", views.PasswordLinkView.as_view(), name="password_reset_confirm"),
    path("reset/done/", views.PasswordLinkDoneView.as_view(), name="password_reset_complete"),
    path("changes/<int:pk>/", views.account_event, name="event"),
    path("mfa/", mfa_views.overview, name="mfa"),
    path("mfa/verify/", mfa_views.verify, name="mfa_verify"),
    path("mfa/setup/", mfa_views.start_setup, name="mfa_setup"),
    path("mfa/setup/<int:pk>/", mfa_views.confirm_setup, name="mfa_setup_confirm"),
    path("mfa/recovery-codes/", mfa_views.renew_codes, name="mfa_renew"),
    path("mfa/apps/<int:pk>/remove/", mfa_views.remove, name="mfa_remove"),
]
