"""Cases API routes, under /api/v1/."""

from __future__ import annotations

from rest_framework.routers import SimpleRouter

from cases.api.views import AccessLogViewSet, CaseViewSet

router = SimpleRouter()
router.register("cases", CaseViewSet, basename="case")
router.register("access-log", AccessLogViewSet, basename="access-log")

urlpatterns = router.urls
