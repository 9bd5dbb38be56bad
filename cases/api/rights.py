"""The victim's rights: POST /api/v1/cases/{id}/export/ (JSON or PDF) and POST /api/v1/cases/{id}/erasure/."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import Role
from cases import access
from cases.actions.rights import do_decide_erasure, do_export_case, do_request_erasure
from cases.api.common import StrictSerializerMixin, TextField, client_address, user_of
from cases.exports import export_response
from cases.models import Case, PurgeRecord


class ExportInputSerializer(StrictSerializerMixin, serializers.Serializer[dict[str, Any]]):
    format = serializers.ChoiceField(choices=["json", "pdf"])


class ErasureInputSerializer(StrictSerializerMixin, serializers.Serializer[dict[str, Any]]):
    reason = TextField(max_length=500, required=False, allow_blank=True, default="")
    # A supervisor decides the waiting request of a counsellor; without it, she erases at once.
    decision = serializers.ChoiceField(choices=["approve", "decline"], required=False)


class PurgeRecordSerializer(serializers.ModelSerializer[PurgeRecord]):
    class Meta:
        model = PurgeRecord
        fields = ["case_reference", "kind", "purged_at", "counts"]
        read_only_fields = fields


class CaseRightsMixin(viewsets.GenericViewSet[Case]):
    """The victim's rights routes of the case viewset."""

    @extend_schema(
        summary="Everything held about the victim, as JSON or PDF (logged as an export)",
        request=ExportInputSerializer,
        responses={200: OpenApiResponse(description="The file (application/json or application/pdf).")},
    )
    @action(detail=True, methods=["post"])
    def export(self, request: Request, pk: str) -> HttpResponse:
        case = access.access_case(request.user, pk)
        form = ExportInputSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        fmt = form.validated_data["format"]
        data = do_export_case(actor=user_of(request), case=case, fmt=fmt, ip_address=client_address(request))
        return export_response(data, fmt, case.reference, language=get_language() or "ko")

    @extend_schema(
        summary="Erase a case on the victim's request: a counsellor asks, a supervisor approves (or erases at once)",
        request=ErasureInputSerializer,
        responses={
            200: PurgeRecordSerializer,
            202: OpenApiResponse(description="Requested; a supervisor decides."),
            204: OpenApiResponse(description="Declined."),
        },
    )
    @action(detail=True, methods=["post"])
    def erasure(self, request: Request, pk: str) -> Response:
        case = access.access_case(request.user, pk, write=True)
        form = ErasureInputSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        user = user_of(request)
        decision = form.validated_data.get("decision")
        reason = form.validated_data["reason"]
        if decision is not None and user.role == Role.SUPERVISOR:
            record = do_decide_erasure(actor=user, case=case, approve=decision == "approve", reason=reason)
            if record is None:
                return Response(status=status.HTTP_204_NO_CONTENT)
            return Response(PurgeRecordSerializer(record).data)
        if decision is not None:
            raise serializers.ValidationError({"decision": [_("A supervisor decides on erasing a case.")]})
        result = do_request_erasure(actor=user, case=case, reason=reason)
        if isinstance(result, PurgeRecord):
            return Response(PurgeRecordSerializer(result).data)
        return Response({"erasure_request": result.pk}, status=status.HTTP_202_ACCEPTED)
