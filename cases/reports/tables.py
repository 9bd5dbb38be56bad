"""The five reports as tables: what each one is, who may read it, and its figures as labelled columns.

One shape for the page (text tables beside the charts), the CSV download and the API, so the three
always say the same thing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from cases.access import ReportScope, reports_visible_to
from cases.models import Authority, FoundBy, HarmType, PlatformKind, Priority, Status
from cases.reports import history, queries, summaries
from cases.reports.filters import Filters

# What a column holds, which decides how the page, the CSV and the API write it.
TEXT, CODE, COUNT, SHARE, HOURS, NUMBER, WHEN, DAY, MONTH, FLAG = (
    "text",
    "code",
    "count",
    "share",
    "hours",
    "number",
    "datetime",
    "date",
    "month",
    "flag",
)


@dataclass(frozen=True)
class Column:
    """A column: its key in every row, its heading, what it holds; `hidden` ones (codes and ids for
    programs) are in the CSV and the API but not on the page."""

    key: str
    label: str | Promise
    kind: str = COUNT
    hidden: bool = False


@dataclass
class Table:
    """One table of a report: its rows (key -> value), an optional totals row, a link per row."""

    name: str
    title: str | Promise
    columns: list[Column]
    rows: list[dict[str, Any]]
    footer: dict[str, Any] | None = None
    links: list[str | None] = field(default_factory=list)
    # Links from other cells than the first, by column key: one address (or None) per row.
    cell_links: dict[str, list[str | None]] = field(default_factory=dict)


@dataclass(frozen=True)
class Report:
    """A report: whether only supervisors read it, which filters it takes, whether it reads the summaries."""

    name: str
    title: str | Promise
    summary: str | Promise
    centre_wide: bool
    filters: frozenset[str]
    summarised: bool = False


REPORTS: dict[str, Report] = {
    report.name: report
    for report in (
        Report(
            "workload",
            gettext_lazy("Workload"),
            gettext_lazy("Open cases per counsellor, overdue requests, follow-ups due, and who has room."),
            centre_wide=False,
            filters=frozenset({"period"}),
        ),
        Report(
            "ageing",
            gettext_lazy("Ageing"),
            gettext_lazy("How long open cases have been open, and the ten oldest."),
            centre_wide=True,
            filters=frozenset(),
        ),
        Report(
            "platforms",
            gettext_lazy("Platforms"),
            gettext_lazy("What platforms did with the requests sent to them, and how fast they removed content."),
            centre_wide=True,
            filters=frozenset({"period", "platform"}),
            summarised=True,
        ),
        Report(
            "trends",
            gettext_lazy("Trends"),
            gettext_lazy("Cases, harm types and places found and removed, month by month."),
            centre_wide=True,
            filters=frozenset({"period", "platform"}),
            summarised=True,
        ),
        Report(
            "annual",
            gettext_lazy("Annual statistics"),
            gettext_lazy("One year in the shape of the national centre's yearly report, ready to print."),
            centre_wide=True,
            filters=frozenset({"year"}),
            summarised=True,
        ),
    )
}


def reports_for(user: User) -> list[Report]:
    """The reports this user may open (PermissionDenied for administrators)."""
    scope = reports_visible_to(user, centre_wide=False)
    return [report for report in REPORTS.values() if scope.user_id is None or not report.centre_wide]


def _code(key: str, label: str | Promise) -> Column:
    return Column(key, label, CODE, hidden=True)


def kind_label(value: str) -> str:
    return str(PlatformKind(value).label) if value in PlatformKind.values else value


# --- Workload ----------------------------------------------------------------------------------------------


def person_label(entry: queries.WorkloadRow) -> str:
    """The person's name, marked if she has left; the intake queue for unassigned cases."""
    if entry.user_id is None:
        return _("Unassigned (intake queue)")
    if not entry.active:
        return _("%(name)s (left)") % {"name": entry.name}
    return entry.name


