"""Workload and ageing: snapshots of a centre's open cases, aggregated by the database, read live.

A fixed number of queries whatever the data volume. Every function takes a ReportScope from
cases/access.py, so a report never reads past the centre, and a counsellor's workload never past her
own cases. Platforms, trends and the annual statistics, which count events over time, are in
cases/reports/history.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Case as CaseWhen
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models import When as WhenClause

from accounts.models import Role, User
from cases.access import OPEN_STATUSES, ReportScope
from cases.models import (
    Case,
    CaseEvent,
    FollowUp,
    PartnerKind,
    Priority,
    Referral,
    ReferralStatus,
    Status,
    TakedownRequest,
    TakedownStatus,
)
from cases.reports.filters import Period

FOLLOWUP_WINDOW = timedelta(days=7)
# Ages of open cases in whole days: 0–7, 8–30, 31–90, over 90.
AGE_BUCKETS: tuple[tuple[str, int | None], ...] = (("0-7", 7), ("8-30", 30), ("31-90", 90), ("90+", None))
OLDEST = 10
WAITING = (TakedownStatus.SENT, TakedownStatus.ACKNOWLEDGED)


def _open(scope: ReportScope) -> QuerySet[Case]:
    return Case.objects.filter(centre_id=scope.centre_id, status__in=OPEN_STATUSES)


# --- Workload --------------------------------------------------------------------------------------------


@dataclass
class WorkloadRow:
    """One person's caseload (or the unassigned intake queue, `user_id` None)."""

    user_id: int | None
    name: str
    active: bool = True
    open: int = 0
    new: int = 0
    in_progress: int = 0
    monitoring: int = 0
    urgent: int = 0
    high: int = 0
    normal: int = 0
    low: int = 0
    minors: int = 0
    new_in_period: int = 0
    overdue_takedowns: int = 0
    followups_due: int = 0
    last_activity: datetime | None = None
    has_room: bool | None = None


COUNTED = (
    "open",
    "new",
    "in_progress",
    "monitoring",
    "urgent",
    "high",
    "normal",
    "low",
    "minors",
    "new_in_period",
    "overdue_takedowns",
    "followups_due",
)


@dataclass
class Workload:
    rows: list[WorkloadRow]
    total: WorkloadRow | None
    average_open: float | None


def workload(scope: ReportScope, period: Period, now: datetime) -> Workload:
    """Per person: open cases by status and priority, minors, cases opened in the period, overdue requests
    of her open cases, her follow-ups due in the next seven days, her last recorded change. Supervisors
    also get the intake queue, the centre's totals and who has room."""
    start, end = period.bounds()
    open_cases = _open(scope)
    opened = Case.objects.filter(centre_id=scope.centre_id, created_at__gte=start, created_at__lt=end)
    overdue_requests = TakedownRequest.objects.filter(
        centre_id=scope.centre_id,
        status__in=WAITING,
        deadline_at__lt=now,
        case__status__in=OPEN_STATUSES,
        case__centre_id=scope.centre_id,
    )
    followups = FollowUp.objects.filter(
        case__centre_id=scope.centre_id,
        case__status__in=OPEN_STATUSES,
        due_at__gte=now,
        due_at__lt=now + FOLLOWUP_WINDOW,
    )
    if scope.user_id is not None:
        open_cases = open_cases.filter(assigned_to_id=scope.user_id)
        opened = opened.filter(assigned_to_id=scope.user_id)
        overdue_requests = overdue_requests.filter(case__assigned_to_id=scope.user_id)
        followups = followups.filter(owner_id=scope.user_id)
    # Open cases from case_open_report_idx alone (PostgreSQL): no victim detail is read.
    by_person = open_cases.values("assigned_to_id").annotate(
        open=Count("*"),
        **{
            status.value: Count("pk", filter=Q(status=status))
            for status in (Status.NEW, Status.IN_PROGRESS, Status.MONITORING)
        },
        **{priority: Count("pk", filter=Q(priority=priority)) for priority in Priority.values},
        minors=Count("pk", filter=Q(is_minor=True)),
    )
    grouped: list[dict[str, Any]] = [dict(row) for row in by_person.order_by()]
    counts: dict[int | None, dict[str, Any]] = {row.pop("assigned_to_id"): row for row in grouped}
    new_in_period: dict[int | None, int] = dict(
        opened.values("assigned_to_id").annotate(n=Count("*")).order_by().values_list("assigned_to_id", "n")
    )
    overdue: dict[int | None, int] = dict(
        overdue_requests.values("case__assigned_to_id")
        .annotate(n=Count("*"))
        .order_by()
        .values_list("case__assigned_to_id", "n")
    )
    due: dict[int | None, int] = dict(
        followups.values("owner_id").annotate(n=Count("*")).order_by().values_list("owner_id", "n")
    )

    # A row for every active counsellor (who might take the next case), and for anyone else holding
    # cases here: a supervisor, or a counsellor who has left and whose cases need a new owner.
    holders = {pk for pk in [*counts, *new_in_period, *overdue, *due] if pk is not None}
    people = User.objects.filter(centre_id=scope.centre_id)
    if scope.user_id is not None:
        people = people.filter(pk=scope.user_id)
    else:
        people = people.filter(Q(is_active=True, role=Role.COUNSELLOR) | Q(pk__in=holders))
    latest = CaseEvent.objects.filter(actor_id=OuterRef("pk")).order_by("-created_at").values("created_at")[:1]
    staff = people.annotate(last_activity=Subquery(latest)).order_by("full_name", "pk")

    def row_for(user_id: int | None, **fields: Any) -> WorkloadRow:
        row = WorkloadRow(user_id=user_id, **fields, **counts.get(user_id, {}))
        row.new_in_period = new_in_period.get(user_id, 0)
        row.overdue_takedowns = overdue.get(user_id, 0)
        row.followups_due = due.get(user_id, 0) if user_id is not None else 0
        return row

    rows: list[WorkloadRow] = []
    roles: dict[int | None, str] = {}
    for person in staff.values("pk", "full_name", "is_active", "role", "last_activity"):
        rows.append(
            row_for(
                person["pk"],
                name=person["full_name"],
                active=person["is_active"],
                last_activity=person["last_activity"],
            )
        )
        roles[person["pk"]] = person["role"]
    if scope.user_id is not None:
        return Workload(rows=rows, total=None, average_open=None)

    counsellors = [row for row in rows if roles[row.user_id] == Role.COUNSELLOR and row.active]
    average = sum(row.open for row in counsellors) / len(counsellors) if counsellors else None
    for row in counsellors:
        # Room: fewer open cases than the counsellors' average, and no platform deadline missed.
        row.has_room = average is not None and row.open < average and row.overdue_takedowns == 0
    intake = row_for(None, name="")
    total = WorkloadRow(user_id=None, name="")
    for name in COUNTED:
        setattr(total, name, sum(getattr(row, name) for row in [*rows, intake]))
    activity = [row.last_activity for row in rows if row.last_activity is not None]
    total.last_activity = max(activity) if activity else None
    return Workload(rows=[*rows, intake], total=total, average_open=average)


