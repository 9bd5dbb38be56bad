"""Risk of harm on a case: GET and POST /api/v1/cases/{id}/risk/ (its assessments, newest first, each
with the escalation it raised), and a supervisor's acknowledgement of an urgent risk:
POST /api/v1/cases/{id}/risk/acknowledge/. The same actions as the case page's risk card."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from caseflow.api import FieldsBuiltOnce
from cases import access
from cases.actions.safety import do_acknowledge_escalation, do_assess_risk
from cases.api.common import IdField, StrictSerializerMixin, TextField, UserRefSerializer, client_address, user_of
from cases.audit import log_access
from cases.models import Case, Escalation, RiskAssessment, RiskLevel

TEXT_LIMIT = 5000  # as the case page's form


def _text() -> TextField:
    return TextField(multiline=True, max_length=TEXT_LIMIT, required=False, allow_blank=True, default="")


class RiskInputSerializer(StrictSerializerMixin, serializers.Serializer[dict[str, Any]]):
    """A new assessment: with any risk above none, what was asked or what she answered."""

    level = serializers.ChoiceField(choices=RiskLevel.choices)
    asked = _text()
    answer = _text()
    plan = _text()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["level"] != RiskLevel.NONE and not (attrs["asked"] or attrs["answer"]):
            raise serializers.ValidationError({"asked": [_("Write what was asked or what she answered.")]})
        return attrs


class AcknowledgeInputSerializer(StrictSerializerMixin, serializers.Serializer[dict[str, Any]]):
    """The escalation of this case that the supervisor acknowledges."""

    escalation = IdField()


class EscalationSerializer(FieldsBuiltOnce, serializers.ModelSerializer[Escalation]):
    """A high or immediate risk called to the centre's on-call supervisors: `raised` while the calls
    repeat, `acknowledged` once a supervisor has it, `resolved` once the plan is recorded too."""

    acknowledged_by = UserRefSerializer(read_only=True)

    class Meta:
        model = Escalation
        fields = [
            "id",
            "state",
            "raised_at",
            "rounds",
            "acknowledged_by",
            "acknowledged_at",
            "plan_recorded_at",
            "resolved_at",
        ]
        read_only_fields = fields


class RiskAssessmentSerializer(FieldsBuiltOnce, serializers.ModelSerializer[RiskAssessment]):
    """One assessment of the risk of harm: the level, what was asked, her answer, the plan agreed with
    her (her own words, stored encrypted); a revision never overwrites the one before."""

    assessed_by = UserRefSerializer(read_only=True)
    escalation = serializers.SerializerMethodField()

    class Meta:
        model = RiskAssessment
        fields = ["id", "level", "asked", "answer", "plan", "assessed_by", "created_at", "escalation"]
        read_only_fields = fields

    @extend_schema_field(EscalationSerializer(allow_null=True))
    def get_escalation(self, assessment: RiskAssessment) -> dict[str, Any] | None:
        """The escalation this assessment raised (high or immediate, none open before it), or null."""
        raised: dict[int, Escalation] = self.context.get("escalations", {})
        escalation = raised.get(assessment.pk)
        return None if escalation is None else dict(EscalationSerializer(escalation).data)


def _escalations(case: Case) -> dict[int, Escalation]:
    """The case's escalations by the assessment that raised each: one query for a whole page."""
    rows = case.escalations.select_related("acknowledged_by").order_by("pk")
    return {escalation.assessment_id: escalation for escalation in rows}


class CaseRiskMixin(viewsets.GenericViewSet[Case]):
    """The risk routes of the case viewset."""

    @extend_schema(methods=["GET"], summary="Risk assessments of a case", responses=RiskAssessmentSerializer(many=True))
    @extend_schema(
        methods=["POST"],
        summary="Assess the risk of harm (high or immediate calls the on-call supervisors)",
        request=RiskInputSerializer,
        responses={201: RiskAssessmentSerializer},
    )
    @action(detail=True, methods=["get", "post"], filter_backends=[])
    def risk(self, request: Request, pk: str) -> Response:
        if request.method == "POST":
            case = access.access_case(request.user, pk, write=True)
            form = RiskInputSerializer(data=request.data)
            form.is_valid(raise_exception=True)
            assessment = do_assess_risk(actor=user_of(request), case=case, **form.validated_data)
            assessment = case.risk_assessments.select_related("assessed_by").get(pk=assessment.pk)
            answer = RiskAssessmentSerializer(assessment, context={"escalations": _escalations(case)})
            return Response(answer.data, status=status.HTTP_201_CREATED)
        case = access.access_case(request.user, pk)
        log_access(user=user_of(request), case=case, ip_address=client_address(request))
        rows = case.risk_assessments.select_related("assessed_by").order_by("-created_at", "-pk")
        assert self.paginator is not None  # noqa: S101 - DEFAULT_PAGINATION_CLASS is set
        page = self.paginator.paginate_queryset(rows, request, view=self)
        context = {"escalations": _escalations(case)}
        return self.paginator.get_paginated_response(RiskAssessmentSerializer(page, many=True, context=context).data)

    @extend_schema(
        summary="Acknowledge an urgent risk (a supervisor of the centre): the calls stop",
        request=AcknowledgeInputSerializer,
        responses={200: EscalationSerializer},
    )
    @action(detail=True, methods=["post"], url_path="risk/acknowledge", url_name="risk-acknowledge")
    def acknowledge_risk(self, request: Request, pk: str) -> Response:
        case = access.access_case(request.user, pk)
        form = AcknowledgeInputSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        escalation = do_acknowledge_escalation(
            actor=user_of(request), case=case, escalation_id=form.validated_data["escalation"]
        )
        escalation = case.escalations.select_related("acknowledged_by").get(pk=escalation.pk)
        return Response(EscalationSerializer(escalation).data)
