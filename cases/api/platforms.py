"""The platform directory: staff read it, administrators maintain it."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from caseflow.api import FieldsBuiltOnce
from cases.actions.errors import stale
from cases.api.common import StrictIntegerField
from cases.models import Platform, PlatformDomain
from cases.validators import validate_single_line


class PlatformSerializer(serializers.ModelSerializer[Platform]):
    # Written as a list, read back from PlatformDomain rows (to_representation).
    domains = serializers.ListField(
        child=serializers.CharField(max_length=253, validators=[validate_single_line]),
        min_length=0,
        max_length=50,
        write_only=True,
    )
    # Liveness: what "removed" looks like on this platform (HTTP statuses; empty means 404 and 410).
    removed_statuses = serializers.ListField(
        child=StrictIntegerField(min_value=100, max_value=599), max_length=20, required=False
    )
    check_interval_hours = StrictIntegerField(min_value=1, max_value=24 * 30, required=False)
    # A change names the version it was based on (two administrators editing one platform).
    version = StrictIntegerField(write_only=True, required=False)

    class Meta:
        model = Platform
        fields = [
            "id",
            "name",
            "kind",
            "domains",
            "country",
            "channel",
            "contact",
            "response_hours",
            "request_language",
            "evidence_required",
            "regulator_escalation",
            "ticket_pattern",
            "check_interval_hours",
            "removed_statuses",
            "removed_marker",
            "is_fallback",
            "version",
        ]
        read_only_fields = ["id", "is_fallback"]

    def to_representation(self, instance: Platform) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["domains"] = sorted(d.domain for d in instance.domains.all())
        data["version"] = instance.version
        return data

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is not None and "version" not in attrs:
            raise serializers.ValidationError({"version": [_("This field is required.")]})
        return attrs

    def validate_domains(self, value: list[str]) -> list[str]:
        cleaned = sorted({d.strip().lower().rstrip(".") for d in value if d.strip()})
        taken = PlatformDomain.objects.filter(domain__in=cleaned)
        if self.instance is not None:
            taken = taken.exclude(platform=self.instance)
        clash = list(taken.values_list("domain", flat=True))
        if clash:
            raise serializers.ValidationError(
                _("Already the domain of another platform: %(domains)s") % {"domains": ", ".join(clash)}
            )
        return cleaned

    def _save_domains(self, platform: Platform, domains: list[str] | None) -> None:
        if domains is None:
            return
        platform.domains.exclude(domain__in=domains).delete()
        existing = set(platform.domains.values_list("domain", flat=True))
        PlatformDomain.objects.bulk_create(
            [PlatformDomain(platform=platform, domain=d) for d in domains if d not in existing]
        )

    def create(self, validated_data: dict[str, Any]) -> Platform:
        validated_data.pop("version", None)
        domains = validated_data.pop("domains", [])
        platform = super().create(validated_data)
        self._save_domains(platform, domains)
        return platform

    @transaction.atomic
    def update(self, instance: Platform, validated_data: dict[str, Any]) -> Platform:
        version = validated_data.pop("version")
        locked = Platform.objects.select_for_update().get(pk=instance.pk)
        if locked.version != version:
            raise stale(locked.version, version)
        domains = validated_data.pop("domains", None)
        validated_data["version"] = locked.version + 1
        platform = super().update(locked, validated_data)
        self._save_domains(platform, domains)
        return platform


class PlatformRefSerializer(FieldsBuiltOnce, serializers.ModelSerializer[Platform]):
    class Meta:
        model = Platform
        fields = ["id", "name"]
        read_only_fields = fields


class IsAdministratorOrReadOnly(BasePermission):
    """Staff read the platform directory; administrators maintain it."""

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not user.is_authenticated:
            return False
        return request.method in SAFE_METHODS or bool(getattr(user, "is_admin", False))


@extend_schema_view(
    list=extend_schema(summary="The platform directory"),
    create=extend_schema(summary="Add a platform (administrators)"),
    partial_update=extend_schema(summary="Change a platform (administrators)"),
)
class PlatformViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet[Platform],
):
    serializer_class = PlatformSerializer
    permission_classes = [IsAdministratorOrReadOnly]
    http_method_names = ["get", "post", "patch", "head", "options"]
    queryset = Platform.objects.prefetch_related("domains").order_by("name")
    pagination_class = None
    lookup_value_regex = "[0-9]+"