# --- Ageing ----------------------------------------------------------------------------------------------


@dataclass
class AgeingRow:
    bucket: str
    new: int = 0
    in_progress: int = 0
    monitoring: int = 0

    @property
    def total(self) -> int:
        return self.new + self.in_progress + self.monitoring


@dataclass
class Ageing:
    rows: list[AgeingRow]
    oldest: list[Case] = field(default_factory=list)


def age_bucket(now: datetime) -> CaseWhen:
    """The bucket of an open case by its age in whole days (opened 7 days and 23 hours ago is 7 days)."""
    whens = [
        WhenClause(created_at__gt=now - timedelta(days=last + 1), then=Value(name))
        for name, last in AGE_BUCKETS
        if last is not None
    ]
    return CaseWhen(*whens, default=Value(AGE_BUCKETS[-1][0]))


def ageing(scope: ReportScope, now: datetime) -> Ageing:
    """Open cases by age and status, and the oldest ten (reference, status, assignee: no victim detail)."""
    grouped = _open(scope).annotate(bucket=age_bucket(now)).values("bucket", "status").annotate(n=Count("*")).order_by()
    rows = {name: AgeingRow(bucket=name) for name, _last in AGE_BUCKETS}
    for entry in grouped:
        setattr(rows[entry["bucket"]], entry["status"], entry["n"])
    # The ten ids from case_open_report_idx alone, then their rows: walking all of the centre's cases
    # from the oldest would step over ten years of closed ones first.
    first_ten = _open(scope).order_by("created_at", "pk").values("pk")[:OLDEST]
    oldest = list(
        Case.objects.filter(pk__in=Subquery(first_ten))
        .select_related("assigned_to")
        .only("pk", "reference", "status", "priority", "created_at", "assigned_to__full_name")
        .order_by("created_at", "pk")[:OLDEST]
    )
    return Ageing(rows=list(rows.values()), oldest=oldest)


# --- Referrals ---------------------------------------------------------------------------------------------


@dataclass
class ReferralRow:
    """Referrals of one kind made in the period, by where they stand now."""

    kind: str
    proposed: int = 0
    consented: int = 0
    sent: int = 0
    accepted: int = 0
    declined: int = 0
    completed: int = 0

    @property
    def total(self) -> int:
        return self.proposed + self.consented + self.sent + self.accepted + self.declined + self.completed


@dataclass
class Referrals:
    rows: list[ReferralRow]


def referrals(scope: ReportScope, period: Period) -> Referrals:
    """The centre's referrals made in the period, by kind and outcome: one grouped query on
    referral_report_idx (centre, created_at), whatever the number of referrals."""
    start, end = period.bounds()
    made = Referral.objects.filter(centre_id=scope.centre_id, created_at__gte=start, created_at__lt=end)
    grouped = made.values("kind", "status").annotate(n=Count("*")).order_by()
    rows = {kind: ReferralRow(kind=kind) for kind in PartnerKind.values}
    for entry in grouped:
        if entry["kind"] in rows and entry["status"] in ReferralStatus.values:
            setattr(rows[entry["kind"]], entry["status"], entry["n"])
    return Referrals(rows=list(rows.values()))
