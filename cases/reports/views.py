"""The report pages under /reports/: an index, each report with its charts and tables, CSV downloads."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.models import User
from caseflow.net import client_ip
from cases.access import reports_visible_to
from cases.audit import log_access
from cases.models import AccessAction, FoundBy, HarmType, ReportBuild, Status
from cases.reports import history, queries
from cases.reports.charts import Series, bar_chart, column_chart
from cases.reports.export import csv_response
from cases.reports.filters import FilterForm, Filters
from cases.reports.tables import (
    AGE_LABELS,
    COUNT,
    HOURS,
    NUMBER,
    REPORTS,
    SHARE,
    Report,
    Table,
    build,
    display,
    kind_label,
    person_label,
    reports_for,
)


@dataclass
class Cell:
    text: str
    numeric: bool = False
    href: str | None = None
    # Said after the link's text to a screen reader, which reads the link without its row ("Has room").
    label: str = ""


@dataclass
class Section:
    """A table of the page, the charts drawn from it, and its CSV download."""

    table: Table
    csv: str
    charts: list[SafeString] = field(default_factory=list)
    rows: list[list[Cell]] = field(default_factory=list)
    footer: list[Cell] | None = None

    @property
    def columns(self) -> list[Any]:
        """The columns a reader sees (codes and ids are for the CSV and the API)."""
        return [column for column in self.table.columns if not column.hidden]


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The reports this person may open: all five for a supervisor, her own workload for a counsellor."""
    return render(request, "cases/reports/index.html", {"reports": reports_for(_user(request))})


def _report(name: str) -> Report:
    try:
        return REPORTS[name]
    except KeyError:
        raise Http404 from None


def _cells(row: dict[str, Any], table: Table, href: str | None = None, index: int | None = None) -> list[Cell]:
    cells: list[Cell] = []
    for column in table.columns:
        if column.hidden:
            continue
        numeric = column.kind in (COUNT, SHARE, HOURS, NUMBER)
        cell = Cell(display(row.get(column.key), column.kind), numeric, None if cells else href)
        links = table.cell_links.get(column.key)
        if cells and links is not None and index is not None and index < len(links) and links[index]:
            cell.href = links[index]
            cell.text = _("Yes: assign cases")
            cell.label = str(row.get("name", ""))
        cells.append(cell)
    return cells


@login_required
@require_GET
def report(request: HttpRequest, name: str) -> HttpResponse:
    """One report: its filters, each table with its chart beside it, a CSV link per table."""
    user = _user(request)
    definition = _report(name)
    scope = reports_visible_to(user, centre_wide=definition.centre_wide)
    form = FilterForm(request.GET, report=name)
    if not form.is_valid():
        context = {"report": definition, "form": form, "sections": []}
        return render(request, "cases/reports/report.html", context, status=400)
    filters = form.filters()
    tables, data = build(name, scope, filters, timezone.now())
    charts = CHARTS[name](data)
    query = urlencode(filters.query())
    sections = []
    for table in tables:
        section = Section(
            table=table,
            csv=f"{reverse('reports:csv', args=[name, table.name])}?{query}",
            charts=charts.get(table.name, []),
            rows=[
                _cells(row, table, table.links[i] if i < len(table.links) else None, i)
                for i, row in enumerate(table.rows)
            ],
            footer=_cells(table.footer, table) if table.footer else None,
        )
        sections.append(section)
    log_access(user=user, case=None, ip_address=client_ip(request), action=AccessAction.REPORT)
    context = {
        "report": definition,
        "form": form,
        "filters": filters,
        "sections": sections,
        "build": ReportBuild.objects.filter(pk=1).first() if definition.summarised else None,
        "own_row": scope.user_id is not None,
        "numeric_kinds": (COUNT, SHARE, HOURS, NUMBER),
        # The year on one sheet of paper: its figures; the months stay on screen and in the CSV.
        "print_hidden": ("cases", "places") if name == "annual" else (),
    }
    return render(request, "cases/reports/report.html", context)


@login_required
@require_GET
def export_csv(request: HttpRequest, name: str, table: str) -> HttpResponse:
    """One table of a report as CSV, with the page's filters; logged as an export."""
    user = _user(request)
    definition = _report(name)
    scope = reports_visible_to(user, centre_wide=definition.centre_wide)
    form = FilterForm(request.GET, report=name)
    if not form.is_valid():
        return HttpResponse(_("Check the filters: %(errors)s") % {"errors": form.errors.as_text()}, status=400)
    filters: Filters = form.filters()
    tables, _data = build(name, scope, filters, timezone.now())
    found = next((t for t in tables if t.name == table), None)
    if found is None:
        raise Http404
    period = filters.period
    span = str(filters.year) if name == "annual" else f"{period.start:%Y%m%d}-{period.end:%Y%m%d}"
    response = csv_response(found, f"caseflow-{name}-{found.name}-{span}.csv")
    log_access(user=user, case=None, ip_address=client_ip(request), action=AccessAction.EXPORT)
    return response


