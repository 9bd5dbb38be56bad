"""REST endpoints for cases, notes, events and the access log. Every case comes through access.py."""

from __future__ import annotations

from typing import Any, cast

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from accounts.models import User
from caseflow.net import client_ip
from cases import access, actions, selectors
from cases.api.filters import AccessLogFilter, CaseFilter, TakedownFilter
from cases.api.serializers import (
    AccessLogSerializer,
    AssignSerializer,
    CaseCreatedSerializer,
    CaseEventSerializer,
    CaseInputSerializer,
    CaseListSerializer,
    CasePatchSerializer,
    CaseSerializer,
    FollowUpInputSerializer,
    FollowUpSerializer,
    NoteInputSerializer,
    NoteSerializer,
    PlatformSerializer,
    SearchSerializer,
    SightingBulkSerializer,
    SightingInputSerializer,
    SightingPatchSerializer,
    SightingSerializer,
    TakedownLetterSerializer,
    TakedownListSerializer,
    TakedownSerializer,
    TakedownTransitionSerializer,
    TransitionSerializer,
)
from cases.models import AccessLog, Case, Platform, Sighting, TakedownRequest


def client_address(request: Request) -> str | None:
    """The client's address as our trusted proxies report it (TRUSTED_PROXY_COUNT)."""
    return client_ip(request._request)


LIST_COLUMNS = [
    "id",
    "centre_id",
    "reference",
    "status",
    "priority",
    "is_minor",
    "victim_name",
    "assigned_to_id",
    "created_at",
    "updated_at",
    "version",
]


LETTER_FIELDS = ["subject", "body", "sent_subject", "sent_body"]
CASE_PRIVATE_FIELDS = [f"case__{name}" for name in sorted(actions.PRIVATE_FIELDS)]


