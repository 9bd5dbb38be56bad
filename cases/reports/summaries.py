"""Daily summaries: yesterday and before from summary tables rebuilt every night, today counted live.

Why: at ten years of data (3,000,000 requests), counting a year of requests or places row by row takes
hundreds of milliseconds; the same figures from one row per centre, day and platform take a few.

What is counted is an *event on a day*: a case opened, a case closed, a place found, a place removed, a
request sent, answered (removed, partially removed, refused) or escalated. An event happens once and
its day never changes, so yesterday's counts stay right until somebody edits an older record: a case
reopened, a place's "found by" corrected, harm types changed, a case purged after its retention period.
Those edits reach the reports at the next rebuild (every night, or `manage.py rebuild_report_summaries`);
everything that happens today is counted live. If the summaries were never built, or beat has been
down, every day after the last rebuild is counted live: slower, never wrong.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, F, Model, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from cases.models import (
    Case,
    HarmType,
    PurgedCaseDay,
    PurgedPlaceDay,
    PurgedTakedown,
    ReportBuild,
    ReportCaseDay,
    ReportPlaceDay,
    ReportRequestDay,
    Sighting,
    TakedownRequest,
    TakedownStatus,
)
from cases.reports.filters import Period

CASE_FIELDS = ("opened", "minors", *HarmType.values, "closed")
PLACE_FIELDS = ("found", "removed")
REQUEST_FIELDS = ("sent", "removed", "partially_removed", "refused", "escalated")
ANSWERS = (TakedownStatus.REMOVED, TakedownStatus.PARTIALLY_REMOVED, TakedownStatus.REFUSED)


def has_harm(harm: str) -> Q:
    """Cases whose harm types include `harm`: JSON containment on PostgreSQL; on SQLite (no containment
    lookup) the quoted value in the JSON text, unambiguous since no harm type's name contains another's."""
    if connection.vendor == "postgresql":
        return Q(harm_types__contains=[harm])
    return Q(harm_types__icontains=f'"{harm}"')


# --- What is counted: the same definitions for the rebuild and for the live days ----------------------------


def opened_counts() -> dict[str, Any]:
    """Cases opened: all, minors, and each harm type."""
    return {
        "opened": Count("*"),
        "minors": Count("pk", filter=Q(is_minor=True)),
        **{harm: Count("pk", filter=has_harm(harm)) for harm in HarmType.values},
    }


def answer_counts() -> dict[str, Any]:
    """Requests answered, by answer (the status they were answered with)."""
    return {status: Count("pk", filter=Q(status=status)) for status in ANSWERS}


def live_request_counts(start: datetime, end: datetime) -> dict[str, Any]:
    """Each kind of request event in [start, end), counted in one pass over the requests."""
    return {
        "sent": Count("pk", filter=Q(sent_at__gte=start, sent_at__lt=end)),
        **{status: Count("pk", filter=Q(status=status, closed_at__gte=start, closed_at__lt=end)) for status in ANSWERS},
        "escalated": Count("pk", filter=Q(escalated_at__gte=start, escalated_at__lt=end)),
    }


def recent_requests(requests: QuerySet[Any], start: datetime) -> QuerySet[Any]:
    """Requests with an event at or after `start`. Events come in order (sent, escalated, answered), so
    the latest is the first set of closed_at, escalated_at, sent_at: takedown_last_event_idx."""
    return requests.alias(last_event=Coalesce("closed_at", "escalated_at", "sent_at")).filter(last_event__gte=start)


def recent_places(places: QuerySet[Sighting], start: datetime) -> QuerySet[Sighting]:
    """Places found or removed at or after `start` (sighting_last_event_idx)."""
    return places.alias(last_event=Coalesce("removed_at", "created_at")).filter(last_event__gte=start)


# --- Which days come from where -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Split:
    """The days of a period read from the summaries (inclusive), and the moments counted live [from, to)."""

    summary: tuple[date, date] | None
    live: tuple[datetime, datetime] | None


def built_through() -> date | None:
    """The last day the summaries cover; None before the first rebuild."""
    return ReportBuild.objects.filter(pk=1).values_list("through", flat=True).first()


def split(period: Period, through: date | None) -> Split:
    start, end = period.bounds()
    if through is None or through < period.start:
        return Split(summary=None, live=(start, end))
    if through >= period.end:
        return Split(summary=(period.start, period.end), live=None)
    live_from, _end = Period(through + timedelta(days=1), period.end).bounds()
    return Split(summary=(period.start, through), live=(live_from, end))


# --- The rebuild ------------------------------------------------------------------------------------------------


def upsert_counts(model: type[Model], keys: Mapping[str, str], rows: QuerySet[Any]) -> None:
    """INSERT INTO the model's table SELECT … of the grouped query, in the database (no row passes through
    Python); a row whose key is already there gets these counts added to its own (the other kinds of
    event of the same day). `keys` maps the key aliases of the query to their columns; every other alias
    is a count column of the same name. The SELECT's order is read back from the compiled query, so it
    cannot drift from the INSERT's column list."""
    # In centre and day order: a centre's rows sit together on disk, and a report reads few pages.
    compiler = rows.order_by(*keys).query.get_compiler(connection=connection)
    sql, params = compiler.as_sql()
    aliases = [str(alias) for _expression, _sql, alias in compiler.select]
    quote = connection.ops.quote_name
    targets = ", ".join(quote(keys.get(alias, alias)) for alias in aliases)
    conflict = ", ".join(quote(column) for column in keys.values())
    table = quote(model._meta.db_table)
    counts = ", ".join(f"{quote(a)} = {table}.{quote(a)} + EXCLUDED.{quote(a)}" for a in aliases if a not in keys)
    with connection.cursor() as cursor:
        # Names come from the models, every value is a parameter. The SELECT has a WHERE clause, which
        # SQLite needs to read ON CONFLICT after INSERT … SELECT unambiguously.
        statement = f"INSERT INTO {table} ({targets}) {sql} ON CONFLICT ({conflict}) DO UPDATE SET {counts}"  # nosec B608
        cursor.execute(statement, params)


