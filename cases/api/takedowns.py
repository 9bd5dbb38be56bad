"""Takedown requests: /api/v1/takedowns/, and drafting them from a case."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any, cast

from django.db.models import QuerySet
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from caseflow.api import FieldsBuiltOnce, Pagination, iso_time
from caseflow.db import ValuesRead
from cases import access
from cases.actions.takedowns import do_draft_takedowns, do_edit_takedown_letter, do_transition_takedown
from cases.api.common import IdField, StrictIntegerField, StrictSerializerMixin, TextField, client_address, user_of
from cases.api.filters import TakedownFilter
from cases.api.platforms import PlatformRefSerializer
from cases.audit import log_access
from cases.models import Case, RequestChannel, TakedownItem, TakedownRequest, TakedownStatus


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


# What the list reads of each request, in the order takedown_rows writes it.
LIST_VALUES = (
    "id",
    "case_id",
    "case__reference",
    "platform_id",
    "platform__name",
    "status",
    "language",
    "channel",
    "sent_at",
    "deadline_at",
    "ticket_number",
    "acknowledged_at",
    "escalated_at",
    "closed_at",
    "created_at",
    "version",
    "token",
    "sent_to",
    "message_id",
    "mail_state",
    "mail_attempts",
    "mail_error",
)


def takedown_rows(values: Iterable[tuple[Any, ...]]) -> list[dict[str, Any]]:
    """Rows of LIST_VALUES as TakedownListSerializer writes the requests (a test holds the two equal),
    with their places in one query, without building a request, its case and its platform per row:
    those objects and the serializer were 40 % of the due list's time (bench.takedowns, cProfile)."""
    rows = [dict(zip(LIST_VALUES, row, strict=True)) for row in values]
    places: dict[int, list[int]] = defaultdict(list)
    items = TakedownItem.objects.filter(takedown_id__in=[row["id"] for row in rows])
    for request_id, sighting_id in items.values_list("takedown_id", "sighting_id"):
        places[request_id].append(sighting_id)
    zone, now = timezone.get_current_timezone(), timezone.now()
    return [
        {
            "id": row["id"],
            "case": row["case_id"],
            "case_reference": Case.format_reference(row["case__reference"]),
            "platform": {"id": row["platform_id"], "name": row["platform__name"]},
            "status": row["status"],
            "is_overdue": TakedownRequest.overdue(row["status"], row["deadline_at"], now),
            "language": row["language"],
            "channel": row["channel"],
            **{name: iso_time(row[name], zone) for name in ("sent_at", "deadline_at")},
            "ticket_number": row["ticket_number"],
            **{name: iso_time(row[name], zone) for name in ("acknowledged_at", "escalated_at", "closed_at")},
            "created_at": iso_time(row["created_at"], zone),
            "version": row["version"],
            "sightings": sorted(places[row["id"]]),
            **{name: row[name] for name in ("token", "sent_to", "message_id", "mail_state", "mail_attempts")},
            "mail_error": row["mail_error"],
        }
        for row in rows
    ]


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
        rows = access.takedowns_visible_to(self.request.user)
        if self.action == "list":
            # Read as values (takedown_rows): no letter and no victim detail, nothing to decrypt.
            return rows.order_by("-created_at", "-pk")
        return rows.select_related("platform", "case").prefetch_related("items").order_by("-created_at", "-pk")

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        return TakedownListSerializer if self.action == "list" else TakedownSerializer

    def get_object(self) -> TakedownRequest:
        return access.access_takedown(self.request.user, self.kwargs["pk"])

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        rows = self.filter_queryset(self.get_queryset())
        paginator = cast(Pagination, self.paginator)
        page = paginator.paginate_values(ValuesRead(rows, LIST_VALUES), request, view=self)
        return paginator.get_paginated_response(takedown_rows(page))

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