def _user(request: Request) -> User:
    return cast(User, request.user)


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
    viewsets.GenericViewSet[Case],
):
    filter_backends = [DjangoFilterBackend]
    filterset_class = CaseFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Case]:
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular building the schema
            return Case.objects.none()
        user = self.request.user
        mine = self.action == "list" and self.request.query_params.get("assigned_to") == "me"
        cases = access.my_cases(user) if mine else access.cases_visible_to(user)
        if self.action == "list":
            # Only what the list shows: one decryption per row (the name), not five.
            cases = cases.only(*LIST_COLUMNS, "assigned_to__id", "assigned_to__full_name")
        return cases.select_related("assigned_to").order_by("-created_at", "-pk")

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        if self.action == "list":
            return CaseListSerializer
        return CaseSerializer

    def get_object(self) -> Case:
        return access.access_case(
            self.request.user, self.kwargs["pk"], queryset=Case.objects.select_related("assigned_to", "created_by")
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = _user(request)
        access.cases_visible_to(user)  # administrators stop here with 403
        form = CaseInputSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        consents = actions.Consents(**data.pop("consents", {}))
        case = actions.do_open_case(actor=user, consents=consents, **data)
        visible, hidden = selectors.duplicates_seen_by(
            user, contact_email=case.contact_email, contact_phone=case.contact_phone, exclude_pk=case.pk
        )
        case = self._reload(case)
        case._possible_duplicates = visible  # type: ignore[attr-defined]
        case._possible_duplicates_hidden = hidden  # type: ignore[attr-defined]
        body = CaseCreatedSerializer(case, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        case = self.get_object()
        actions.log_access(user=_user(request), case=case, ip_address=client_address(request))
        return Response(CaseSerializer(case, context=self.get_serializer_context()).data)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        case = access.access_case(request.user, kwargs["pk"], write=True)
        form = CasePatchSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        changes = dict(form.validated_data)
        version = changes.pop("version")
        if "consents" in changes:
            for name, value in changes.pop("consents").items():
                changes[f"consent_{name}"] = value
        case = actions.do_update_case(actor=_user(request), case=case, version=version, changes=changes)
        return Response(CaseSerializer(self._reload(case), context=self.get_serializer_context()).data)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.http_method_not_allowed(request)

    def _paginated(self, request: Request, rows: QuerySet[Any], serializer: type[BaseSerializer[Any]]) -> Response:
        """A page of a case's child rows, in the same envelope as the case list."""
        assert self.paginator is not None  # noqa: S101 - DEFAULT_PAGINATION_CLASS is set
        page = self.paginator.paginate_queryset(rows, request, view=self)
        return self.paginator.get_paginated_response(serializer(page, many=True).data)

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
        case = actions.do_transition_case(actor=_user(request), case=case, **form.validated_data)
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
        case = actions.do_assign_case(
            actor=_user(request), case=case, assignee=assignee, version=form.validated_data.get("version")
        )
        return Response(CaseSerializer(self._reload(case), context=self.get_serializer_context()).data)

    @extend_schema(methods=["GET"], summary="Notes of a case", responses=NoteSerializer(many=True))
    @extend_schema(methods=["POST"], summary="Add a note", request=NoteInputSerializer, responses={201: NoteSerializer})
    @action(detail=True, methods=["get", "post"])
    def notes(self, request: Request, pk: str) -> Response:
        if request.method == "POST":
            case = access.access_case(request.user, pk, write=True)
            form = NoteInputSerializer(data=request.data)
            form.is_valid(raise_exception=True)
            note = actions.do_add_note(actor=_user(request), case=case, **form.validated_data)
            note = case.notes.select_related("author").get(pk=note.pk)
            return Response(NoteSerializer(note).data, status=status.HTTP_201_CREATED)
        case = access.access_case(request.user, pk)
        actions.log_access(user=_user(request), case=case, ip_address=client_address(request))
        notes = case.notes.select_related("author").order_by("-created_at", "-pk")
        return self._paginated(request, notes, NoteSerializer)

    def _sighting_page(self, request: Request, case: Case, rows: list[Sighting]) -> dict[str, Any]:
        links = selectors.same_content_elsewhere(_user(request), case, rows)
        return {"same_elsewhere": links}

    @extend_schema(methods=["GET"], summary="Places where the content appears", responses=SightingSerializer(many=True))
    @extend_schema(
        methods=["POST"], summary="Add one place", request=SightingInputSerializer, responses={201: SightingSerializer}
    )
    @action(detail=True, methods=["get", "post"])
    def sightings(self, request: Request, pk: str) -> Response:
        if request.method == "POST":
            case = access.access_case(request.user, pk, write=True)
            form = SightingInputSerializer(data=request.data)
            form.is_valid(raise_exception=True)
            data = dict(form.validated_data)
            url = data.pop("url")
            results = actions.do_add_sightings(
                actor=_user(request), case=case, lines=[url], flags=actions.SightingFlags(**data)
            )
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
        actions.log_access(user=_user(request), case=case, ip_address=client_address(request))
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
        results = actions.do_add_sightings(
            actor=_user(request), case=case, lines=lines, flags=actions.SightingFlags(**data)
        )
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
        sighting = actions.do_update_sighting(
            actor=_user(request), case=case, sighting=sighting, changes=dict(form.validated_data)
        )
        sighting = case.sightings.select_related("platform").get(pk=sighting.pk)
        return Response(SightingSerializer(sighting, context=self._sighting_page(request, case, [sighting])).data)

    @extend_schema(
        summary="Draft one takedown request per platform for the places still online",
        request=None,
        responses={201: TakedownSerializer(many=True)},
    )
    @action(detail=True, methods=["post"], url_path="draft-takedowns")
    def draft_takedowns(self, request: Request, pk: str) -> Response:
        case = access.access_case(request.user, pk, write=True)
        drafts = actions.do_draft_takedowns(actor=_user(request), case=case)
        rows = (
            TakedownRequest.objects.filter(pk__in=[d.pk for d in drafts])
            .select_related("platform", "case")
            .prefetch_related("items")
            .order_by("pk")
        )
        return Response(TakedownSerializer(rows, many=True).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Exact search by name, phone, e-mail or reference, in the body so that it stays out of URLs",
        request=SearchSerializer,
        responses=CaseListSerializer(many=True),
    )
    @action(detail=False, methods=["post"])
    def search(self, request: Request) -> Response:
        form = SearchSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        user = _user(request)
        found = selectors.search_cases(self.get_queryset(), user.centre_id, form.validated_data["q"])
        return self._paginated(request, found, CaseListSerializer)

    @extend_schema(
        summary='Remind me on this case at a time ("call back Friday 14:00")',
        request=FollowUpInputSerializer,
        responses={201: FollowUpSerializer},
    )
    @action(detail=True, methods=["post"])
    def followups(self, request: Request, pk: str) -> Response:
        case = access.access_case(request.user, pk, write=True)
        form = FollowUpInputSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        followup = actions.do_set_followup(actor=_user(request), case=case, **form.validated_data)
        return Response(FollowUpSerializer(followup).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Every change to a case, oldest first", responses=CaseEventSerializer(many=True))
    @action(detail=True, methods=["get"])
    def events(self, request: Request, pk: str) -> Response:
        case = access.access_case(request.user, pk)
        actions.log_access(user=_user(request), case=case, ip_address=client_address(request))
        events = case.events.select_related("actor").order_by("created_at", "pk")
        return self._paginated(request, events, CaseEventSerializer)


@extend_schema_view(list=extend_schema(summary="Who opened which case, when, from where (supervisors)"))
class AccessLogViewSet(mixins.ListModelMixin, viewsets.GenericViewSet[AccessLog]):
    serializer_class = AccessLogSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = AccessLogFilter

    def get_queryset(self) -> QuerySet[AccessLog]:
        if getattr(self, "swagger_fake_view", False):
            return AccessLog.objects.none()
        return (
            access.access_log_visible_to(self.request.user)
            .select_related("user", "case")
            .order_by("-created_at", "-pk")
        )


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

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.http_method_not_allowed(request)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        takedown = access.access_takedown(request.user, kwargs["pk"], write=True)
        form = TakedownLetterSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        actions.do_edit_takedown_letter(
            actor=_user(request), case=takedown.case, takedown=takedown, **form.validated_data
        )
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
        actions.do_transition_takedown(
            actor=_user(request), case=takedown.case, takedown=takedown, **form.validated_data
        )
        return Response(TakedownSerializer(self.get_object()).data)
