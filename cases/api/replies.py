"""Platforms' replies: /api/v1/replies/ (a supervisor's centre, a counsellor's matched ones), one reply,
and what is done with it: confirm its outcome, dismiss it, attach it to a request."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from cases import access
from cases.actions.replies import do_attach_reply, do_confirm_reply, do_dismiss_reply
from cases.api.common import StrictIntegerField, StrictSerializerMixin, TextField, client_address, user_of
from cases.audit import log_access
from cases.models import REPLY_OUTCOMES, PlatformReply


class ReplyListSerializer(serializers.ModelSerializer[PlatformReply]):
    class Meta:
        model = PlatformReply
        fields = [
            "id",
            "takedown",
            "status",
            "flags",
            "received_at",
            "ticket_number",
            "suggested_status",
            "attachments",
            "size",
        ]
        read_only_fields = fields


class ReplySerializer(ReplyListSerializer):
    class Meta(ReplyListSerializer.Meta):
        fields = [*ReplyListSerializer.Meta.fields, "from_address", "subject", "text"]
        read_only_fields = fields


class ConfirmSerializer(StrictSerializerMixin, serializers.Serializer[dict[str, Any]]):
    status = serializers.ChoiceField(choices=[(s.value, s.label) for s in REPLY_OUTCOMES])
    version = StrictIntegerField()


class AttachSerializer(StrictSerializerMixin, serializers.Serializer[dict[str, Any]]):
    token = TextField(max_length=20)


@extend_schema_view(
    list=extend_schema(summary="Replies of platforms I may read (supervisors: the centre's, the queue too)"),
    retrieve=extend_schema(summary="One reply with its text"),
)
class ReplyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[PlatformReply]):
    serializer_class = ReplyListSerializer
    lookup_value_regex = "[0-9]+"

    def get_queryset(self) -> QuerySet[PlatformReply]:
        if getattr(self, "swagger_fake_view", False):
            return PlatformReply.objects.none()
        # The list shows no sender, subject or text: nothing to decrypt.
        return (
            access.replies_visible_to(self.request.user)
            .defer("from_address", "subject", "text")
            .order_by("-received_at", "-pk")
        )

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        reply = access.access_reply(request.user, kwargs["pk"])
        case = reply.takedown.case if reply.takedown is not None else None
        log_access(user=user_of(request), case=case, ip_address=client_address(request))
        return Response(ReplySerializer(reply).data)

    @extend_schema(
        summary="Confirm the outcome of a matched reply", request=ConfirmSerializer, responses=ReplySerializer
    )
    @action(detail=True, methods=["post"])
    def confirm(self, request: Request, pk: str) -> Response:
        reply = access.access_reply(request.user, pk)
        form = ConfirmSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        do_confirm_reply(actor=user_of(request), reply=reply, ip_address=client_address(request), **form.validated_data)
        return Response(ReplySerializer(access.access_reply(request.user, pk)).data)

    @extend_schema(summary="Dismiss a queued reply (supervisors)", request=None, responses=ReplySerializer)
    @action(detail=True, methods=["post"])
    def dismiss(self, request: Request, pk: str) -> Response:
        reply = access.access_reply(request.user, pk)
        do_dismiss_reply(actor=user_of(request), reply=reply)
        return Response(ReplySerializer(access.access_reply(request.user, pk)).data)

    @extend_schema(
        summary="Attach a queued reply to a request (supervisors)", request=AttachSerializer, responses=ReplySerializer
    )
    @action(detail=True, methods=["post"])
    def attach(self, request: Request, pk: str) -> Response:
        reply = access.access_reply(request.user, pk)
        form = AttachSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        do_attach_reply(actor=user_of(request), reply=reply, **form.validated_data)
        return Response(ReplySerializer(access.access_reply(request.user, pk)).data)
