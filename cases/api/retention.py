"""Retention: POST /api/v1/cases/{id}/retention/ keeps a closed case longer (supervisors, with a reason)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from cases import access
from cases.actions.retention import LAST_YEAR, do_extend_retention
from cases.api.common import StrictIntegerField, StrictSerializerMixin, TextField, user_of
from cases.models import Case


class RetentionInputSerializer(StrictSerializerMixin, serializers.Serializer[dict[str, Any]]):
    until = serializers.DateField(help_text="The new last day the case is kept (after the current one).")
    reason = TextField(multiline=True, max_length=500)
    version = StrictIntegerField()

    def validate_until(self, value: Any) -> Any:
        if value.year > LAST_YEAR:
            raise serializers.ValidationError(_("Choose a day before the year %(year)d.") % {"year": LAST_YEAR + 1})
        return value


class RetentionSerializer(serializers.ModelSerializer[Case]):
    class Meta:
        model = Case
        fields = ["id", "status", "closed_at", "retention_until", "version"]
        read_only_fields = fields


class CaseRetentionMixin(viewsets.GenericViewSet[Case]):
    """The retention route of the case viewset."""

    @extend_schema(
        summary="Keep a closed case longer than the retention period (supervisor; the reason is recorded)",
        request=RetentionInputSerializer,
        responses={
            200: RetentionSerializer,
            409: OpenApiResponse(description="The case changed since `version`."),
        },
    )
    @action(detail=True, methods=["post"])
    def retention(self, request: Request, pk: str) -> Response:
        case = access.access_case(request.user, pk, write=True)
        form = RetentionInputSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        case = do_extend_retention(actor=user_of(request), case=case, **form.validated_data)
        return Response(RetentionSerializer(case).data)
