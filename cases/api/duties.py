"""Reports the law requires, on a case: GET /api/v1/cases/{id}/duties/ (each duty with the report
that discharged it), POST the same to record a crime in progress, and POST …/duties/report/ to record
the report that discharges a duty (its reminders stop). The case page's duties card, in JSON."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from caseflow.api import FieldsBuiltOnce
from cases import access
from cases.actions.duties import do_raise_crime_in_progress, do_record_duty_report
from cases.actions.errors import ActionError
from cases.api.common import (
    BoundedDateTimeField,
    IdField,
    StrictSerializerMixin,
    TextField,
    UserRefSerializer,
    client_address,
    user_of,
)
from cases.audit import log_access
from cases.models import Authority, Case, DutyKind, DutyReport, LegalDuty


class DutyInputSerializer(StrictSerializerMixin, serializers.Serializer[dict[str, Any]]):
    """A duty a counsellor records by hand: a crime in progress (a child victim's is raised by the case)."""

    kind = serializers.ChoiceField(choices=[(DutyKind.CRIME_IN_PROGRESS, DutyKind.CRIME_IN_PROGRESS.label)])


class DutyReportInputSerializer(StrictSerializerMixin, serializers.Serializer[dict[str, Any]]):
    """The report that discharges a duty: to whom, when, by which member of the centre, their number."""

    duty = IdField()
    authority = serializers.ChoiceField(choices=Authority.choices)
    reported_at = BoundedDateTimeField()
    reported_by = IdField()
    reference_number = TextField(max_length=100, required=False, allow_blank=True, default="")


class DutyReportSerializer(FieldsBuiltOnce, serializers.ModelSerializer[DutyReport]):
    """A report made to the police or child protection, as recorded (its number stored encrypted)."""

    reported_by = UserRefSerializer(read_only=True)
    recorded_by = UserRefSerializer(read_only=True)

    class Meta:
        model = DutyReport
        fields = ["id", "authority", "reported_at", "reported_by", "reference_number", "recorded_by", "recorded_at"]
        read_only_fields = fields


class DutySerializer(FieldsBuiltOnce, serializers.ModelSerializer[LegalDuty]):
    """A report the centre owes: reminded every few hours to whoever follows the case until the
    report that discharges it is recorded (`report`, null until then). `raised_by` null: the system."""

    raised_by = UserRefSerializer(read_only=True, allow_null=True)
    report = serializers.SerializerMethodField()

    class Meta:
        model = LegalDuty
        fields = ["id", "kind", "raised_at", "raised_by", "reminders", "next_reminder_at", "discharged_at", "report"]
        read_only_fields = fields

    @extend_schema_field(DutyReportSerializer(allow_null=True))
    def get_report(self, duty: LegalDuty) -> dict[str, Any] | None:
        report = getattr(duty, "report", None)
        return None if report is None else dict(DutyReportSerializer(report).data)


def _duties(case: Case) -> QuerySet[LegalDuty]:
    """The case's duties, oldest first, each with its report and their people: one query."""
    rows = LegalDuty.objects.filter(case=case).select_related("raised_by", "report__reported_by", "report__recorded_by")
    return rows.order_by("raised_at", "pk")


class CaseDutiesMixin(viewsets.GenericViewSet[Case]):
    """The duties routes of the case viewset."""

    @extend_schema(methods=["GET"], summary="Reports the law requires, on a case", responses=DutySerializer(many=True))
    @extend_schema(
        methods=["POST"],
        summary="Record a crime in progress: a report to the police is owed",
        request=DutyInputSerializer,
        responses={201: DutySerializer},
    )
    @action(detail=True, methods=["get", "post"], filter_backends=[], pagination_class=None)
    def duties(self, request: Request, pk: str) -> Response:
        if request.method == "POST":
            case = access.access_case(request.user, pk, write=True)
            DutyInputSerializer(data=request.data).is_valid(raise_exception=True)
            duty = do_raise_crime_in_progress(actor=user_of(request), case=case)
            return Response(DutySerializer(_duties(case).get(pk=duty.pk)).data, status=status.HTTP_201_CREATED)
        case = access.access_case(request.user, pk)
        log_access(user=user_of(request), case=case, ip_address=client_address(request))
        return Response(DutySerializer(_duties(case), many=True).data)

    @extend_schema(
        summary="Record the report that discharges a duty (its reminders stop)",
        request=DutyReportInputSerializer,
        responses={201: DutySerializer},
    )
    @action(detail=True, methods=["post"], url_path="duties/report", url_name="duties-report")
    def report_duty(self, request: Request, pk: str) -> Response:
        case = access.access_case(request.user, pk, write=True)
        form = DutyReportInputSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        # Looked up among the case centre's accounts only: another centre's account and an id that
        # does not exist get the same answer, before anything else is checked.
        reported_by = User.objects.filter(pk=data.pop("reported_by"), centre_id=case.centre_id).first()
        if reported_by is None:
            raise ActionError(_("Choose a member of your centre."), field="reported_by")
        duty_id = data.pop("duty")
        do_record_duty_report(actor=user_of(request), case=case, duty_id=duty_id, reported_by=reported_by, **data)
        return Response(DutySerializer(_duties(case).get(pk=duty_id)).data, status=status.HTTP_201_CREATED)
