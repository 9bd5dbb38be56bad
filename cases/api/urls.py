"""Cases API routes, under /api/v1/."""

from __future__ import annotations

from django.urls import path
from rest_framework.routers import SimpleRouter

from cases.api.audit import AccessLogViewSet
from cases.api.cases import CaseViewSet
from cases.api.evidence import CaseShareHashesView, case_evidence_view
from cases.api.platforms import PlatformViewSet
from cases.api.referrals import PartnerViewSet, ReferralViewSet
from cases.api.replies import ReplyViewSet
from cases.api.rota import CrisisLineViewSet, OnCallShiftViewSet
from cases.api.takedowns import TakedownViewSet

router = SimpleRouter()
router.register("cases", CaseViewSet, basename="case")
router.register("access-log", AccessLogViewSet, basename="access-log")
router.register("platforms", PlatformViewSet, basename="platform")
router.register("takedowns", TakedownViewSet, basename="takedown")
router.register("partners", PartnerViewSet, basename="partner")
router.register("referrals", ReferralViewSet, basename="referral")
router.register("replies", ReplyViewSet, basename="reply")
router.register("oncall-shifts", OnCallShiftViewSet, basename="oncall-shift")
router.register("crisis-lines", CrisisLineViewSet, basename="crisis-line")

urlpatterns = [
    path("cases/<int:pk>/evidence/", case_evidence_view, name="case-evidence"),
    path("cases/<int:pk>/evidence/share/", CaseShareHashesView.as_view(), name="case-evidence-share"),
    *router.urls,
]
