"""Follow-ups: POST /api/v1/cases/{id}/followups/."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from cases import access
from cases.actions.followups import do_set_followup
from cases.api.common import BoundedDateTimeField, StrictSerializerMixin, TextField, user_of
from cases.models import Case, FollowUp


class FollowUpInputSerializer(StrictSerializerMixin, serializers.Serializer[dict[str, Any]]):
    due_at = BoundedDateTimeField()
    note = TextField(multiline=True, max_length=2000, required=False, allow_blank=True, default="")


class FollowUpSerializer(serializers.ModelSerializer[FollowUp]):
    class Meta:
        model = FollowUp
        fields = ["id", "due_at", "note", "created_at"]
        read_only_fields = fields


class CaseFollowUpsMixin(viewsets.GenericViewSet[Case]):
    """The follow-ups route of the case viewset."""

    @extend_schema(
        summary='Remind me on this case at a time ("call back Friday 14:00")',
        request=FollowUpInputSerializer,
        responses={201: FollowUpSerializer},
    )
    @action(detail=True, methods=["post"])
    def followups(self, request: Request, pk: str) -> Response:
        case = access.access_case(request.user, pk, write=True)
        form = FollowUpInputSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        followup = do_set_followup(actor=user_of(request), case=case, **form.validated_data)
        return Response(FollowUpSerializer(followup).data, status=status.HTTP_201_CREATED)