def _workload(scope: ReportScope, filters: Filters, now: datetime, through: date | None) -> tuple[list[Table], Any]:
    data = queries.workload(scope, filters.period, now)
    columns = [
        Column("name", gettext_lazy("Counsellor"), TEXT),
        _code("user_id", gettext_lazy("User id")),
        Column("open", gettext_lazy("Open cases")),
        *(Column(status, Status(status).label) for status in (Status.NEW, Status.IN_PROGRESS, Status.MONITORING)),
        *(Column(priority, Priority(priority).label) for priority in reversed(Priority.values)),
        Column("minors", gettext_lazy("Minors")),
        Column("new_in_period", gettext_lazy("New in the period")),
        Column("overdue_takedowns", gettext_lazy("Overdue requests")),
        Column("followups_due", gettext_lazy("Follow-ups due (7 days)")),
        Column("last_activity", gettext_lazy("Last activity"), WHEN),
    ]
    if scope.user_id is None:
        columns.append(Column("has_room", gettext_lazy("Has room"), FLAG))

    def row(entry: queries.WorkloadRow, name: str) -> dict[str, Any]:
        return {column.key: getattr(entry, column.key) for column in columns} | {"name": name}

    rows = [row(entry, person_label(entry)) for entry in data.rows]
    footer = row(data.total, _("Centre total")) if data.total is not None else None
    table = Table("counsellors", _("Caseload per counsellor"), columns, rows, footer)
    if scope.user_id is None:
        # Who has room leads to the intake queue with her chosen for the bulk assignment: seeing
        # capacity and handing out unassigned cases are one click apart.
        table.cell_links["has_room"] = [assign_intake_link(entry) for entry in data.rows]
    return [table], data


def assign_intake_link(entry: queries.WorkloadRow) -> str | None:
    """The case list's unassigned cases with this counsellor preselected, for a counsellor who has room."""
    if not entry.has_room or entry.user_id is None or not entry.active:
        return None
    return f"{reverse('cases:list')}?assigned=none&assign_to={entry.user_id}"


# --- Ageing ---------------------------------------------------------------------------------------------------

AGE_LABELS = {
    "0-7": gettext_lazy("0–7 days"),
    "8-30": gettext_lazy("8–30 days"),
    "31-90": gettext_lazy("31–90 days"),
    "90+": gettext_lazy("Over 90 days"),
}
OPEN = (Status.NEW, Status.IN_PROGRESS, Status.MONITORING)


def _ageing(scope: ReportScope, filters: Filters, now: datetime, through: date | None) -> tuple[list[Table], Any]:
    data = queries.ageing(scope, now)
    columns = [
        Column("age", gettext_lazy("Open for"), TEXT),
        _code("bucket", gettext_lazy("Age code")),
        *(Column(status, Status(status).label) for status in OPEN),
        Column("total", gettext_lazy("Total")),
    ]
    rows: list[dict[str, Any]] = [
        {"age": str(AGE_LABELS[entry.bucket]), "bucket": entry.bucket, "total": entry.total}
        | {status: getattr(entry, status) for status in OPEN}
        for entry in data.rows
    ]
    footer = {"age": _("Total"), "bucket": ""} | {key: sum(r[key] for r in rows) for key in (*OPEN, "total")}
    oldest = Table(
        "oldest",
        _("The oldest open cases"),
        [
            Column("reference", gettext_lazy("Case"), TEXT),
            _code("case_id", gettext_lazy("Case id")),
            Column("status", gettext_lazy("Status"), TEXT),
            _code("status_code", gettext_lazy("Status code")),
            Column("priority", gettext_lazy("Priority"), TEXT),
            Column("opened", gettext_lazy("Opened"), DAY),
            Column("age_days", gettext_lazy("Days open")),
            Column("assigned_to", gettext_lazy("Assigned to"), TEXT),
        ],
        [
            {
                "reference": case.display_reference,
                "case_id": case.pk,
                "status": str(Status(case.status).label),
                "status_code": case.status,
                "priority": str(Priority(case.priority).label),
                "opened": timezone.localdate(case.created_at),
                "age_days": (now - case.created_at).days,
                "assigned_to": case.assigned_to.full_name if case.assigned_to else _("Unassigned"),
            }
            for case in data.oldest
        ],
        links=[reverse("cases:detail", args=[case.pk]) for case in data.oldest],
    )
    return [Table("ages", _("Open cases by age and status"), columns, rows, footer), oldest], data


# --- Platforms ----------------------------------------------------------------------------------------------

PLATFORM_FIGURES = [
    Column("sent", gettext_lazy("Sent")),
    Column("removed", gettext_lazy("Removed")),
    Column("partially_removed", gettext_lazy("Partially removed")),
    Column("refused", gettext_lazy("Refused")),
    Column("escalated", gettext_lazy("Escalated")),
    Column("overdue", gettext_lazy("Overdue now")),
    Column("removal_rate", gettext_lazy("Answers that removed content"), SHARE),
    Column("median_hours", gettext_lazy("Median hours to removal"), HOURS),
    Column("p90_hours", gettext_lazy("p90 hours to removal"), HOURS),
]


def _figures(entry: history.PlatformRow) -> dict[str, Any]:
    return {column.key: getattr(entry, column.key) for column in PLATFORM_FIGURES}


