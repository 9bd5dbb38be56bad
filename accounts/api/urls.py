"""Accounts API routes, under /api/v1/auth/."""

from __future__ import annotations

from django.urls import path

from accounts.api import views

urlpatterns = [
    path("token/", views.TokenView.as_view(), name="api-token"),
    path("token/revoke/", views.RevokeTokenView.as_view(), name="api-token-revoke"),
    path("token/revoke-all/", views.RevokeAllTokensView.as_view(), name="api-token-revoke-all"),
    path("me/", views.MeView.as_view(), name="api-me"),
]
