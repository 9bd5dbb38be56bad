"""Referrals: the centre's partner directory (/api/v1/partners/), a case's referrals
(/api/v1/cases/{id}/referrals/) and each referral's moves (/api/v1/referrals/{id}/transition/)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from cases import access
from cases.actions.errors import stale
from cases.actions.referrals import do_propose_referral, do_transition_referral
from cases.api.common import (
    IdField,
    StrictIntegerField,
    StrictSerializerMixin,
    TextField,
    client_address,
    paginated,
    user_of,
)
from cases.audit import log_access
from cases.models import Case, Partner, Referral, ReferralStatus, SharedItem


class PartnerSerializer(StrictSerializerMixin, serializers.ModelSerializer[Partner]):
    name = TextField(max_length=200)
    contact = TextField(max_length=500)
    requirements = TextField(multiline=True, max_length=5000, required=False, allow_blank=True)
    # A change names the version it was based on (two administrators editing one entry).
    version = StrictIntegerField(required=False)

    class Meta:
        model = Partner
        fields = ["id", "name", "kind", "channel", "contact", "requirements", "is_active", "version"]
        read_only_fields = ["id"]

    def to_representation(self, instance: Partner) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["version"] = instance.version
        return data

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is not None and "version" not in attrs:
            raise serializers.ValidationError({"version": [_("This field is required.")]})
        return attrs

    def validate_name(self, value: str) -> str:
        centre_id = self.context["centre_id"]
        taken = Partner.objects.filter(centre_id=centre_id, name=value)
        if self.instance is not None:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise serializers.ValidationError(_("Your centre's directory already has a partner of this name."))
        return value

    def create(self, validated_data: dict[str, Any]) -> Partner:
        validated_data.pop("version", None)
        return Partner.objects.create(centre_id=self.context["centre_id"], **validated_data)

    @transaction.atomic
    def update(self, instance: Partner, validated_data: dict[str, Any]) -> Partner:
        version = validated_data.pop("version")
        locked = Partner.objects.select_for_update().get(pk=instance.pk)
        if locked.version != version:
            raise stale(locked.version, version)
        for name, value in validated_data.items():
            setattr(locked, name, value)
        locked.version += 1
        locked.save(update_fields=[*validated_data, "version"])
        return locked


class IsAdministratorOrReadOnly(BasePermission):
    """Staff read their centre's directory; its administrators maintain it. A change to one entry is
    refused after the entry is looked up, so that another centre's entry is a 404 like a missing one."""

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not user.is_authenticated:
            return False
        if request.method in SAFE_METHODS or getattr(view, "action", None) == "partial_update":
            return True
        return bool(getattr(user, "is_admin", False))

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        return request.method in SAFE_METHODS or bool(getattr(request.user, "is_admin", False))


@extend_schema_view(
    list=extend_schema(summary="The partner directory of my centre"),
    create=extend_schema(summary="Add a partner (administrators)"),
    partial_update=extend_schema(summary="Change a partner (administrators)"),
)
class PartnerViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet[Partner],
):
    serializer_class = PartnerSerializer
    permission_classes = [IsAdministratorOrReadOnly]
    http_method_names = ["get", "post", "patch", "head", "options"]
    pagination_class = None
    lookup_value_regex = "[0-9]+"

    def get_queryset(self) -> QuerySet[Partner]:
        if getattr(self, "swagger_fake_view", False):
            return Partner.objects.none()
        return access.partners_visible_to(self.request.user).order_by("kind", "name")

    def get_serializer_context(self) -> dict[str, Any]:
        context = dict(super().get_serializer_context())
        if not getattr(self, "swagger_fake_view", False) and self.request.user.is_authenticated:
            context["centre_id"] = user_of(self.request).centre_id
        return context

    def get_object(self) -> Partner:
        # Another centre's entry and one that does not exist are the same 404.
        try:
            partner = self.get_queryset().get(pk=access.parse_id(self.kwargs["pk"]))
        except Partner.DoesNotExist:
            raise Http404 from None
        self.check_object_permissions(self.request, partner)
        return partner

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not kwargs.get("partial"):
            return self.http_method_not_allowed(request)
        return super().update(request, *args, **kwargs)


class PartnerRefSerializer(serializers.ModelSerializer[Partner]):
    class Meta:
        model = Partner
        fields = ["id", "name", "kind"]
        read_only_fields = fields