def _platforms(scope: ReportScope, filters: Filters, now: datetime, through: date | None) -> tuple[list[Table], Any]:
    data = history.platform_performance(scope, filters.period, now, filters.platform, through)
    everything = _("All platforms")
    columns = [
        Column("platform", gettext_lazy("Platform"), TEXT),
        _code("platform_id", gettext_lazy("Platform id")),
        Column("kind", gettext_lazy("Kind"), TEXT),
        _code("kind_code", gettext_lazy("Kind code")),
        *PLATFORM_FIGURES,
    ]
    rows = [
        {"platform": entry.name, "platform_id": int(entry.key), "kind": kind_label(entry.kind), "kind_code": entry.kind}
        | _figures(entry)
        for entry in data.platforms
    ]
    footer = {"platform": everything, "platform_id": None, "kind": "", "kind_code": ""} | _figures(data.total)
    kind_columns = [
        Column("kind", gettext_lazy("Kind of platform"), TEXT),
        _code("kind_code", gettext_lazy("Kind code")),
        *PLATFORM_FIGURES,
    ]
    kinds = [{"kind": kind_label(entry.kind), "kind_code": entry.kind} | _figures(entry) for entry in data.kinds]
    kind_footer = {"kind": everything, "kind_code": ""} | _figures(data.total)
    return [
        Table("platforms", _("Requests by platform"), columns, rows, footer),
        Table("kinds", _("Requests by kind of platform"), kind_columns, kinds, kind_footer),
    ], data


# --- Trends ---------------------------------------------------------------------------------------------------


def _trends(scope: ReportScope, filters: Filters, now: datetime, through: date | None) -> tuple[list[Table], Any]:
    data = history.trends(scope, filters.period, filters.platform, through)
    return _trend_tables(data), data


CASE_FIGURES = ("opened", "closed", "minors", "synthetic", "personal_info")
PLACE_FIGURES = ("found_by_victim", "found_by_counsellor", "found_by_monitoring", "removed")


def _trend_tables(data: history.Trends) -> list[Table]:
    case_columns = [
        Column("month", gettext_lazy("Month"), MONTH),
        Column("opened", gettext_lazy("Cases opened")),
        Column("closed", gettext_lazy("Cases closed")),
        Column("minors", gettext_lazy("Minors")),
        Column("minors_share", gettext_lazy("Minors' share"), SHARE),
        Column("synthetic", gettext_lazy("Synthetic (deepfake)")),
        Column("synthetic_share", gettext_lazy("Synthetic share"), SHARE),
        Column("personal_info", gettext_lazy("Personal information exposed")),
        Column("personal_info_share", gettext_lazy("Personal information share"), SHARE),
    ]
    place_columns = [
        Column("month", gettext_lazy("Month"), MONTH),
        Column("found", gettext_lazy("Places found")),
        Column("found_by_victim", gettext_lazy("Reported by the victim")),
        Column("found_by_counsellor", gettext_lazy("Found by a counsellor")),
        Column("found_by_monitoring", gettext_lazy("Found by monitoring")),
        Column("monitoring_share", gettext_lazy("Monitoring share"), SHARE),
        Column("removed", gettext_lazy("Places removed")),
    ]
    case_total = history.CaseMonth(month=date.min)
    for entry in data.cases:
        for key in CASE_FIGURES:
            setattr(case_total, key, getattr(case_total, key) + getattr(entry, key))
    place_total = history.PlaceMonth(month=date.min)
    for place in data.places:
        for key in PLACE_FIGURES:
            setattr(place_total, key, getattr(place_total, key) + getattr(place, key))

    def values(entry: Any, columns: list[Column]) -> dict[str, Any]:
        return {column.key: getattr(entry, column.key) for column in columns}

    total = {"month": _("Total")}
    return [
        Table(
            "cases",
            _("Cases by month"),
            case_columns,
            [values(entry, case_columns) for entry in data.cases],
            values(case_total, case_columns) | total,
        ),
        Table(
            "places",
            _("Places found and removed by month"),
            place_columns,
            [values(entry, place_columns) for entry in data.places],
            values(place_total, place_columns) | total,
        ),
    ]


