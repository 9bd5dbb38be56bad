"""REST endpoints for cases, notes, events and the access log. Every case comes through access.py."""

from __future__ import annotations

from typing import Any, cast

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from accounts.models import User
from cases import access, actions, selectors
from cases.api.filters import AccessLogFilter, CaseFilter
from cases.api.serializers import (
    AccessLogSerializer,
    AssignSerializer,
    CaseCreatedSerializer,
    CaseEventSerializer,
    CaseInputSerializer,
    CaseListSerializer,
    CasePatchSerializer,
    CaseSerializer,
    NoteInputSerializer,
    NoteSerializer,
    TransitionSerializer,
)
from cases.models import AccessLog, Case


def client_address(request: Request) -> str | None:
    """The address django-axes resolved for this request (it honours TRUSTED_PROXY_COUNT)."""
    from axes.helpers import get_client_ip_address

    return get_client_ip_address(request._request) or None


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
        return access.cases_visible_to(self.request.user).select_related("assigned_to").order_by("-created_at", "-pk")

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        if self.action == "list":
            return CaseListSerializer
        return CaseSerializer

    def get_object(self) -> Case:
        return access.access_case(self.request.user, self.kwargs["pk"], queryset=self.get_queryset())

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
        notes = case.notes.select_related("author").order_by("-created_at", "-pk")
        return self._paginated(request, notes, NoteSerializer)

    @extend_schema(summary="Every change to a case, oldest first", responses=CaseEventSerializer(many=True))
    @action(detail=True, methods=["get"])
    def events(self, request: Request, pk: str) -> Response:
        case = access.access_case(request.user, pk)
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
