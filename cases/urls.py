"""Staff pages of the cases app."""

from __future__ import annotations

from django.urls import path

from cases.views import (
    access_log,
    case_list,
    cases,
    closures,
    deliveries,
    duties,
    followups,
    guardians,
    portal_access,
    retention,
    rights,
    safety,
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
    path("cases/<int:pk>/draft-takedowns/", takedowns.case_draft_takedowns, name="draft_takedowns"),
    path("cases/<int:pk>/followups/", followups.case_add_followup, name="add_followup"),
    path("cases/<int:pk>/followups/<int:followup_id>/done/", followups.case_followup_done, name="followup_done"),
    path("cases/<int:pk>/followups/<int:followup_id>/snooze/", followups.case_followup_snooze, name="followup_snooze"),
    path("cases/<int:pk>/portal/issue/", portal_access.case_issue_portal, name="issue_portal"),
    path("cases/<int:pk>/portal/revoke/", portal_access.case_revoke_portal, name="revoke_portal"),
    path("cases/<int:pk>/closure/", closures.case_request_closure, name="request_closure"),
    path("cases/<int:pk>/closure/<int:request_id>/decision/", closures.case_decide_closure, name="decide_closure"),
    path("cases/<int:pk>/duties/crime-in-progress/", duties.case_crime_in_progress, name="crime_in_progress"),
    path("cases/<int:pk>/duties/<int:duty_id>/report/", duties.case_record_duty_report, name="record_duty_report"),
    path("cases/<int:pk>/guardian/", guardians.case_guardian, name="guardian"),
    path("cases/<int:pk>/retention/", retention.case_extend_retention, name="extend_retention"),
    path("cases/<int:pk>/export/", rights.case_export, name="export"),
    path("cases/<int:pk>/erasure/", rights.case_request_erasure, name="request_erasure"),
    path("cases/<int:pk>/erasure/decision/", rights.case_decide_erasure, name="decide_erasure"),
    path("access-log/", access_log.access_log, name="access_log"),
    path("access-log/review/", access_log.review_access_log, name="review_access_log"),
    path("cases/<int:pk>/risk/", safety.case_assess_risk, name="assess_risk"),
    path(
        "cases/<int:pk>/escalations/<int:escalation_id>/acknowledge/",
        safety.case_acknowledge_escalation,
        name="acknowledge_escalation",
    ),
    path("on-call/", safety.oncall_rota, name="oncall_rota"),
    path("on-call/shifts/<int:shift_id>/remove/", safety.oncall_remove_shift, name="oncall_remove_shift"),
    path("on-call/crisis-lines/", safety.crisis_line_add, name="crisis_line_add"),
    path("on-call/crisis-lines/<int:line_id>/remove/", safety.crisis_line_remove, name="crisis_line_remove"),
    path("takedowns/due/", takedowns.takedowns_due, name="takedowns_due"),
    path("deliveries/failed/", deliveries.failed_deliveries, name="failed_deliveries"),
    path("takedowns/<int:pk>/", takedowns.takedown_detail, name="takedown"),
    path("takedowns/<int:pk>/transition/", takedowns.takedown_transition, name="takedown_transition"),
]
