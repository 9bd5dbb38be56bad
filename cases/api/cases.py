"""Cases: list, open, read, change, status, assignment and search; the case's child routes come from
the subject modules' mixins, so that each subject is one file."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from accounts.models import Language, User
from caseflow.api import FieldsBuiltOnce, Pagination, iso_time
from caseflow.db import ValuesRead
from cases import access, selectors
from cases.actions.cases import (
    Consents,
    do_assign_case,
    do_open_case,
    do_transition_case,
    do_update_case,
    legal_transitions,
)
from cases.api.audit import CaseEventsMixin
from cases.api.common import (
    IdField,
    PhoneField,
    StrictBooleanField,
    StrictIntegerField,
    StrictSerializerMixin,
    TextField,
    UserRefSerializer,
    client_address,
    user_of,
)
from cases.api.duties import CaseDutiesMixin
from cases.api.filters import CaseFilter
from cases.api.followups import CaseFollowUpsMixin
from cases.api.guardians import CaseGuardianMixin
from cases.api.notes import CaseNotesMixin
from cases.api.referrals import CaseReferralsMixin
from cases.api.retention import CaseRetentionMixin
from cases.api.rights import CaseRightsMixin
from cases.api.safety import CaseRiskMixin
from cases.api.sightings import CaseSightingsMixin
from cases.api.takedowns import CaseTakedownsMixin
from cases.audit import log_access
from cases.crypto import is_erased, load_case_keys, open_value
from cases.models import AccessAction, Case, ContactChannel, HarmType, Priority, Status

# What a row of the list and the search reads, as plain values (the name sealed: list_rows opens it).
LIST_VALUES = (
    "id",
    "reference",
    "status",
    "priority",
    "is_minor",
    "victim_name",
    "assigned_to_id",
    "assigned_to__full_name",
    "created_at",
    "updated_at",
    "version",
)


class ConsentsSerializer(StrictSerializerMixin, serializers.Serializer[dict[str, bool]]):
    contact = StrictBooleanField(required=False, default=False)
    share_with_police = StrictBooleanField(required=False, default=False)
    hash_matching = StrictBooleanField(required=False, default=False)
    keep_evidence = StrictBooleanField(required=False, default=False)


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

    version = StrictIntegerField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["partial"] = True
        super().__init__(*args, **kwargs)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "version" not in attrs:
            raise serializers.ValidationError({"version": [_("This field is required.")]})
        return attrs


class SearchSerializer(StrictSerializerMixin, serializers.Serializer[dict[str, Any]]):
    q = TextField(max_length=254)


class DuplicateSerializer(FieldsBuiltOnce, serializers.ModelSerializer[Case]):
    reference = serializers.CharField(source="display_reference")

    class Meta:
        model = Case
        fields = ["id", "reference", "status"]
        read_only_fields = fields


class CaseListSerializer(FieldsBuiltOnce, serializers.ModelSerializer[Case]):
    reference = serializers.CharField(source="display_reference", read_only=True)
    assigned_to = UserRefSerializer(read_only=True)
    # True once the case's data key was destroyed: its encrypted fields then read as "".
    erased = serializers.BooleanField(source="is_erased", read_only=True)

    class Meta:
        model = Case
        fields = [
            "id",
            "reference",
            "status",
            "priority",
            "is_minor",
            "victim_name",
            "erased",
            "assigned_to",
            "created_at",
            "updated_at",
            "version",
        ]
        read_only_fields = fields


def list_rows(values: Iterable[tuple[Any, ...]]) -> list[dict[str, Any]]:
    """Rows of LIST_VALUES as CaseListSerializer writes the cases (a test holds the two equal), without
    building a case and a counsellor per row and walking the serializer's fields for each: that was
    most of the list's time over its bare view (bench.run, cProfile)."""
    rows = list(values)
    # The rows' case keys in one query to the key store, before any name is opened.
    load_case_keys(row[0] for row in rows)
    zone = timezone.get_current_timezone()
    answer = []
    for pk, reference, status_, priority, is_minor, sealed, assignee, assignee_name, created, updated, version in rows:
        name = open_value(pk, sealed)
        answer.append(
            {
                "id": pk,
                "reference": Case.format_reference(reference),
                "status": status_,
                "priority": priority,
                "is_minor": is_minor,
                "victim_name": str(name),
                "erased": is_erased(name),
                "assigned_to": None if assignee is None else {"id": assignee, "full_name": assignee_name},
                "created_at": iso_time(created, zone),
                "updated_at": iso_time(updated, zone),
                "version": version,
            }
        )
    return answer