# --- Annual -----------------------------------------------------------------------------------------------------


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _annual(scope: ReportScope, filters: Filters, now: datetime, through: date | None) -> tuple[list[Table], Any]:
    data = history.annual(scope, filters.year, now, through)
    requests = data.requests
    finder = {share.key: share for share in data.removed_by_finder}
    monitoring = finder[FoundBy.MONITORING].count
    on_request = data.places_removed - monitoring
    summary = [
        ("victims", _("Victims (cases opened)"), data.victims, None),
        ("minors", _("of whom minors"), data.minors, _share(data.minors, data.victims)),
        ("closed", _("Cases closed"), data.closed, None),
        ("places_found", _("Places found"), data.places_found, None),
        ("places_removed", _("Places removed"), data.places_removed, None),
        (
            "removed_on_request",
            _("removed on the victim's request (found by her or her counsellor)"),
            on_request,
            _share(on_request, data.places_removed),
        ),
        (
            "removed_from_monitoring",
            _("removed after the centre's monitoring found them"),
            monitoring,
            _share(monitoring, data.places_removed),
        ),
        ("requests_sent", _("Takedown requests sent"), requests.sent, None),
        ("requests_answered", _("answers received"), requests.answered, None),
        (
            "requests_removed",
            _("answers that removed content (all or part)"),
            requests.removed + requests.partially_removed,
            requests.removal_rate,
        ),
        ("requests_refused", _("refusals"), requests.refused, _share(requests.refused, requests.answered)),
        ("median_hours", _("Median hours from request to removal"), requests.median_hours, None),
    ]
    figure_columns = [
        Column("figure", gettext_lazy("Figure"), TEXT),
        _code("key", gettext_lazy("Figure code")),
        Column("value", gettext_lazy("Number"), NUMBER),
        Column("share", gettext_lazy("Share"), SHARE),
    ]
    summary_rows = [
        {"key": key, "figure": label, "value": value, "share": share} for key, label, value, share in summary
    ]
    shares = [Column("count", gettext_lazy("Number")), Column("share", gettext_lazy("Share"), SHARE)]

    def rows(items: list[history.Share], label: Any) -> list[dict[str, Any]]:
        return [{"label": label(s.key), "code": s.key, "count": s.count, "share": s.share} for s in items]

    def columns(heading: Any) -> list[Column]:
        return [Column("label", heading, TEXT), _code("code", gettext_lazy("Code")), *shares]

    removed_total = {"label": _("Total"), "code": "", "count": data.places_removed}
    removed_total["share"] = 1.0 if data.places_removed else None
    return [
        Table("summary", _("The year in figures"), figure_columns, summary_rows),
        Table(
            "harms",
            _("Victims by harm type"),
            columns(gettext_lazy("Harm type")),
            rows(data.harms, lambda key: str(HarmType(key).label)),
        ),
        Table(
            "removed_by_kind",
            _("Places removed by kind of platform"),
            columns(gettext_lazy("Kind of platform")),
            rows(data.removed_by_kind, kind_label),
            removed_total,
        ),
        Table(
            "removed_by_finder",
            _("Places removed by who found them"),
            columns(gettext_lazy("Found by")),
            rows(data.removed_by_finder, lambda key: str(FoundBy(key).label)),
            removed_total,
        ),
        Table(
            "duty_reports",
            _("Reports to the police and child protection"),
            columns(gettext_lazy("Reported to")),
            rows(data.duty_reports, lambda key: str(Authority(key).label)),
        ),
        *_trend_tables(data.months),
    ], data


BUILDERS: dict[str, Callable[[ReportScope, Filters, datetime, date | None], tuple[list[Table], Any]]] = {
    "workload": _workload,
    "ageing": _ageing,
    "platforms": _platforms,
    "trends": _trends,
    "annual": _annual,
}


def build(name: str, scope: ReportScope, filters: Filters, now: datetime) -> tuple[list[Table], Any]:
    """The report's tables and the figures they came from (for its charts)."""
    through = summaries.built_through() if REPORTS[name].summarised else None
    return BUILDERS[name](scope, filters, now, through)


def display(value: Any, kind: str) -> str:
    """A value as the page shows it, in the reader's language and time zone."""
    if value is None:
        return "–"
    # Rounded here: number_format cuts decimals off (2/3 would read 66.6%).
    if kind == SHARE:
        return f"{formats.number_format(round(value * 100, 1), decimal_pos=1)}%"
    if kind in (HOURS, NUMBER) and isinstance(value, float):
        return str(formats.number_format(round(value, 1), decimal_pos=1, force_grouping=True))
    if kind in (COUNT, NUMBER):
        return str(formats.number_format(value, force_grouping=True))
    if kind == WHEN:
        return formats.date_format(timezone.localtime(value), "Y-m-d H:i")
    if kind == DAY:
        return value.isoformat()
    if kind == MONTH:
        return value.strftime("%Y-%m") if isinstance(value, date) else str(value)
    if kind == FLAG:
        return _("Yes") if value else ""
    return str(value)
