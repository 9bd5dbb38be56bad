"""Staff pages of the cases app."""

from __future__ import annotations

from django.urls import path

from cases.views import (
    case_list,
    cases,
    closures,
    deliveries,
    evidence,
    followups,
    portal_access,
    sightings,
    takedowns,
)

app_name = "cases"

urlpatterns = [
    path("", cases.dashboard, name="dashboard"),
    path("cases/", case_list.case_list, name="list"),
    path("cases/assign/", case_list.bulk_assign, name="bulk_assign"),
    path("cases/new/", cases.intake, name="intake"),
    path("cases/search/", cases.search, name="search"),
    path("cases/<int:pk>/", cases.case_detail, name="detail"),
    path("cases/<int:pk>/edit/", cases.case_edit, name="edit"),
    path("cases/<int:pk>/transition/", cases.case_transition, name="transition"),
    path("cases/<int:pk>/assign/", cases.case_assign, name="assign"),
    path("cases/<int:pk>/notes/", cases.case_add_note, name="add_note"),
    path("cases/<int:pk>/sightings/", sightings.case_add_sightings, name="add_sightings"),
    path("cases/<int:pk>/sightings/<int:sighting_id>/state/", sightings.case_sighting_state, name="sighting_state"),
    path("cases/<int:pk>/evidence/", evidence.case_upload_evidence, name="upload_evidence"),
    path("cases/<int:pk>/evidence/<int:evidence_id>/file/", evidence.case_evidence_file, name="evidence_file"),
    path("cases/<int:pk>/evidence/proposals/", evidence.case_add_proposed_sightings, name="add_proposed_sightings"),
    path("cases/<int:pk>/evidence/share/", evidence.case_share_hashes, name="share_hashes"),
    path("hash-bank/export/", evidence.hash_bank_export, name="hash_bank_export"),
    path("cases/<int:pk>/police-pack/", evidence.case_police_pack, name="police_pack"),
    path("cases/<int:pk>/draft-takedowns/", takedowns.case_draft_takedowns, name="draft_takedowns"),
    path("cases/<int:pk>/followups/", followups.case_add_followup, name="add_followup"),
    path("cases/<int:pk>/portal/issue/", portal_access.case_issue_portal, name="issue_portal"),
    path("cases/<int:pk>/portal/revoke/", portal_access.case_revoke_portal, name="revoke_portal"),
    path("cases/<int:pk>/closure/", closures.case_request_closure, name="request_closure"),
    path("cases/<int:pk>/closure/<int:request_id>/decision/", closures.case_decide_closure, name="decide_closure"),
    path("takedowns/due/", takedowns.takedowns_due, name="takedowns_due"),
    path("deliveries/failed/", deliveries.failed_deliveries, name="failed_deliveries"),
    path("takedowns/<int:pk>/", takedowns.takedown_detail, name="takedown"),
    path("takedowns/<int:pk>/transition/", takedowns.takedown_transition, name="takedown_transition"),
]
