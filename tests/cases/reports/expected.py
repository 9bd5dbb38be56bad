"""The report figures computed another way: plain Python over every row, loaded whole.

Nothing here is shared with cases/reports/: no query, no summary table, no helper. If a report and
this module agree on the fixed data set, the SQL (and the summaries) count what the page says.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from accounts.models import Centre, User
from cases.models import Case, CaseEvent, FollowUp, Sighting, TakedownRequest

OPEN = {"new", "in_progress", "monitoring"}


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def within(moment: datetime | None, first: date, last: date) -> bool:
    return moment is not None and first <= timezone.localtime(moment).date() <= last


def month_of(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m")


def quantile(values: list[float], fraction: float) -> float | None:
    """percentile_cont by the statistics module: n - 1 intervals, linear interpolation ('inclusive')."""
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    if fraction == 0.5:
        return statistics.median(values)
    return statistics.quantiles(values, n=10, method="inclusive")[round(fraction * 10) - 1]


def waiting_past_deadline(request: TakedownRequest, now: datetime) -> bool:
    return request.status in ("sent", "acknowledged") and request.deadline_at is not None and request.deadline_at < now


def workload(centre: Centre, now: datetime, first: date, last: date) -> dict[str, dict[str, Any]]:
    """Per person's full name ("" for the intake queue)."""
    cases = list(Case.objects.filter(centre=centre).select_related("assigned_to"))
    requests = list(TakedownRequest.objects.filter(centre=centre).select_related("case"))
    followups = list(FollowUp.objects.filter(case__centre=centre).select_related("case", "owner"))
    events = list(CaseEvent.objects.filter(actor__centre=centre).select_related("actor"))
    rows: dict[str, Counter[str]] = defaultdict(Counter)
    for case in cases:
        name = case.assigned_to.full_name if case.assigned_to else ""
        row = rows[name]
        if case.status in OPEN:
            row["open"] += 1
            row[case.status] += 1
            row[case.priority] += 1
            row["minors"] += case.is_minor
        if within(case.created_at, first, last):
            row["new_in_period"] += 1
    for request in requests:
        if waiting_past_deadline(request, now) and request.case.status in OPEN:
            owner = request.case.assigned_to
            assignee = owner.full_name if owner is not None else ""
            rows[assignee]["overdue_takedowns"] += 1
    for followup in followups:
        if followup.case.status in OPEN and now <= followup.due_at < now + timedelta(days=7):
            rows[followup.owner.full_name]["followups_due"] += 1
    last_seen: dict[str, datetime] = {}
    for event in events:
        if event.actor is not None:
            seen = event.actor.full_name
            last_seen[seen] = max(last_seen.get(seen, event.created_at), event.created_at)
    result: dict[str, dict[str, Any]] = {name: dict(counts) for name, counts in rows.items()}
    for user in User.objects.filter(centre=centre, is_active=True, role="counsellor"):
        result.setdefault(user.full_name, {})
    for person, figures in result.items():
        figures["last_activity"] = last_seen.get(person)
    return result


def ageing(centre: Centre, now: datetime) -> tuple[dict[str, Counter[str]], list[str]]:
    buckets: dict[str, Counter[str]] = defaultdict(Counter)
    open_cases = [c for c in Case.objects.filter(centre=centre) if c.status in OPEN]
    for case in open_cases:
        days = (now - case.created_at).days
        bucket = "0-7" if days <= 7 else "8-30" if days <= 30 else "31-90" if days <= 90 else "90+"
        buckets[bucket][case.status] += 1
    oldest = sorted(open_cases, key=lambda c: (c.created_at, c.pk))[:10]
    return buckets, [c.display_reference for c in oldest]


def platforms(
    centre: Centre, now: datetime, first: date, last: date, platform_name: str | None = None
) -> dict[str, dict[str, Any]]:
    """Per platform name, per kind ("kind:<kind>") and in all ("all")."""
    groups: dict[str, Counter[str]] = defaultdict(Counter)
    hours: dict[str, list[float]] = defaultdict(list)
    for request in TakedownRequest.objects.filter(centre=centre).select_related("platform"):
        if platform_name is not None and request.platform.name != platform_name:
            continue
        keys = [request.platform.name, f"kind:{request.platform.kind}", "all"]
        facts = {
            "sent": within(request.sent_at, first, last),
            "removed": request.status == "removed" and within(request.closed_at, first, last),
            "partially_removed": request.status == "partially_removed" and within(request.closed_at, first, last),
            "refused": request.status == "refused" and within(request.closed_at, first, last),
            "escalated": within(request.escalated_at, first, last),
            "overdue": waiting_past_deadline(request, now),
        }
        if not any(facts.values()):
            continue
        for key in keys:
            for name, happened in facts.items():
                groups[key][name] += happened
            if facts["removed"] and request.closed_at and request.sent_at:
                hours[key].append((request.closed_at - request.sent_at).total_seconds() / 3600)
    result: dict[str, dict[str, Any]] = {}
    for key, counts in groups.items():
        figures: dict[str, Any] = dict(counts)
        figures["median_hours"] = quantile(hours[key], 0.5)
        figures["p90_hours"] = quantile(hours[key], 0.9)
        answered = counts["removed"] + counts["partially_removed"] + counts["refused"]
        figures["removal_rate"] = (counts["removed"] + counts["partially_removed"]) / answered if answered else None
        result[key] = figures
    return result


def trends(centre: Centre, months: list[str], platform_name: str | None = None) -> dict[str, dict[str, int]]:
    rows: dict[str, Counter[str]] = {month: Counter() for month in months}
    for case in Case.objects.filter(centre=centre):
        month = month_of(case.created_at)
        if month in rows:
            rows[month]["opened"] += 1
            rows[month]["minors"] += case.is_minor
            for harm in case.harm_types:
                rows[month][harm] += 1
        if case.closed_at is not None and month_of(case.closed_at) in rows:
            rows[month_of(case.closed_at)]["closed"] += 1
    for place in Sighting.objects.filter(case__centre=centre).select_related("platform"):
        if platform_name is not None and place.platform.name != platform_name:
            continue
        if month_of(place.created_at) in rows:
            rows[month_of(place.created_at)][f"found_by_{place.found_by}"] += 1
        if place.removed_at is not None and month_of(place.removed_at) in rows:
            rows[month_of(place.removed_at)]["removed"] += 1
    return {month: dict(counts) for month, counts in rows.items()}


def annual(centre: Centre, year: int) -> dict[str, Any]:
    def in_year(moment: datetime | None) -> bool:
        return moment is not None and timezone.localtime(moment).year == year

    cases = [c for c in Case.objects.filter(centre=centre) if in_year(c.created_at)]
    harms = Counter(harm for case in cases for harm in case.harm_types)
    places = list(Sighting.objects.filter(case__centre=centre).select_related("platform"))
    removed = [p for p in places if in_year(p.removed_at)]
    return {
        "victims": len(cases),
        "minors": sum(c.is_minor for c in cases),
        "closed": sum(in_year(c.closed_at) for c in Case.objects.filter(centre=centre)),
        "harms": dict(harms),
        "places_found": sum(in_year(p.created_at) for p in places),
        "places_removed": len(removed),
        "removed_by_kind": dict(Counter(p.platform.kind for p in removed)),
        "removed_by_finder": dict(Counter(p.found_by for p in removed)),
    }