class ReferralSerializer(serializers.ModelSerializer[Referral]):
    partner = PartnerRefSerializer(read_only=True)
    case_reference = serializers.CharField(source="case.display_reference", read_only=True)

    class Meta:
        model = Referral
        fields = [
            "id",
            "case",
            "case_reference",
            "partner",
            "kind",
            "status",
            "reason",
            "shared_items",
            "no_contact_reason",
            "outcome_note",
            "takedown",
            "created_at",
            "consented_at",
            "sent_at",
            "answered_at",
            "completed_at",
            "version",
        ]
        read_only_fields = fields


class ReferralInputSerializer(StrictSerializerMixin, serializers.Serializer[dict[str, Any]]):
    partner = IdField()
    reason = TextField(multiline=True, max_length=2000)
    shared_items = serializers.ListField(
        child=serializers.ChoiceField(choices=SharedItem.choices), max_length=len(SharedItem.values)
    )
    no_contact_reason = TextField(multiline=True, max_length=2000, required=False, allow_blank=True, default="")

    def validate_partner(self, value: int) -> Partner:
        try:
            return access.partners_visible_to(self.context["user"]).get(pk=value, is_active=True)
        except Partner.DoesNotExist:
            raise serializers.ValidationError(_("Choose a partner from your centre's directory.")) from None


class ReferralTransitionSerializer(StrictSerializerMixin, serializers.Serializer[dict[str, Any]]):
    status = serializers.ChoiceField(choices=ReferralStatus.choices)
    version = StrictIntegerField()
    note = TextField(multiline=True, max_length=2000, required=False, allow_blank=True, default="")


class CaseReferralsMixin(viewsets.GenericViewSet[Case]):
    """The referrals route of the case viewset."""

    @extend_schema(methods=["GET"], summary="Referrals of a case", responses=ReferralSerializer(many=True))
    @extend_schema(
        methods=["POST"],
        summary="Propose a referral to a partner, sharing the items chosen",
        request=ReferralInputSerializer,
        responses={201: ReferralSerializer, 403: OpenApiResponse(description="No consent to share with the police.")},
    )
    @action(detail=True, methods=["get", "post"], filter_backends=[])
    def referrals(self, request: Request, pk: str) -> Response:
        if request.method == "POST":
            case = access.access_case(request.user, pk, write=True)
            form = ReferralInputSerializer(data=request.data, context={"user": request.user})
            form.is_valid(raise_exception=True)
            referral = do_propose_referral(actor=user_of(request), case=case, **form.validated_data)
            referral = Referral.objects.select_related("partner", "case").get(pk=referral.pk)
            return Response(ReferralSerializer(referral).data, status=status.HTTP_201_CREATED)
        case = access.access_case(request.user, pk)
        # Reasons and outcomes are what a counsellor wrote about the victim: reading them is logged.
        log_access(user=user_of(request), case=case, ip_address=client_address(request))
        rows = case.referrals.select_related("partner", "case").order_by("-created_at", "-pk")
        return paginated(self, request, rows, ReferralSerializer)


@extend_schema_view(
    list=extend_schema(summary="Referrals of the cases I may see"),
    retrieve=extend_schema(summary="One referral"),
)
class ReferralViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Referral]):
    serializer_class = ReferralSerializer
    lookup_value_regex = "[0-9]+"

    def get_queryset(self) -> QuerySet[Referral]:
        if getattr(self, "swagger_fake_view", False):
            return Referral.objects.none()
        rows = access.referrals_visible_to(self.request.user).select_related("partner", "case")
        if self.action == "list":
            # No free text on the list: nothing about the victim to decrypt or to log.
            return rows.defer("reason", "no_contact_reason", "outcome_note", "attachment").order_by(
                "-created_at", "-pk"
            )
        return rows

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return paginated(self, request, self.get_queryset(), ReferralListSerializer)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        referral = access.access_referral(request.user, kwargs["pk"])
        log_access(user=user_of(request), case=referral.case, ip_address=client_address(request))
        return Response(ReferralSerializer(referral).data)

    @extend_schema(
        summary="Consent given, sent, accepted, declined, or completed",
        request=ReferralTransitionSerializer,
        responses={200: ReferralSerializer, 400: OpenApiResponse(description="Illegal move; names both states.")},
    )
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, pk: str) -> Response:
        referral = access.access_referral(request.user, pk, write=True)
        form = ReferralTransitionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        do_transition_referral(
            actor=user_of(request),
            case=referral.case,
            referral=referral,
            ip_address=client_address(request),
            **form.validated_data,
        )
        return Response(ReferralSerializer(access.access_referral(request.user, pk)).data)


class ReferralListSerializer(ReferralSerializer):
    class Meta(ReferralSerializer.Meta):
        fields = [f for f in ReferralSerializer.Meta.fields if f not in {"reason", "no_contact_reason", "outcome_note"}]
        read_only_fields = fields