def rebuild(now: datetime | None = None) -> ReportBuild:
    """Replaces every summary row with counts up to the end of yesterday (in the centre's time zone)."""
    build = _locked_rebuild(now or timezone.now(), if_stale=False)
    assert build is not None  # noqa: S101 - always rebuilt when not asked to check
    return build


def rebuild_if_stale(now: datetime | None = None) -> ReportBuild | None:
    """Rebuilds when the summaries do not reach yesterday yet (a new day began); else nothing."""
    return _locked_rebuild(now or timezone.now(), if_stale=True)


def _locked_rebuild(now: datetime, *, if_stale: bool) -> ReportBuild | None:
    """One transaction: a report reads either the old summaries or the new ones, never half of each; and
    the build row's lock makes a second rebuild wait for the first instead of adding its rows twice."""
    ReportBuild.objects.get_or_create(pk=1)
    with transaction.atomic():
        build = ReportBuild.objects.select_for_update().get(pk=1)
        # Checked under the lock: of two workers that both saw stale summaries, the second finds them fresh.
        yesterday = timezone.localdate(now) - timedelta(days=1)
        if if_stale and build.through is not None and build.through >= yesterday:
            return None
        return _rebuild(build, now)


def by_day(rows: QuerySet[Any], moment: str, *more: str) -> QuerySet[Any]:
    """Rows grouped by centre, by the local day of `moment`, and by `more` columns (as k_<column>)."""
    return rows.values(
        k_centre=F("centre_id"), k_day=TruncDate(moment), **{f"k_{column}": F(column) for column in more}
    )


