"""The centre's on-call rota and crisis numbers, for its supervisors and administrators (the page at
/on-call/): /api/v1/oncall-shifts/ (the shifts on the rota; DELETE takes one off, kept as history),
/api/v1/oncall-shifts/now/ (who an urgent risk would call this minute) and /api/v1/crisis-lines/."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from caseflow.api import FieldsBuiltOnce
from cases import access, safety
from cases.actions.errors import ActionError
from cases.actions.safety import (
    can_edit_rota,
    do_add_crisis_line,
    do_add_oncall_shift,
    do_remove_crisis_line,
    do_remove_oncall_shift,
)
from cases.api.common import (
    IdField,
    PhoneField,
    StrictIntegerField,
    StrictSerializerMixin,
    TextField,
    UserRefSerializer,
    user_of,
)
from cases.models import CrisisLine, OnCallShift
from cases.safety_forms import validate_crisis_number


class KeepsTheRota(BasePermission):
    """Supervisors, who run the centre's duty, and administrators, who keep its staffing."""

    message = gettext_lazy("Only supervisors and administrators change the on-call rota.")

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user.is_authenticated and can_edit_rota(user_of(request)))


class ShiftInputSerializer(StrictSerializerMixin, serializers.Serializer[dict[str, Any]]):
    """A shift: an active supervisor of the centre, a day (0 Monday … 6 Sunday), from one hour to a
    later one of the same day in local time (a night across midnight is two shifts)."""

    supervisor = IdField()
    weekday = StrictIntegerField(min_value=0, max_value=6)
    start_hour = StrictIntegerField(min_value=0, max_value=23)
    end_hour = StrictIntegerField(min_value=1, max_value=24)
    phone = PhoneField(max_length=30, required=False, allow_blank=True, default="")


class ShiftSerializer(FieldsBuiltOnce, serializers.ModelSerializer[OnCallShift]):
    """A supervisor on call for the centre on one day of the week (0 Monday … 6 Sunday), between two
    hours (local time). Whether a phone gets the text messages, not the number: often someone's own
    mobile, stored encrypted, and the rota page does not show it either."""

    supervisor = UserRefSerializer(read_only=True)
    created_by = UserRefSerializer(read_only=True)
    has_phone = serializers.SerializerMethodField()

    class Meta:
        model = OnCallShift
        fields = ["id", "supervisor", "weekday", "start_hour", "end_hour", "has_phone", "created_by", "created_at"]
        read_only_fields = fields

    def get_has_phone(self, shift: OnCallShift) -> bool:
        return bool(shift.phone)


class OnCallNowSerializer(serializers.Serializer[dict[str, Any]]):
    """Who an urgent risk would call now, and whether that comes from the rota (false: nobody is on it
    at this hour, so every active supervisor of the centre is called; empty if the centre has none).
    `time_zone` is the rota's (IANA name): its days and hours are local."""

    on_call = UserRefSerializer(many=True)
    from_rota = serializers.BooleanField()
    time_zone = serializers.CharField()


class CrisisLineInputSerializer(StrictSerializerMixin, serializers.Serializer[dict[str, Any]]):
    """A crisis number shown beside every risk assessment, named in both languages."""

    number = TextField(max_length=30, validators=[validate_crisis_number])
    label_ko = TextField(max_length=100)
    label_en = TextField(max_length=100)


class CrisisLineSerializer(FieldsBuiltOnce, serializers.ModelSerializer[CrisisLine]):
    """One of the centre's crisis numbers, in the order shown. Without any, the national lines show."""

    class Meta:
        model = CrisisLine
        fields = ["id", "number", "label_ko", "label_en", "position"]
        read_only_fields = fields


class _KeptByTheRotaKeepers[Row: models.Model](
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet[Row],
):
    """A list of one's own centre that its supervisors and administrators keep: unpaginated (a few
    dozen rows at most); another centre's row and one that does not exist are the same 404, and so is
    one taken off by someone else a moment earlier, as the page answers."""

    permission_classes = [KeepsTheRota]
    filter_backends: list[Any] = []
    pagination_class = None
    lookup_value_regex = "[0-9]+"

    def get_object(self) -> Row:
        try:
            return self.get_queryset().get(pk=access.parse_id(self.kwargs["pk"]))
        except ObjectDoesNotExist:
            raise Http404 from None

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        row = self.get_object()
        try:
            self.take_off(user_of(request), row.pk)
        except ActionError:
            raise Http404 from None
        return Response(status=status.HTTP_204_NO_CONTENT)

    def take_off(self, actor: User, pk: int) -> None:
        raise NotImplementedError


@extend_schema_view(
    list=extend_schema(summary="The centre's on-call rota (shifts on it now)"),
    create=extend_schema(summary="Add a shift", request=ShiftInputSerializer, responses={201: ShiftSerializer}),
    retrieve=extend_schema(summary="A shift of the rota"),
    destroy=extend_schema(summary="Take a shift off the rota (kept as its history)"),
)
class OnCallShiftViewSet(_KeptByTheRotaKeepers[OnCallShift]):
    serializer_class = ShiftSerializer

    def get_queryset(self) -> QuerySet[OnCallShift]:
        # One's own centre's shifts on the rota: another centre's, or one taken off, is not found.
        return (
            OnCallShift.objects.filter(centre_id=user_of(self.request).centre_id, removed_at__isnull=True)
            .select_related("supervisor", "created_by")
            .order_by("weekday", "start_hour", "pk")
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        form = ShiftInputSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        actor = user_of(request)
        # Looked up in one's own centre only: another centre's account and none answer alike.
        supervisor = User.objects.filter(pk=data.pop("supervisor"), centre_id=actor.centre_id).first()
        if supervisor is None:
            raise ActionError(_("Choose an active supervisor of your centre."), field="supervisor")
        shift = do_add_oncall_shift(actor=actor, supervisor=supervisor, **data)
        return Response(ShiftSerializer(self.get_queryset().get(pk=shift.pk)).data, status=status.HTTP_201_CREATED)

    def take_off(self, actor: User, pk: int) -> None:
        do_remove_oncall_shift(actor=actor, shift_id=pk)

    @extend_schema(summary="Who an urgent risk would call now", responses=OnCallNowSerializer)
    @action(detail=False, methods=["get"])
    def now(self, request: Request) -> Response:
        people, from_rota = safety.on_call(user_of(request).centre_id)
        body = {
            "on_call": [person.user for person in people],
            "from_rota": from_rota,
            "time_zone": settings.TIME_ZONE,
        }
        return Response(OnCallNowSerializer(body).data)


@extend_schema_view(
    list=extend_schema(summary="The centre's crisis numbers"),
    create=extend_schema(
        summary="Add a crisis number", request=CrisisLineInputSerializer, responses={201: CrisisLineSerializer}
    ),
    retrieve=extend_schema(summary="A crisis number"),
    destroy=extend_schema(summary="Remove a crisis number"),
)
class CrisisLineViewSet(_KeptByTheRotaKeepers[CrisisLine]):
    serializer_class = CrisisLineSerializer

    def get_queryset(self) -> QuerySet[CrisisLine]:
        return CrisisLine.shown(user_of(self.request).centre_id)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        form = CrisisLineInputSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        line = do_add_crisis_line(actor=user_of(request), **form.validated_data)
        return Response(CrisisLineSerializer(line).data, status=status.HTTP_201_CREATED)

    def take_off(self, actor: User, pk: int) -> None:
        do_remove_crisis_line(actor=actor, line_id=pk)