class CaseSerializer(FieldsBuiltOnce, serializers.ModelSerializer[Case]):
    reference = serializers.CharField(source="display_reference", read_only=True)
    assigned_to = UserRefSerializer(read_only=True)
    created_by = UserRefSerializer(read_only=True)
    consents = serializers.DictField(child=serializers.BooleanField(), read_only=True)
    allowed_transitions = serializers.SerializerMethodField()
    erased = serializers.BooleanField(source="is_erased", read_only=True)

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
            "erased",
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
    # Every write names the version it was based on; a stale one is a 409.
    version = StrictIntegerField()


class AssignSerializer(StrictSerializerMixin, serializers.Serializer[dict[str, Any]]):
    assigned_to = IdField(allow_null=True)
    version = StrictIntegerField()


@extend_schema_view(
    list=extend_schema(summary="Cases I may see", responses=CaseListSerializer(many=True)),
    create=extend_schema(summary="Open a case", request=CaseInputSerializer, responses={201: CaseCreatedSerializer}),
    retrieve=extend_schema(summary="One case (the opening is written to the access log)", responses=CaseSerializer),
    partial_update=extend_schema(
        summary="Change a case's details",
        request=CasePatchSerializer,
        responses={200: CaseSerializer, 409: OpenApiResponse(description="The case changed since `version`.")},
    ),
)
class CaseViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    CaseNotesMixin,
    CaseSightingsMixin,
    CaseTakedownsMixin,
    CaseFollowUpsMixin,
    CaseEventsMixin,
    CaseReferralsMixin,
    CaseRetentionMixin,
    CaseRightsMixin,
    CaseRiskMixin,
    CaseGuardianMixin,
    CaseDutiesMixin,
    viewsets.GenericViewSet[Case],
):
    filter_backends = [DjangoFilterBackend]
    filterset_class = CaseFilter
    http_method_names = ["get", "post", "patch", "head", "options"]
    # Ids are ASCII digits: "+1", "%201" or "١" never reach case 1 (access.parse_id says the same).
    lookup_value_regex = "[0-9]+"

    def get_queryset(self) -> QuerySet[Case]:
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular building the schema
            return Case.objects.none()
        user = self.request.user
        mine = self.action == "list" and self.request.query_params.get("assigned_to") == "me"
        cases = access.my_cases(user) if mine else access.cases_visible_to(user)
        # The list and the search read their rows as values (list_rows); nothing else lists cases.
        return cases.order_by("-created_at", "-pk")

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        if self.action == "list":
            return CaseListSerializer
        return CaseSerializer

    def get_object(self) -> Case:
        return access.access_case(
            self.request.user, self.kwargs["pk"], queryset=Case.objects.select_related("assigned_to", "created_by")
        )

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if "q" in request.query_params:
            # What a counsellor searches for is a victim's name or phone: never in a URL, where
            # proxies, browser history and server logs would keep it.
            raise serializers.ValidationError(
                {"q": [_("Search with POST /api/v1/cases/search/, so that what you look for stays out of URLs.")]}
            )
        response = self._page_of(self.filter_queryset(self.get_queryset()), request)
        # The list shows victims' names: one row for the request.
        log_access(user=user_of(request), case=None, ip_address=client_address(request), action=AccessAction.LIST)
        return response

    def _page_of(self, cases: QuerySet[Case], request: Request) -> Response:
        """A page of cases as CaseListSerializer writes them, read as plain values (list_rows)."""
        paginator = cast(Pagination, self.paginator)
        page = paginator.paginate_values(ValuesRead(cases, LIST_VALUES), request, view=self)
        return paginator.get_paginated_response(list_rows(page))

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = user_of(request)
        access.cases_visible_to(user)  # administrators stop here with 403
        form = CaseInputSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        consents = Consents(**data.pop("consents", {}))
        case = do_open_case(actor=user, consents=consents, **data)
        visible, hidden = selectors.duplicates_seen_by(
            user, contact_email=case.contact_email, contact_phone=case.contact_phone, exclude_pk=case.pk
        )
        if visible or hidden:
            # Learning that the centre holds a matching case is a read: it leaves a trace.
            log_access(user=user, case=None, ip_address=client_address(request), action=AccessAction.DUPLICATE_CHECK)
        # The response is the case as written, in memory: read back, it would only be decrypted again.
        case._possible_duplicates = visible  # type: ignore[attr-defined]
        case._possible_duplicates_hidden = hidden  # type: ignore[attr-defined]
        body = CaseCreatedSerializer(case, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        case = self.get_object()
        log_access(user=user_of(request), case=case, ip_address=client_address(request))
        return Response(CaseSerializer(case, context=self.get_serializer_context()).data)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        case = access.access_case(request.user, kwargs["pk"], write=True)
        form = CasePatchSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        changes = dict(form.validated_data)
        version = changes.pop("version")
        if "consents" in changes:
            # Only the consents sent: one left out keeps its value (withdrawing consent to keep evidence
            # deletes files, so it must never happen by a default).
            sent = set(cast(dict[str, Any], request.data)["consents"])  # validated above: a dict
            for name, value in changes.pop("consents").items():
                if name in sent:
                    changes[f"consent_{name}"] = value
        case = do_update_case(actor=user_of(request), case=case, version=version, changes=changes)
        return Response(CaseSerializer(self._reload(case), context=self.get_serializer_context()).data)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.http_method_not_allowed(request)

    def _reload(self, case: Case) -> Case:
        return Case.objects.select_related("assigned_to", "created_by").get(pk=case.pk)

    @extend_schema(
        summary="Move a case along its status machine",
        request=TransitionSerializer,
        responses={200: CaseSerializer, 400: OpenApiResponse(description="Illegal move; names both states.")},
    )
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, pk: str) -> Response:
        case = access.access_case(request.user, pk, write=True)
        form = TransitionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        case = do_transition_case(actor=user_of(request), case=case, **form.validated_data)
        return Response(CaseSerializer(self._reload(case), context=self.get_serializer_context()).data)

    @extend_schema(summary="Assign a case (supervisor), or take an unassigned one", request=AssignSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request: Request, pk: str) -> Response:
        case = access.access_case(request.user, pk)
        form = AssignSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        assignee_id = form.validated_data["assigned_to"]
        assignee = None
        if assignee_id is not None:
            assignee = User.objects.filter(pk=assignee_id, centre_id=case.centre_id).first()
            if assignee is None:
                return Response({"assigned_to": [_("No such member of this centre's staff.")]}, status=400)
        case = do_assign_case(
            actor=user_of(request), case=case, assignee=assignee, version=form.validated_data["version"]
        )
        return Response(CaseSerializer(self._reload(case), context=self.get_serializer_context()).data)

    @extend_schema(
        summary="Exact search by name, phone, e-mail or reference, in the body so that it stays out of URLs",
        request=SearchSerializer,
        responses=CaseListSerializer(many=True),
    )
    @action(detail=False, methods=["post"], filter_backends=[])
    def search(self, request: Request) -> Response:
        form = SearchSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        user = user_of(request)
        found = selectors.search_cases(self.get_queryset(), user.centre_id, form.validated_data["q"])
        response = self._page_of(found, request)
        log_access(user=user, case=None, ip_address=client_address(request), action=AccessAction.SEARCH)
        return response
