"""Notes of a case: GET and POST /api/v1/cases/{id}/notes/."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from caseflow.api import FieldsBuiltOnce
from cases import access
from cases.actions.cases import do_add_note
from cases.api.common import StrictSerializerMixin, TextField, UserRefSerializer, client_address, paginated, user_of
from cases.audit import log_access
from cases.models import Case, Note, NoteKind, NoteVisibility


class NoteInputSerializer(StrictSerializerMixin, serializers.Serializer[dict[str, Any]]):
    body = TextField(multiline=True, max_length=20_000)
    visibility = serializers.ChoiceField(
        choices=NoteVisibility.choices, required=False, default=NoteVisibility.INTERNAL
    )
    kind = serializers.ChoiceField(choices=NoteKind.choices, required=False, default=NoteKind.SESSION)


class NoteSerializer(FieldsBuiltOnce, serializers.ModelSerializer[Note]):
    author = UserRefSerializer(read_only=True)

    class Meta:
        model = Note
        fields = ["id", "kind", "visibility", "body", "author", "created_at"]
        read_only_fields = fields


class CaseNotesMixin(viewsets.GenericViewSet[Case]):
    """The notes route of the case viewset."""

    @extend_schema(methods=["GET"], summary="Notes of a case", responses=NoteSerializer(many=True))
    @extend_schema(methods=["POST"], summary="Add a note", request=NoteInputSerializer, responses={201: NoteSerializer})
    @action(detail=True, methods=["get", "post"], filter_backends=[])
    def notes(self, request: Request, pk: str) -> Response:
        if request.method == "POST":
            case = access.access_case(request.user, pk, write=True)
            form = NoteInputSerializer(data=request.data)
            form.is_valid(raise_exception=True)
            note = do_add_note(actor=user_of(request), case=case, **form.validated_data)
            note = case.notes.select_related("author").get(pk=note.pk)
            return Response(NoteSerializer(note).data, status=status.HTTP_201_CREATED)
        case = access.access_case(request.user, pk)
        log_access(user=user_of(request), case=case, ip_address=client_address(request))
        notes = case.notes.select_related("author").order_by("-created_at", "-pk")
        return paginated(self, request, notes, NoteSerializer)
