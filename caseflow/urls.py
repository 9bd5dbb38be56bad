"""Top-level URL configuration."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from caseflow import views

api_v1 = [
    path("auth/", include("accounts.api.urls")),
    path("reports/", include("cases.reports.api")),
    path("", include("cases.api.urls")),
]

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("accounts/", include("accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("inbox/", include("notifications.urls")),
    path("reports/", include("cases.reports.urls")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("portal/", include("cases.portal.urls")),
    path("", include("cases.urls")),
]
