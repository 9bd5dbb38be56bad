"""A minor's guardian: GET and PATCH /api/v1/cases/{id}/guardian/ (the case page's guardian form).

Read and written by those who may change the case only, as on the page: the guardian may be the person
who hurt her, and these are the details that reach them. An adult's case has no guardian route (404)."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import Language
from caseflow.api import FieldsBuiltOnce
from cases import access
from cases.actions.guardians import GUARDIAN_FIELDS, do_set_guardian
from cases.api.common import (
    BoundedDateTimeField,
    PhoneField,
    StrictBooleanField,
    StrictIntegerField,
    StrictSerializerMixin,
    TextField,
    UserRefSerializer,
    client_address,
    user_of,
)
from cases.audit import log_access
from cases.models import Case, ConsentMethod, ContactChannel, Guardian


class GuardianInputSerializer(StrictSerializerMixin, serializers.Serializer[dict[str, Any]]):
    """What is recorded about the guardian: the fields sent change, the others stay; `version` is the
    guardian's as last read (0 to record the first). A stale version is a 409."""

    name = TextField(max_length=200)
    relationship = TextField(max_length=100, allow_blank=True)
    contact_email = serializers.EmailField(max_length=254, allow_blank=True)
    contact_phone = PhoneField(max_length=30, allow_blank=True)
    preferred_language = serializers.ChoiceField(choices=Language.choices)
    safe_to_contact = StrictBooleanField()
    contact_channel = serializers.ChoiceField(choices=ContactChannel.choices)
    quiet_start = serializers.TimeField(allow_null=True)
    quiet_end = serializers.TimeField(allow_null=True)
    consent_given_by = TextField(max_length=200, allow_blank=True)
    consent_given_at = BoundedDateTimeField(allow_null=True)
    consent_method = serializers.ChoiceField(choices=[("", "—"), *ConsentMethod.choices], allow_blank=True)
    version = StrictIntegerField(min_value=0, max_value=2**31 - 1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["partial"] = True
        super().__init__(*args, **kwargs)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "version" not in attrs:
            raise serializers.ValidationError({"version": [_("This field is required.")]})
        return attrs

    def validate_contact_email(self, value: str) -> str:
        return value.strip().lower()


class GuardianSerializer(FieldsBuiltOnce, serializers.ModelSerializer[Guardian]):
    """The guardian of a minor victim, as recorded (names and addresses stored encrypted). Never
    contacted unless `safe_to_contact`; then by `contact_channel`, outside the quiet hours."""

    updated_by = UserRefSerializer(read_only=True)

    class Meta:
        model = Guardian
        fields = [*GUARDIAN_FIELDS, "updated_by", "updated_at", "version"]
        read_only_fields = fields


def _minors_case(request: Request, pk: str) -> Case:
    case = access.access_case(request.user, pk, write=True)
    if not case.is_minor:
        raise Http404  # an adult's case has no guardian, as the page says
    return case


class CaseGuardianMixin(viewsets.GenericViewSet[Case]):
    """The guardian route of the case viewset."""

    @extend_schema(methods=["GET"], summary="The guardian of a minor's case", responses=GuardianSerializer)
    @extend_schema(
        methods=["PATCH"],
        summary="Record or change the guardian (version 0 records the first)",
        request=GuardianInputSerializer,
        responses={200: GuardianSerializer, 201: GuardianSerializer},
    )
    @action(detail=True, methods=["get", "patch"], filter_backends=[])
    def guardian(self, request: Request, pk: str) -> Response:
        case = _minors_case(request, pk)
        if request.method == "PATCH":
            form = GuardianInputSerializer(data=request.data)
            form.is_valid(raise_exception=True)
            details = dict(form.validated_data)
            version = details.pop("version")
            do_set_guardian(actor=user_of(request), case=case, version=version, details=details)
            saved = Guardian.objects.select_related("updated_by").get(case=case)
            # Version 0 records the first guardian (with one recorded, it is a stale version: 409).
            return Response(
                GuardianSerializer(saved).data, status=status.HTTP_201_CREATED if version == 0 else status.HTTP_200_OK
            )
        log_access(user=user_of(request), case=case, ip_address=client_address(request))
        guardian = Guardian.objects.select_related("updated_by").filter(case=case).first()
        if guardian is None:
            raise Http404(_("No guardian is recorded on this case yet."))
        return Response(GuardianSerializer(guardian).data)
