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
    ContactChannel,
    ContentKind,
    FollowUp,
    FoundBy,
    HarmType,
    Language,
    Note,
    NoteKind,
    NoteVisibility,
    Platform,
    PlatformDomain,
    Priority,
    RequestChannel,
    Sighting,
    SightingState,
    Status,
    TakedownRequest,
    TakedownStatus,
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
    contact_channel = serializers.ChoiceField(
        choices=ContactChannel.choices, required=False, default=ContactChannel.NONE
    )
    quiet_start = serializers.TimeField(required=False, allow_null=True, default=None)
    quiet_end = serializers.TimeField(required=False, allow_null=True, default=None)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # At intake the address must come with the channel; a PATCH may rely on the one on file.
        if not self.partial:
            channel = attrs.get("contact_channel")
            if channel == ContactChannel.EMAIL and not attrs.get("contact_email"):
                raise serializers.ValidationError({"contact_channel": [_("Updates by e-mail need an e-mail address.")]})
            if channel == ContactChannel.SMS and not attrs.get("contact_phone"):
                raise serializers.ValidationError({"contact_channel": [_("Updates by SMS need a phone number.")]})
        return attrs

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


class SearchSerializer(StrictSerializerMixin, serializers.Serializer[dict[str, Any]]):
    q = TextField(max_length=254)


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
            "contact_channel",
            "quiet_start",
            "quiet_end",
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


class FollowUpInputSerializer(StrictSerializerMixin, serializers.Serializer[dict[str, Any]]):
    due_at = serializers.DateTimeField()
    note = TextField(multiline=True, max_length=2000, required=False, allow_blank=True, default="")


class FollowUpSerializer(serializers.ModelSerializer[FollowUp]):
    class Meta:
        model = FollowUp
        fields = ["id", "due_at", "note", "created_at"]
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


# --- Platforms, sightings, takedowns --------------------------------------------------------------


class PlatformSerializer(serializers.ModelSerializer[Platform]):
    # Written as a list, read back from PlatformDomain rows (to_representation).
    domains = serializers.ListField(
        child=serializers.CharField(max_length=253, validators=[validate_single_line]),
        min_length=0,
        max_length=50,
        write_only=True,
    )

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
            "is_fallback",
        ]
        read_only_fields = ["id", "is_fallback"]

    def to_representation(self, instance: Platform) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["domains"] = sorted(d.domain for d in instance.domains.all())
        return data

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
        domains = validated_data.pop("domains", [])
        platform = super().create(validated_data)
        self._save_domains(platform, domains)
        return platform

    def update(self, instance: Platform, validated_data: dict[str, Any]) -> Platform:
        domains = validated_data.pop("domains", None)
        platform = super().update(instance, validated_data)
        self._save_domains(platform, domains)
        return platform


class PlatformRefSerializer(serializers.ModelSerializer[Platform]):
    class Meta:
        model = Platform
        fields = ["id", "name"]
        read_only_fields = fields


class SightingSerializer(serializers.ModelSerializer[Sighting]):
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
            "same_elsewhere",
        ]
        read_only_fields = fields

    def get_same_elsewhere(self, sighting: Sighting) -> list[dict[str, Any]]:
        """Other open cases of the centre with the same address, as far as the viewer may see them."""
        links: dict[int, list[dict[str, Any]]] = self.context.get("same_elsewhere", {})
        return links.get(sighting.pk, [])


class SightingFlagsSerializer(StrictSerializerMixin, serializers.Serializer[dict[str, Any]]):
    found_by = serializers.ChoiceField(choices=FoundBy.choices, required=False, default=FoundBy.COUNSELLOR)
    content_kind = serializers.ChoiceField(choices=ContentKind.choices, required=False, default=ContentKind.IMAGE)
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


class TakedownSerializer(serializers.ModelSerializer[TakedownRequest]):
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
    version = serializers.IntegerField(min_value=1)


class TakedownTransitionSerializer(StrictSerializerMixin, serializers.Serializer[dict[str, Any]]):
    status = serializers.ChoiceField(choices=TakedownStatus.choices)
    version = serializers.IntegerField(min_value=1, required=False)
    channel = serializers.ChoiceField(choices=RequestChannel.choices, required=False, default="")
    ticket_number = TextField(max_length=200, required=False, allow_blank=True, default="")
    removed_sightings = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False)
    note = TextField(multiline=True, max_length=500, required=False, allow_blank=True, default="")
