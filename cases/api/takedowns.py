"""Takedown requests: /api/v1/takedowns/, and drafting them from a case."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from caseflow.api import FieldsBuiltOnce
from cases import access
from cases.actions.takedowns import do_draft_takedowns, do_edit_takedown_letter, do_transition_takedown
from cases.api.common import IdField, StrictIntegerField, StrictSerializerMixin, TextField, client_address, user_of
from cases.api.filters import TakedownFilter
from cases.api.platforms import PlatformRefSerializer
from cases.audit import log_access
from cases.models import PRIVATE_FIELDS, Case, RequestChannel, TakedownRequest, TakedownStatus

LETTER_FIELDS = ["subject", "body", "sent_subject", "sent_body"]
CASE_PRIVATE_FIELDS = [f"case__{name}" for name in sorted(PRIVATE_FIELDS)]


class TakedownSerializer(FieldsBuiltOnce, serializers.ModelSerializer[TakedownRequest]):
    platform = PlatformRefSerializer(read_only=True)
    case_reference = serializers.CharField(source="case.display_reference", read_only=True)
    sightings = serializers.SerializerMethodField()
    is_overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = TakedownRequest
        fields = [
            "id",
            "case",
            "case_reference",
            "platform",
            "status",
            "is_overdue",
            "language",
            "subject",
            "body",
            "sent_subject",
            "sent_body",
            "channel",
            "sent_at",
            "deadline_at",
            "ticket_number",
            "acknowledged_at",
            "escalated_at",
            "closed_at",
            "created_at",
            "version",
            "sightings",
            "token",
            "sent_to",
            "message_id",
            "mail_state",
            "mail_attempts",
            "mail_error",
        ]
        read_only_fields = fields

    def get_sightings(self, takedown: TakedownRequest) -> list[int]:
        return sorted(item.sighting_id for item in takedown.items.all())


class TakedownListSerializer(TakedownSerializer):
    class Meta(TakedownSerializer.Meta):
        fields = [
            f for f in TakedownSerializer.Meta.fields if f not in {"subject", "body", "sent_subject", "sent_body"}
        ]
        read_only_fields = fields


class TakedownLetterSerializer(StrictSerializerMixin, serializers.Serializer[dict[str, Any]]):
    subject = TextField(max_length=300)
    body = TextField(multiline=True, max_length=100_000)
    version = StrictIntegerField()


class TakedownTransitionSerializer(StrictSerializerMixin, serializers.Serializer[dict[str, Any]]):
    status = serializers.ChoiceField(choices=TakedownStatus.choices)
    version = StrictIntegerField()
    channel = serializers.ChoiceField(choices=RequestChannel.choices, required=False, default="")
    ticket_number = TextField(max_length=200, required=False, allow_blank=True, default="")
    removed_sightings = serializers.ListField(child=IdField(), required=False, max_length=1000)
    note = TextField(multiline=True, max_length=500, required=False, allow_blank=True, default="")


class CaseTakedownsMixin(viewsets.GenericViewSet[Case]):
    """The draft-takedowns route of the case viewset."""

    @extend_schema(
        summary="Draft one takedown request per platform for the places still online",
        request=None,
        responses={201: TakedownSerializer(many=True)},
    )
    @action(detail=True, methods=["post"], url_path="draft-takedowns", filter_backends=[], pagination_class=None)
    def draft_takedowns(self, request: Request, pk: str) -> Response:
        case = access.access_case(request.user, pk, write=True)
        drafts = do_draft_takedowns(actor=user_of(request), case=case)
        rows = (
            TakedownRequest.objects.filter(pk__in=[d.pk for d in drafts])
            .select_related("platform", "case")
            .prefetch_related("items")
            .order_by("pk")
        )
        return Response(TakedownSerializer(rows, many=True).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="Takedown requests of the cases I may see", responses=TakedownListSerializer(many=True)),
    retrieve=extend_schema(summary="One takedown request with its letter", responses=TakedownSerializer),
    partial_update=extend_schema(
        summary="Edit a draft's letter", request=TakedownLetterSerializer, responses=TakedownSerializer
    ),
)
class TakedownViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet[TakedownRequest]
):
    filter_backends = [DjangoFilterBackend]
    filterset_class = TakedownFilter
    http_method_names = ["get", "post", "patch", "head", "options"]
    lookup_value_regex = "[0-9]+"

    def get_queryset(self) -> QuerySet[TakedownRequest]:
        if getattr(self, "swagger_fake_view", False):
            return TakedownRequest.objects.none()
        rows = access.takedowns_visible_to(self.request.user).select_related("platform", "case")
        if self.action == "list":
            # The list shows no letter and no victim detail: nothing to load or decrypt.
            rows = rows.defer(*LETTER_FIELDS, *CASE_PRIVATE_FIELDS)
        return rows.prefetch_related("items").order_by("-created_at", "-pk")

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        return TakedownListSerializer if self.action == "list" else TakedownSerializer

    def get_object(self) -> TakedownRequest:
        return access.access_takedown(self.request.user, self.kwargs["pk"])

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        takedown = self.get_object()
        # The letter names the content's addresses: reading it is logged against the case.
        log_access(user=user_of(request), case=takedown.case, ip_address=client_address(request))
        return Response(TakedownSerializer(takedown).data)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.http_method_not_allowed(request)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        takedown = access.access_takedown(request.user, kwargs["pk"], write=True)
        form = TakedownLetterSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        do_edit_takedown_letter(actor=user_of(request), case=takedown.case, takedown=takedown, **form.validated_data)
        return Response(TakedownSerializer(self.get_object()).data)

    @extend_schema(
        summary="Send, acknowledge, escalate, or record the platform's answer",
        request=TakedownTransitionSerializer,
        responses={200: TakedownSerializer, 400: OpenApiResponse(description="Illegal move; names both states.")},
    )
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, pk: str) -> Response:
        takedown = access.access_takedown(request.user, pk, write=True)
        form = TakedownTransitionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        do_transition_takedown(
            actor=user_of(request),
            case=takedown.case,
            takedown=takedown,
            ip_address=client_address(request),
            **form.validated_data,
        )
        return Response(TakedownSerializer(self.get_object()).data)
