"""Places where the content appears: /api/v1/cases/{id}/sightings/, bulk paste, and a place's changes."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from caseflow.api import FieldsBuiltOnce
from cases import access, selectors
from cases.actions.sightings import SightingFlags, do_add_sightings, do_update_sighting
from cases.api.common import StrictBooleanField, StrictIntegerField, StrictSerializerMixin, client_address, user_of
from cases.api.platforms import PlatformRefSerializer
from cases.audit import log_access
from cases.models import Case, ContentKind, FoundBy, Sighting, SightingState


class SightingSerializer(FieldsBuiltOnce, serializers.ModelSerializer[Sighting]):
    platform = PlatformRefSerializer(read_only=True)
    same_elsewhere = serializers.SerializerMethodField()

    class Meta:
        model = Sighting
        fields = [
            "id",
            "url",
            "host",
            "platform",
            "found_by",
            "content_kind",
            "is_synthetic",
            "exposes_personal_info",
            "state",
            "last_checked_at",
            "removed_at",
            "created_at",
            "version",
            "same_elsewhere",
        ]
        read_only_fields = fields

    def get_same_elsewhere(self, sighting: Sighting) -> list[dict[str, Any]]:
        """Other open cases of the centre with the same address, as far as the viewer may see them."""
        links: dict[int, list[dict[str, Any]]] = self.context.get("same_elsewhere", {})
        return links.get(sighting.pk, [])


class SightingFlagsSerializer(StrictSerializerMixin, serializers.Serializer[dict[str, Any]]):
    found_by = serializers.ChoiceField(choices=FoundBy.choices, required=False, default=FoundBy.COUNSELLOR)
    # Left out: guessed from each place's platform (a Telegram room is a channel, not an image).
    content_kind = serializers.ChoiceField(choices=ContentKind.choices, required=False, default="")
    is_synthetic = StrictBooleanField(required=False, default=False)
    exposes_personal_info = StrictBooleanField(required=False, default=False)


class SightingInputSerializer(SightingFlagsSerializer):
    url = serializers.CharField(max_length=4096, trim_whitespace=True)


class SightingBulkSerializer(SightingFlagsSerializer):
    """`text` (pasted lines) or `urls` (a list); at most 1,000 lines either way."""

    text = serializers.CharField(required=False, max_length=3_000_000, trim_whitespace=False)
    urls = serializers.ListField(child=serializers.CharField(allow_blank=True, trim_whitespace=False), required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("text" in attrs) == ("urls" in attrs):
            raise serializers.ValidationError({"text": [_("Send either `text` or `urls`.")]})
        return attrs


class SightingPatchSerializer(StrictSerializerMixin, serializers.Serializer[dict[str, Any]]):
    found_by = serializers.ChoiceField(choices=FoundBy.choices, required=False)
    content_kind = serializers.ChoiceField(choices=ContentKind.choices, required=False)
    is_synthetic = StrictBooleanField(required=False)
    exposes_personal_info = StrictBooleanField(required=False)
    state = serializers.ChoiceField(choices=SightingState.choices, required=False)
    # The version the writer read: two counsellors flagging one place do not overwrite each other.
    version = StrictIntegerField()


class CaseSightingsMixin(viewsets.GenericViewSet[Case]):
    """The sightings routes of the case viewset."""

    def _sighting_page(self, request: Request, case: Case, rows: list[Sighting]) -> dict[str, Any]:
        links = selectors.same_content_elsewhere(user_of(request), case, rows)
        return {"same_elsewhere": links}

    @extend_schema(methods=["GET"], summary="Places where the content appears", responses=SightingSerializer(many=True))
    @extend_schema(
        methods=["POST"], summary="Add one place", request=SightingInputSerializer, responses={201: SightingSerializer}
    )
    @action(detail=True, methods=["get", "post"], filter_backends=[], pagination_class=None)
    def sightings(self, request: Request, pk: str) -> Response:
        if request.method == "POST":
            case = access.access_case(request.user, pk, write=True)
            form = SightingInputSerializer(data=request.data)
            form.is_valid(raise_exception=True)
            data = dict(form.validated_data)
            url = data.pop("url")
            results = do_add_sightings(actor=user_of(request), case=case, lines=[url], flags=SightingFlags(**data))
            result = results[0] if results else None
            if result is None or result.status == "rejected":
                message = result.error if result is not None else _("Enter an address.")
                return Response({"url": [message]}, status=status.HTTP_400_BAD_REQUEST)
            if result.status == "duplicate":
                return Response(
                    {
                        "url": [_("This address is already recorded for this case.")],
                        "duplicate_of": result.duplicate_of,
                    },
                    status=status.HTTP_409_CONFLICT,
                )
            assert result.sighting is not None  # noqa: S101 - "created" always carries the row
            sighting = case.sightings.select_related("platform").get(pk=result.sighting.pk)
            context = self._sighting_page(request, case, [sighting])
            return Response(SightingSerializer(sighting, context=context).data, status=status.HTTP_201_CREATED)
        case = access.access_case(request.user, pk)
        log_access(user=user_of(request), case=case, ip_address=client_address(request))
        rows = list(case.sightings.select_related("platform").order_by("pk"))
        return Response(SightingSerializer(rows, many=True, context=self._sighting_page(request, case, rows)).data)

    @extend_schema(
        summary="Add up to 1,000 places at once; every line is answered",
        request=SightingBulkSerializer,
        responses={200: OpenApiResponse(description="`results`: one entry per non-blank line.")},
    )
    @action(detail=True, methods=["post"], url_path="sightings/bulk")
    def sightings_bulk(self, request: Request, pk: str) -> Response:
        case = access.access_case(request.user, pk, write=True)
        form = SightingBulkSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        lines = data.pop("urls") if "urls" in data else data.pop("text").splitlines()
        results = do_add_sightings(actor=user_of(request), case=case, lines=lines, flags=SightingFlags(**data))
        body = [
            {
                "line": r.line,
                "status": r.status,
                **({"url": r.url} if r.url else {}),
                **({"sighting": r.sighting.pk} if r.sighting is not None else {}),
                **({"duplicate_of": r.duplicate_of} if r.duplicate_of is not None else {}),
                **({"error": r.error, "code": r.code} if r.status == "rejected" else {}),
            }
            for r in results
        ]
        counts = {kind: sum(1 for r in results if r.status == kind) for kind in ("created", "duplicate", "rejected")}
        return Response({**counts, "results": body})

    @extend_schema(
        summary="Change a place's flags or state", request=SightingPatchSerializer, responses=SightingSerializer
    )
    @action(detail=True, methods=["patch"], url_path=r"sightings/(?P<sighting_id>[0-9]+)")
    def sighting_detail(self, request: Request, pk: str, sighting_id: str) -> Response:
        case = access.access_case(request.user, pk, write=True)
        sighting = case.sightings.filter(pk=int(sighting_id)).first() if len(sighting_id) < 19 else None
        if sighting is None:
            raise Http404
        form = SightingPatchSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        changes = dict(form.validated_data)
        version = changes.pop("version")
        sighting = do_update_sighting(
            actor=user_of(request), case=case, sighting=sighting, changes=changes, version=version
        )
        sighting = case.sightings.select_related("platform").get(pk=sighting.pk)
        return Response(SightingSerializer(sighting, context=self._sighting_page(request, case, [sighting])).data)