# --- Charts: drawn from each report's figures ------------------------------------------------------------------


def _workload_charts(data: queries.Workload) -> dict[str, list[SafeString]]:
    rows = [row for row in data.rows if row.open]
    names = [person_label(row) for row in rows]
    series = [
        Series(str(Status(status).label), [getattr(row, status) for row in rows], tone)
        for tone, status in enumerate((Status.NEW, Status.IN_PROGRESS, Status.MONITORING), start=1)
    ]
    return {
        "counsellors": [bar_chart(title=_("Open cases per counsellor, by status"), categories=names, series=series)]
    }


def _ageing_charts(data: queries.Ageing) -> dict[str, list[SafeString]]:
    labels = [str(AGE_LABELS[row.bucket]) for row in data.rows]
    series = [
        Series(str(Status(status).label), [getattr(row, status) for row in data.rows], tone)
        for tone, status in enumerate((Status.NEW, Status.IN_PROGRESS, Status.MONITORING), start=1)
    ]
    return {"ages": [bar_chart(title=_("Open cases by age and status"), categories=labels, series=series)]}


def _platform_charts(data: history.PlatformPerformance) -> dict[str, list[SafeString]]:
    answers = [
        Series(_("Removed"), [row.removed for row in data.platforms], 2),
        Series(_("Partially removed"), [row.partially_removed for row in data.platforms], 3),
        Series(_("Refused"), [row.refused for row in data.platforms], 5),
    ]
    kinds = [kind_label(row.kind) for row in data.kinds]
    hours = [
        Series(_("Median hours to removal"), [row.median_hours for row in data.kinds], 1),
        Series(_("p90 hours to removal"), [row.p90_hours for row in data.kinds], 4),
    ]
    return {
        "platforms": [
            bar_chart(
                title=_("Answers received from each platform"),
                categories=[row.name for row in data.platforms],
                series=answers,
            )
        ],
        "kinds": [
            bar_chart(title=_("Hours to removal by kind of platform"), categories=kinds, series=hours, stacked=False)
        ],
    }


def _trend_charts(data: history.Trends) -> dict[str, list[SafeString]]:
    months = [month.month.strftime("%Y-%m") for month in data.cases]
    opened_closed = [
        Series(_("Cases opened"), [m.opened for m in data.cases], 1),
        Series(_("Cases closed"), [m.closed for m in data.cases], 4),
    ]
    found = [
        Series(str(FoundBy.VICTIM.label), [m.found_by_victim for m in data.places], 1),
        Series(str(FoundBy.COUNSELLOR.label), [m.found_by_counsellor for m in data.places], 3),
        Series(str(FoundBy.MONITORING.label), [m.found_by_monitoring for m in data.places], 6),
    ]
    removed = [Series(_("Places removed"), [m.removed for m in data.places], 2)]
    return {
        "cases": [column_chart(title=_("Cases opened and closed by month"), categories=months, series=opened_closed)],
        "places": [
            column_chart(
                title=_("Places found by month, by who found them"), categories=months, series=found, stacked=True
            ),
            column_chart(title=_("Places removed by month"), categories=months, series=removed),
        ],
    }


def _annual_charts(data: history.Annual) -> dict[str, list[SafeString]]:
    charts = _trend_charts(data.months)
    charts["harms"] = [
        bar_chart(
            title=_("Victims by harm type"),
            categories=[str(HarmType(share.key).label) for share in data.harms],
            series=[Series(_("Victims"), [share.count for share in data.harms], 1)],
        )
    ]
    charts["removed_by_kind"] = [
        bar_chart(
            title=_("Places removed by kind of platform"),
            categories=[kind_label(share.key) for share in data.removed_by_kind],
            series=[Series(_("Places removed"), [share.count for share in data.removed_by_kind], 2)],
        )
    ]
    charts["removed_by_finder"] = [
        bar_chart(
            title=_("Places removed by who found them"),
            categories=[str(FoundBy(share.key).label) for share in data.removed_by_finder],
            series=[Series(_("Places removed"), [share.count for share in data.removed_by_finder], 6)],
        )
    ]
    return charts


CHARTS: dict[str, Any] = {
    "workload": _workload_charts,
    "ageing": _ageing_charts,
    "platforms": _platform_charts,
    "trends": _trend_charts,
    "annual": _annual_charts,
}
