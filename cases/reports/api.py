"""GET /api/v1/reports/<name>/: each report's tables as JSON, with the same rules as the pages.

Its own small DRF views: the reports never import the staff API (import-linter contracts).
"""

from __future__ import annotations

from typing import Any, cast

from django.urls import path
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from caseflow.net import client_ip
from cases.access import reports_visible_to
from cases.audit import log_access
from cases.models import AccessAction
from cases.reports import summaries
from cases.reports.export import api_value
from cases.reports.filters import FilterForm
from cases.reports.tables import REPORTS, build


class ColumnSerializer(serializers.Serializer[dict[str, Any]]):
    key = serializers.CharField(help_text="The key of this column's value in every row.")
    heading = serializers.CharField(help_text="The column's heading, in the caller's language.")
    kind = serializers.ChoiceField(
        choices=["text", "code", "count", "share", "hours", "number", "datetime", "date", "month", "flag"],
        help_text="code: a stable code or id (not translated); share: a fraction from 0 to 1; hours: to a tenth; "
        "datetime: ISO 8601; month: YYYY-MM.",
    )


class TableSerializer(serializers.Serializer[dict[str, Any]]):
    name = serializers.CharField()
    title = serializers.CharField()
    columns = ColumnSerializer(many=True)
    rows = serializers.ListField(child=serializers.DictField(), help_text="One object per row, keyed by column.")
    footer = serializers.DictField(allow_null=True, help_text="The totals row, if the table has one.")


class ReportSerializer(serializers.Serializer[dict[str, Any]]):
    report = serializers.CharField()
    title = serializers.CharField()
    period_from = serializers.DateField()
    period_to = serializers.DateField()
    platform = serializers.IntegerField(allow_null=True)
    year = serializers.IntegerField()
    summaries_through = serializers.DateField(
        allow_null=True,
        help_text="Days up to this one are counted from the nightly summaries; later days live.",
    )
    tables = TableSerializer(many=True)


PERIOD = [
    OpenApiParameter("from", OpenApiTypes.DATE, description="First day of the period (YYYY-MM-DD)."),
    OpenApiParameter("to", OpenApiTypes.DATE, description="Last day of the period, included."),
]
PLATFORM = [OpenApiParameter("platform", OpenApiTypes.INT, description="Only this platform (its id).")]
YEAR = [OpenApiParameter("year", OpenApiTypes.INT, description="The year (default: this year).")]
PARAMETERS = {
    "workload": PERIOD,
    "ageing": [],
    "platforms": PERIOD + PLATFORM,
    "trends": PERIOD + PLATFORM,
    "annual": YEAR,
    "referrals": PERIOD,
}
SUMMARIES = {
    "workload": "Workload per counsellor (supervisors: the centre; counsellors: their own row)",
    "ageing": "Open cases by age and status, and the ten oldest (supervisors)",
    "platforms": "Takedown requests per platform and kind of platform for a period (supervisors)",
    "trends": "Cases, harm types and places found and removed, by month (supervisors)",
    "annual": "One year in the shape of the national centre's yearly report (supervisors)",
    "referrals": "Referrals made in a period, by kind of partner and outcome (supervisors)",
}


class ReportView(APIView):
    """One report; subclasses name it."""

    name = ""

    def get(self, request: Request) -> Response:
        user = cast(User, request.user)
        definition = REPORTS[self.name]
        scope = reports_visible_to(user, centre_wide=definition.centre_wide)
        form = FilterForm(request.query_params, report=self.name)
        if not form.is_valid():
            raise ValidationError(form.errors.get_json_data())
        filters = form.filters()
        tables, _data = build(self.name, scope, filters, timezone.now())
        log_access(user=user, case=None, ip_address=client_ip(request._request), action=AccessAction.REPORT)
        body = {
            "report": self.name,
            "title": str(definition.title),
            "period_from": filters.period.start,
            "period_to": filters.period.end,
            "platform": filters.platform.pk if filters.platform is not None else None,
            "year": filters.year,
            "summaries_through": summaries.built_through() if definition.summarised else None,
            "tables": [
                {
                    "name": table.name,
                    "title": str(table.title),
                    "columns": [{"key": c.key, "heading": str(c.label), "kind": c.kind} for c in table.columns],
                    "rows": [{c.key: api_value(row.get(c.key), c.kind) for c in table.columns} for row in table.rows],
                    "footer": (
                        {c.key: api_value(table.footer.get(c.key), c.kind) for c in table.columns}
                        if table.footer
                        else None
                    ),
                }
                for table in tables
            ],
        }
        return Response(ReportSerializer(body).data)


def _view(name: str) -> type[ReportView]:
    view = type(f"{name.title()}ReportView", (ReportView,), {"name": name, "__doc__": SUMMARIES[name]})
    decorated = extend_schema(
        summary=SUMMARIES[name], parameters=PARAMETERS[name], responses=ReportSerializer, tags=["reports"]
    )(view)
    return cast(type[ReportView], decorated)


urlpatterns = [path(f"{name}/", _view(name).as_view(), name=f"api-report-{name}") for name in REPORTS]
