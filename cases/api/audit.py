"""The audit trail of a case and the centre's access log, read-only."""

from __future__ import annotations

from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from cases import access
from cases.api.common import UserRefSerializer, client_address, paginated, user_of
from cases.api.filters import AccessLogFilter
from cases.audit import log_access
from cases.models import AccessLog, Case, CaseEvent


class CaseEventSerializer(serializers.ModelSerializer[CaseEvent]):
    actor = UserRefSerializer(read_only=True)

    class Meta:
        model = CaseEvent
        fields = ["id", "kind", "actor_kind", "actor", "old", "new", "reason", "created_at"]
        read_only_fields = fields


class AccessLogSerializer(serializers.ModelSerializer[AccessLog]):
    user = UserRefSerializer(read_only=True)
    # Kept with the row, so that a purged case's reads still say which case was read.
    case_reference = serializers.CharField(source="display_case_reference", read_only=True, default=None)

    class Meta:
        model = AccessLog
        fields = ["id", "case", "case_reference", "user", "action", "detail", "ip_address", "created_at"]
        read_only_fields = fields


class CaseEventsMixin(viewsets.GenericViewSet[Case]):
    """The events route of the case viewset."""

    @extend_schema(summary="Every change to a case, oldest first", responses=CaseEventSerializer(many=True))
    @action(detail=True, methods=["get"], filter_backends=[])
    def events(self, request: Request, pk: str) -> Response:
        case = access.access_case(request.user, pk)
        log_access(user=user_of(request), case=case, ip_address=client_address(request))
        events = case.events.select_related("actor").order_by("created_at", "pk")
        return paginated(self, request, events, CaseEventSerializer)


@extend_schema_view(list=extend_schema(summary="Who opened which case, when, from where (supervisors)"))
class AccessLogViewSet(mixins.ListModelMixin, viewsets.GenericViewSet[AccessLog]):
    serializer_class = AccessLogSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = AccessLogFilter

    def get_queryset(self) -> QuerySet[AccessLog]:
        if getattr(self, "swagger_fake_view", False):
            return AccessLog.objects.none()
        return access.access_log_visible_to(self.request.user).select_related("user").order_by("-created_at", "-pk")