def _rebuild(build: ReportBuild, now: datetime) -> ReportBuild:
    started = time.monotonic()
    through = timezone.localdate(now) - timedelta(days=1)
    _start, end = Period(through, through).bounds()
    for model in (ReportCaseDay, ReportPlaceDay, ReportRequestDay):
        model.objects.all().delete()

    day = {"k_centre": "centre_id", "k_day": "day"}
    cases = Case.objects.order_by()
    upsert_counts(
        ReportCaseDay, day, by_day(cases.filter(created_at__lt=end), "created_at").annotate(**opened_counts())
    )
    upsert_counts(ReportCaseDay, day, by_day(cases.filter(closed_at__lt=end), "closed_at").annotate(closed=Count("*")))
    # Purged cases: their counts were kept without them (cases/models/retention.py).
    upsert_counts(ReportCaseDay, day, purged_days(PurgedCaseDay.objects.filter(day__lte=through), CASE_FIELDS))

    place = {**day, "k_platform_id": "platform_id", "k_found_by": "found_by"}
    places = Sighting.objects.order_by()
    found = by_day(places.filter(created_at__lt=end), "created_at", "platform_id", "found_by")
    removed = by_day(places.filter(removed_at__lt=end), "removed_at", "platform_id", "found_by")
    upsert_counts(ReportPlaceDay, place, found.annotate(found=Count("*")))
    upsert_counts(ReportPlaceDay, place, removed.annotate(removed=Count("*")))
    purged_places = PurgedPlaceDay.objects.filter(day__lte=through)
    upsert_counts(ReportPlaceDay, place, purged_days(purged_places, PLACE_FIELDS, "platform_id", "found_by"))

    request = {**day, "k_platform_id": "platform_id"}
    # Requests of purged cases count the same way, from their anonymous rows (same column names).
    for requests in (TakedownRequest.objects.order_by(), PurgedTakedown.objects.order_by()):
        sent = by_day(requests.filter(sent_at__lt=end), "sent_at", "platform_id")
        answered = by_day(requests.filter(closed_at__lt=end, status__in=ANSWERS), "closed_at", "platform_id")
        escalated = by_day(requests.filter(escalated_at__lt=end), "escalated_at", "platform_id")
        upsert_counts(ReportRequestDay, request, sent.annotate(sent=Count("*")))
        upsert_counts(ReportRequestDay, request, answered.annotate(**answer_counts()))
        upsert_counts(ReportRequestDay, request, escalated.annotate(escalated=Count("*")))
    if connection.vendor == "postgresql":
        # Fresh statistics, so that the planner knows how many rows a centre's year has.
        with connection.cursor() as cursor:
            for model in (ReportCaseDay, ReportPlaceDay, ReportRequestDay):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    build.through, build.built_at, build.seconds = through, now, time.monotonic() - started
    build.save(update_fields=["through", "built_at", "seconds"])
    return build


def purged_days(rows: QuerySet[Any], fields: Iterable[str], *more: str) -> QuerySet[Any]:
    """Kept counts of purged cases, keyed like by_day() (one row per key already: a plain Sum)."""
    keys = {"k_centre": F("centre_id"), "k_day": F("day"), **{f"k_{column}": F(column) for column in more}}
    return rows.order_by().values(**keys).annotate(**{name: Sum(name) for name in fields})


def live_purged_days(rows: QuerySet[Any], live_from: datetime, period_end: date) -> QuerySet[Any]:
    """Kept counts of purged cases on the days counted live: from the local day of `live_from` (always
    a midnight, cases/reports/summaries.split) to the period's last day."""
    return rows.filter(day__gte=timezone.localdate(live_from), day__lte=period_end)


def merge(into: dict[Any, dict[str, int]], rows: Iterable[Mapping[str, Any]], key: str, fields: Iterable[str]) -> None:
    """Adds grouped rows (summary sums and live counts) into one count per key and field."""
    names = tuple(fields)
    for row in rows:
        bucket = into.setdefault(row[key], dict.fromkeys(names, 0))
        for name in names:
            bucket[name] += row.get(name) or 0
