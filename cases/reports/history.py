"""Platforms, trends and the annual statistics: events counted by day, aggregated by the database.

Days up to the last rebuild come from the daily summaries, later days live (cases/reports/summaries.py),
so a fixed number of queries reads ten years as fast as one. Python only adds up grouped rows (a few
dozen to a few thousand), and computes the median and p90 on SQLite, which has no percentile function
(`make run`, demo sizes).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import connection
from django.db.models import Count, F, FloatField, Func, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from cases.access import ReportScope
from cases.models import (
    Authority,
    Case,
    DutyReport,
    FoundBy,
    HarmType,
    Platform,
    PurgedCaseDay,
    PurgedPlaceDay,
    PurgedTakedown,
    ReportCaseDay,
    ReportPlaceDay,
    ReportRequestDay,
    Sighting,
    TakedownRequest,
    TakedownStatus,
)
from cases.reports import summaries
from cases.reports.filters import Period

WAITING = (TakedownStatus.SENT, TakedownStatus.ACKNOWLEDGED)


# --- Platforms -------------------------------------------------------------------------------------------


class HoursBetween(Func):
    """Hours from the second time to the first (PostgreSQL), as a double: date_part, not EXTRACT, whose
    numeric result sorts several times slower."""

    template = "date_part('epoch', %(expressions)s) / 3600.0"
    arg_joiner = " - "
    output_field = FloatField()


def percentile(values: list[float], fraction: float) -> float | None:
    """percentile_cont in Python: linear interpolation between the closest ranks of the sorted values."""
    if not values:
        return None
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass
class PlatformRow:
    """Request events of the period for one platform (or kind of platform, or all)."""

    key: str
    name: str = ""
    kind: str = ""
    sent: int = 0
    removed: int = 0
    partially_removed: int = 0
    refused: int = 0
    escalated: int = 0
    overdue: int = 0
    median_hours: float | None = None
    p90_hours: float | None = None

    @property
    def answered(self) -> int:
        return self.removed + self.partially_removed + self.refused

    @property
    def removal_rate(self) -> float | None:
        """Of the answers received in the period, the share that removed all or part of the content."""
        return (self.removed + self.partially_removed) / self.answered if self.answered else None


@dataclass
class PlatformPerformance:
    platforms: list[PlatformRow]
    kinds: list[PlatformRow]
    total: PlatformRow


def _request_counts(
    scope: ReportScope, period: Period, through: date | None, platform: Platform | None
) -> dict[int, dict[str, int]]:
    """Request events per platform id in the period: summed summaries, plus the live days."""
    window = summaries.split(period, through)
    counts: dict[int, dict[str, int]] = {}
    if window.summary is not None:
        days = ReportRequestDay.objects.filter(centre_id=scope.centre_id, day__range=window.summary)
        if platform is not None:
            days = days.filter(platform_id=platform.pk)
        sums = days.values("platform_id").annotate(**{name: Sum(name) for name in summaries.REQUEST_FIELDS})
        summaries.merge(counts, sums.order_by(), "platform_id", summaries.REQUEST_FIELDS)
    if window.live is not None:
        live_from, live_to = window.live
        # Requests of purged cases are counted like the others, from their anonymous rows.
        for requests in (TakedownRequest.objects, PurgedTakedown.objects):
            recent = summaries.recent_requests(requests.filter(centre_id=scope.centre_id), live_from)
            if platform is not None:
                recent = recent.filter(platform_id=platform.pk)
            live = recent.values("platform_id").annotate(**summaries.live_request_counts(live_from, live_to))
            summaries.merge(counts, live.order_by(), "platform_id", summaries.REQUEST_FIELDS)
    return counts


def platform_performance(
    scope: ReportScope,
    period: Period,
    now: datetime,
    platform: Platform | None,
    through: date | None,
    detail: bool = True,
) -> PlatformPerformance:
    """Per platform, per kind of platform and in all: requests sent in the period, answers received in it
    (removed, partially removed, refused), escalations in it; requests overdue now; and the median and
    p90 hours from sending to removal of the requests removed in the period (per platform and kind only
    with `detail`: the annual statistics give the centre's alone)."""
    start, end = period.bounds()
    counts = _request_counts(scope, period, through, platform)
    overdue_now = TakedownRequest.objects.filter(centre_id=scope.centre_id, status__in=WAITING, deadline_at__lt=now)
    in_period = {
        "centre_id": scope.centre_id,
        "status": TakedownStatus.REMOVED,
        "closed_at__gte": start,
        "closed_at__lt": end,
    }
    # Removals of purged cases too: medians over any range stay what they were before the purge.
    removed = [TakedownRequest.objects.filter(**in_period), PurgedTakedown.objects.filter(**in_period)]
    if platform is not None:
        overdue_now = overdue_now.filter(platform_id=platform.pk)
        removed = [rows.filter(platform_id=platform.pk) for rows in removed]
    for platform_id, n in (
        overdue_now.values("platform_id").annotate(n=Count("*")).order_by().values_list("platform_id", "n")
    ):
        counts.setdefault(platform_id, dict.fromkeys(summaries.REQUEST_FIELDS, 0))["overdue"] = n

    directory = {pk: (name, kind) for pk, name, kind in Platform.objects.values_list("pk", "name", "kind")}
    rows = {
        pk: PlatformRow(key=str(pk), name=directory[pk][0], kind=directory[pk][1], **values)
        for pk, values in counts.items()
    }
    kinds: dict[str, PlatformRow] = {}
    total = PlatformRow(key="")
    for row in rows.values():
        kind = kinds.setdefault(row.kind, PlatformRow(key=row.kind, kind=row.kind))
        for name in (*summaries.REQUEST_FIELDS, "overdue"):
            setattr(kind, name, getattr(kind, name) + getattr(row, name))
            setattr(total, name, getattr(total, name) + getattr(row, name))
    _times_to_removal(removed, rows, kinds, total, directory, detail)
    ordered = sorted(rows.values(), key=lambda row: (-row.sent, row.name))
    return PlatformPerformance(
        platforms=ordered, kinds=sorted(kinds.values(), key=lambda row: (-row.sent, row.kind)), total=total
    )


def _durations_sql(removed: list[QuerySet[Any]]) -> tuple[str, tuple[Any, ...]]:
    """SELECT platform_id, hours of every removal in `removed` (live requests and purged ones), as one
    UNION ALL for the percentile queries below; each part reads its own index."""
    parts = [
        rows.order_by().values("platform_id", hours=HoursBetween(F("closed_at"), F("sent_at"))) for rows in removed
    ]
    union = parts[0].union(*parts[1:], all=True)
    sql, params = union.query.get_compiler(connection=connection).as_sql()
    return sql, tuple(params)


def _times_to_removal(
    removed: list[QuerySet[Any]],
    rows: dict[int, PlatformRow],
    kinds: dict[str, PlatformRow],
    total: PlatformRow,
    directory: dict[int, tuple[str, str]],
    detail: bool,
) -> None:
    """Median and p90 hours from sending to removal, exact: on PostgreSQL one query over the removals of
    live and purged cases, grouped by platform, by kind and in all (GROUPING SETS; by platform and kind
    only with `detail`); on SQLite in Python from the durations."""
    if connection.vendor == "postgresql":
        durations_sql, params = _durations_sql(removed)
        platforms = connection.ops.quote_name(Platform._meta.db_table)
        # Per platform and per kind only with `detail`; the whole alone otherwise (no grouping at all).
        if detail:
            keys = "GROUPING(t.platform_id), GROUPING(p.kind), t.platform_id, p.kind"
            grouping = "GROUP BY GROUPING SETS ((t.platform_id), (p.kind), ())"
        else:
            keys, grouping = "1, 1, NULL, NULL", ""
        # Names come from the models, every value is a parameter (the compiled querysets' own).
        statement = (
            f"SELECT {keys}, percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY t.hours) "  # noqa: S608  # nosec B608
            f"FROM ({durations_sql}) t JOIN {platforms} p ON p.id = t.platform_id {grouping}"
        )
        with connection.cursor() as cursor:
            cursor.execute(statement, params)
            found = cursor.fetchall()
        for by_platform, by_kind, platform_id, kind, times in found:
            target = total if by_platform and by_kind else rows.get(platform_id) if not by_platform else kinds.get(kind)
            if target is not None and times:
                target.median_hours, target.p90_hours = times
        return
    durations: dict[str, list[float]] = {}
    listed = [list(part.values_list("platform_id", "sent_at", "closed_at")) for part in removed]
    for platform_id, sent_at, closed_at in (row for part in listed for row in part):
        if sent_at is None or closed_at is None:  # never for a removed request; the columns allow it
            continue
        value = (closed_at - sent_at).total_seconds() / 3600
        for key in (f"p{platform_id}", f"k{directory[platform_id][1]}", "all"):
            durations.setdefault(key, []).append(value)
    keyed = [(f"p{pk}", row) for pk, row in rows.items()] + [(f"k{kind}", row) for kind, row in kinds.items()]
    for key, row in [*keyed, ("all", total)]:
        values = durations.get(key, [])
        row.median_hours, row.p90_hours = percentile(values, 0.5), percentile(values, 0.9)


# --- Trends --------------------------------------------------------------------------------------------------


def _month(value: datetime | date) -> date:
    """The first day of a truncated month, as a date in the centre's time zone."""
    if isinstance(value, datetime):
        return (timezone.localtime(value) if timezone.is_aware(value) else value).date()
    return value


@dataclass
class CaseMonth:
    month: date
    opened: int = 0
    closed: int = 0
    minors: int = 0
    synthetic: int = 0
    filming: int = 0
    distribution: int = 0
    sextortion: int = 0
    personal_info: int = 0

    @property
    def synthetic_share(self) -> float | None:
        return self.synthetic / self.opened if self.opened else None

    @property
    def personal_info_share(self) -> float | None:
        return self.personal_info / self.opened if self.opened else None

    @property
    def minors_share(self) -> float | None:
        return self.minors / self.opened if self.opened else None


@dataclass
class PlaceMonth:
    month: date
    found_by_victim: int = 0
    found_by_counsellor: int = 0
    found_by_monitoring: int = 0
    removed: int = 0

    @property
    def found(self) -> int:
        return self.found_by_victim + self.found_by_counsellor + self.found_by_monitoring

    @property
    def monitoring_share(self) -> float | None:
        return self.found_by_monitoring / self.found if self.found else None


@dataclass
class Trends:
    cases: list[CaseMonth]
    places: list[PlaceMonth]


def case_months(scope: ReportScope, period: Period, through: date | None) -> dict[date, dict[str, int]]:
    """Cases opened (all, minors, by harm type) and closed, per month of the period."""
    window = summaries.split(period, through)
    months: dict[date, dict[str, int]] = {}
    if window.summary is not None:
        rows = (
            ReportCaseDay.objects.filter(centre_id=scope.centre_id, day__range=window.summary)
            .values(month=TruncMonth("day"))
            .annotate(**{name: Sum(name) for name in summaries.CASE_FIELDS})
            .order_by()
        )
        summaries.merge(
            months, ({**row, "month": _month(row["month"])} for row in rows), "month", summaries.CASE_FIELDS
        )
    if window.live is not None:
        live_from, live_to = window.live
        purged = summaries.live_purged_days(
            PurgedCaseDay.objects.filter(centre_id=scope.centre_id), live_from, period.end
        )
        kept = purged.values(month=TruncMonth("day")).annotate(**{name: Sum(name) for name in summaries.CASE_FIELDS})
        summaries.merge(
            months, ({**row, "month": _month(row["month"])} for row in kept.order_by()), "month", summaries.CASE_FIELDS
        )
        cases = Case.objects.filter(centre_id=scope.centre_id).order_by()
        opened = (
            cases.filter(created_at__gte=live_from, created_at__lt=live_to)
            .values(month=TruncMonth("created_at"))
            .annotate(**summaries.opened_counts())
        )
        closed = (
            cases.filter(closed_at__gte=live_from, closed_at__lt=live_to)
            .values(month=TruncMonth("closed_at"))
            .annotate(closed=Count("*"))
        )
        for grouped in (opened, closed):
            summaries.merge(
                months, ({**row, "month": _month(row["month"])} for row in grouped), "month", summaries.CASE_FIELDS
            )
    return months


PlaceKey = tuple[date, str, int]  # month, found by, platform id


def place_months(
    scope: ReportScope, period: Period, through: date | None, platform: Platform | None
) -> dict[PlaceKey, dict[str, int]]:
    """Places found and removed in the period, per month, who found them and platform."""
    window = summaries.split(period, through)
    groups: dict[PlaceKey, dict[str, int]] = {}
    if window.summary is not None:
        days = ReportPlaceDay.objects.filter(centre_id=scope.centre_id, day__range=window.summary)
        if platform is not None:
            days = days.filter(platform_id=platform.pk)
        rows = (
            days.values("found_by", "platform_id", month=TruncMonth("day"))
            .annotate(found=Sum("found"), removed=Sum("removed"))
            .order_by()
        )
        summaries.merge(
            groups,
            ({**row, "key": (_month(row["month"]), row["found_by"], row["platform_id"])} for row in rows),
            "key",
            summaries.PLACE_FIELDS,
        )
    if window.live is not None:
        live_from, live_to = window.live
        places = summaries.recent_places(Sighting.objects.filter(centre_id=scope.centre_id), live_from)
        if platform is not None:
            places = places.filter(platform_id=platform.pk)
        # Found and removed in one pass: each row says in which month it was found and removed.
        live = (
            places.values(
                "found_by", "platform_id", found_in=TruncMonth("created_at"), removed_in=TruncMonth("removed_at")
            )
            .annotate(
                found=Count("pk", filter=Q(created_at__gte=live_from, created_at__lt=live_to)),
                removed=Count("pk", filter=Q(removed_at__gte=live_from, removed_at__lt=live_to)),
            )
            .order_by()
        )
        purged = summaries.live_purged_days(
            PurgedPlaceDay.objects.filter(centre_id=scope.centre_id), live_from, period.end
        )
        if platform is not None:
            purged = purged.filter(platform_id=platform.pk)
        kept = (
            purged.values("found_by", "platform_id", month=TruncMonth("day"))
            .annotate(found=Sum("found"), removed=Sum("removed"))
            .order_by()
        )
        summaries.merge(
            groups,
            ({**row, "key": (_month(row["month"]), row["found_by"], row["platform_id"])} for row in kept),
            "key",
            summaries.PLACE_FIELDS,
        )
        for entry in live:
            row: dict[str, Any] = dict(entry)
            for fact, month in (("found", row["found_in"]), ("removed", row["removed_in"])):
                if row[fact]:
                    key = (_month(month), row["found_by"], row["platform_id"])
                    groups.setdefault(key, dict.fromkeys(summaries.PLACE_FIELDS, 0))[fact] += row[fact]
    return groups


def trends(scope: ReportScope, period: Period, platform: Platform | None, through: date | None) -> Trends:
    """By month: cases opened and closed, minors and harm types among those opened; places found (by who
    found them) and removed."""
    return _trends(period, case_months(scope, period, through), place_months(scope, period, through, platform))


def _trends(
    period: Period, case_rows: dict[date, dict[str, int]], place_rows: dict[PlaceKey, dict[str, int]]
) -> Trends:
    months = period.months()
    places = {month: PlaceMonth(month=month) for month in months}
    for (month, found_by, _platform), values in place_rows.items():
        place = places[month]
        setattr(place, f"found_by_{found_by}", getattr(place, f"found_by_{found_by}") + values["found"])
        place.removed += values["removed"]
    cases = [CaseMonth(month=month, **case_rows.get(month, {})) for month in months]
    return Trends(cases=cases, places=list(places.values()))


# --- The annual statistics --------------------------------------------------------------------------------------


@dataclass
class Share:
    """One category of a year's figures: how many, and what share of the whole."""

    key: str
    count: int
    share: float | None


def shares(counts: dict[str, int], keys: list[str], whole: int) -> list[Share]:
    return [
        Share(key=key, count=counts.get(key, 0), share=counts.get(key, 0) / whole if whole else None) for key in keys
    ]


@dataclass
class Annual:
    year: int
    victims: int
    minors: int
    closed: int
    harms: list[Share]
    places_found: int
    places_removed: int
    removed_by_kind: list[Share]
    removed_by_finder: list[Share]
    requests: PlatformRow
    months: Trends
    # Reports to the police and child protection made in the year, by authority (cases/models/duty.py).
    duty_reports: list[Share] = field(default_factory=list)


def duty_reports(scope: ReportScope, period: Period) -> list[Share]:
    """Reports the law required, recorded as made in the period, by authority: one query, read live
    (a handful a day), from dutyreport_centre_idx."""
    start, end = period.bounds()
    rows = DutyReport.objects.filter(centre_id=scope.centre_id, reported_at__gte=start, reported_at__lt=end)
    if scope.user_id is not None:
        rows = rows.filter(reported_by_id=scope.user_id)
    counts = dict(rows.values_list("authority").annotate(n=Count("pk")).values_list("authority", "n"))
    return shares(counts, list(Authority.values), sum(counts.values()))


def annual(scope: ReportScope, year: int, now: datetime, through: date | None) -> Annual:
    """One year in the shape of the national centre's yearly report: victims (cases opened), minors, harm
    types, places removed by kind of platform and by who found them, requests to platforms, by month."""
    period = Period.year(year)
    place_rows = place_months(scope, period, through, None)
    months = _trends(period, case_months(scope, period, through), place_rows)
    kind_of = dict(Platform.objects.values_list("pk", "kind"))
    removed_by_kind: dict[str, int] = {}
    removed_by_finder: dict[str, int] = {}
    for (_month_start, finder, platform_id), values in place_rows.items():
        if values["removed"]:
            kind = kind_of[platform_id]
            removed_by_kind[kind] = removed_by_kind.get(kind, 0) + values["removed"]
            removed_by_finder[finder] = removed_by_finder.get(finder, 0) + values["removed"]
    victims = sum(month.opened for month in months.cases)
    removed = sum(month.removed for month in months.places)
    harm_counts = {harm: sum(getattr(month, harm) for month in months.cases) for harm in HarmType.values}
    return Annual(
        year=year,
        victims=victims,
        minors=sum(month.minors for month in months.cases),
        closed=sum(month.closed for month in months.cases),
        harms=shares(harm_counts, list(HarmType.values), victims),
        places_found=sum(month.found for month in months.places),
        places_removed=removed,
        removed_by_kind=shares(
            removed_by_kind, sorted(removed_by_kind, key=lambda kind: (-removed_by_kind[kind], kind)), removed
        ),
        removed_by_finder=shares(removed_by_finder, list(FoundBy.values), removed),
        requests=platform_performance(scope, period, now, None, through, detail=False).total,
        months=months,
        duty_reports=duty_reports(scope, period),
    )
