"""Serializers of the cases API: explicit fields, separate input and output where they differ."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.models import User
from cases.models import (
    AccessLog,
    Case,
    CaseEvent,
    HarmType,
    Language,
    Note,
    NoteKind,
    NoteVisibility,
    Priority,
    Status,
)
from cases.validators import validate_multiline, validate_phone, validate_single_line


class StrictSerializerMixin:
    """Refuses fields the endpoint does not know, so a typo is a 400, not silently ignored."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            known = {name for name, field in self.fields.items() if not field.read_only}  # type: ignore[attr-defined]
            unknown = sorted(set(data) - known)
            if unknown:
                raise serializers.ValidationError({name: [_("Unknown field.")] for name in unknown})
        return super().to_internal_value(data)  # type: ignore[misc]


class StrictBooleanField(serializers.BooleanField):
    """Only JSON true and false: "yes", 1 or "0" are type errors, not guesses."""

    default_error_messages = {"invalid": _("Must be true or false.")}

    def to_internal_value(self, data: Any) -> bool:
        if data is True or data is False:
            return data
        self.fail("invalid")
        raise AssertionError  # unreachable: fail() raises


class TextField(serializers.CharField):
    """Text without control characters; `multiline` allows tabs and line breaks."""

    def __init__(self, *, multiline: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("validators", []).append(validate_multiline if multiline else validate_single_line)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class PhoneField(TextField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("validators", []).append(validate_phone)
        super().__init__(**kwargs)


class ConsentsSerializer(StrictSerializerMixin, serializers.Serializer[dict[str, bool]]):
    contact = StrictBooleanField(required=False, default=False)
    share_with_police = StrictBooleanField(required=False, default=False)
    hash_matching = StrictBooleanField(required=False, default=False)


class CaseInputSerializer(StrictSerializerMixin, serializers.Serializer[dict[str, Any]]):
    """What a counsellor sends to open or change a case."""

    victim_name = TextField(max_length=200)
    contact_email = serializers.EmailField(max_length=254, required=False, allow_blank=True, default="")
    contact_phone = PhoneField(max_length=30, required=False, allow_blank=True, default="")
    safe_contact_notes = TextField(multiline=True, max_length=2000, required=False, allow_blank=True, default="")
    preferred_language = serializers.ChoiceField(choices=Language.choices, required=False, default=Language.KOREAN)
    is_minor = StrictBooleanField(required=False, default=False)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False, default=Priority.NORMAL)
    harm_types = serializers.ListField(
        child=serializers.ChoiceField(choices=HarmType.choices), required=False, default=list, max_length=5
    )
    summary = TextField(multiline=True, max_length=20_000, required=False, allow_blank=True, default="")
    consents = ConsentsSerializer(required=False)

    def validate_contact_email(self, value: str) -> str:
        return value.strip().lower()


class CasePatchSerializer(CaseInputSerializer):
    """PATCH: every field optional, `version` required."""

    version = serializers.IntegerField(min_value=1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["partial"] = True
        super().__init__(*args, **kwargs)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "version" not in attrs:
            raise serializers.ValidationError({"version": [_("This field is required.")]})
        return attrs


class UserRefSerializer(serializers.ModelSerializer[User]):
    class Meta:
        model = User
        fields = ["id", "full_name"]
        read_only_fields = fields


class DuplicateSerializer(serializers.ModelSerializer[Case]):
    reference = serializers.CharField(source="display_reference")

    class Meta:
        model = Case
        fields = ["id", "reference", "status"]
        read_only_fields = fields


class CaseListSerializer(serializers.ModelSerializer[Case]):
    reference = serializers.CharField(source="display_reference", read_only=True)
    assigned_to = UserRefSerializer(read_only=True)

    class Meta:
        model = Case
        fields = [
            "id",
            "reference",
            "status",
            "priority",
            "is_minor",
            "victim_name",
            "assigned_to",
            "created_at",
            "updated_at",
            "version",
        ]
        read_only_fields = fields


class CaseSerializer(serializers.ModelSerializer[Case]):
    reference = serializers.CharField(source="display_reference", read_only=True)
    assigned_to = UserRefSerializer(read_only=True)
    created_by = UserRefSerializer(read_only=True)
    consents = serializers.DictField(child=serializers.BooleanField(), read_only=True)
    allowed_transitions = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = [
            "id",
            "reference",
            "status",
            "priority",
            "is_minor",
            "harm_types",
            "summary",
            "victim_name",
            "contact_email",
            "contact_phone",
            "safe_contact_notes",
            "preferred_language",
            "consents",
            "assigned_to",
            "created_by",
            "created_at",
            "updated_at",
            "closed_at",
            "retention_until",
            "version",
            "allowed_transitions",
        ]
        read_only_fields = fields

    def get_allowed_transitions(self, case: Case) -> list[str]:
        from cases.actions import legal_transitions

        request = self.context.get("request")
        return legal_transitions(request.user, case) if request is not None else []


class CaseCreatedSerializer(CaseSerializer):
    """The new case, with open cases of the centre that share its phone or e-mail."""

    possible_duplicates = DuplicateSerializer(many=True, read_only=True, source="_possible_duplicates")
    possible_duplicates_hidden = serializers.IntegerField(read_only=True, source="_possible_duplicates_hidden")

    class Meta(CaseSerializer.Meta):
        fields = [*CaseSerializer.Meta.fields, "possible_duplicates", "possible_duplicates_hidden"]
        read_only_fields = fields


class TransitionSerializer(StrictSerializerMixin, serializers.Serializer[dict[str, Any]]):
    status = serializers.ChoiceField(choices=Status.choices)
    reason = TextField(multiline=True, max_length=500, required=False, allow_blank=True, default="")
    version = serializers.IntegerField(min_value=1, required=False)


class AssignSerializer(StrictSerializerMixin, serializers.Serializer[dict[str, Any]]):
    assigned_to = serializers.IntegerField(min_value=1, allow_null=True)
    version = serializers.IntegerField(min_value=1, required=False)


class NoteInputSerializer(StrictSerializerMixin, serializers.Serializer[dict[str, Any]]):
    body = TextField(multiline=True, max_length=20_000)
    visibility = serializers.ChoiceField(
        choices=NoteVisibility.choices, required=False, default=NoteVisibility.INTERNAL
    )
    kind = serializers.ChoiceField(choices=NoteKind.choices, required=False, default=NoteKind.SESSION)


class NoteSerializer(serializers.ModelSerializer[Note]):
    author = UserRefSerializer(read_only=True)

    class Meta:
        model = Note
        fields = ["id", "kind", "visibility", "body", "author", "created_at"]
        read_only_fields = fields


class CaseEventSerializer(serializers.ModelSerializer[CaseEvent]):
    actor = UserRefSerializer(read_only=True)

    class Meta:
        model = CaseEvent
        fields = ["id", "kind", "actor_kind", "actor", "old", "new", "reason", "created_at"]
        read_only_fields = fields


class AccessLogSerializer(serializers.ModelSerializer[AccessLog]):
    user = UserRefSerializer(read_only=True)
    case_reference = serializers.CharField(source="case.display_reference", read_only=True, default=None)

    class Meta:
        model = AccessLog
        fields = ["id", "case", "case_reference", "user", "action", "ip_address", "created_at"]
        read_only_fields = fields
