"""caseflow.db.ValuesRead: the rows and the count of the case lists, read by hand-written statements
around the WHERE and ORDER BY the ORM compiled, must be exactly what the ORM reads, or be read by it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import Exists, OuterRef, QuerySet
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from caseflow.db import ValuesRead, where_of
from cases import access
from cases.actions.cases import do_assign_case, do_transition_case
from cases.api.cases import LIST_VALUES
from cases.models import Case, Note
from cases.views.case_list import ROW_VALUES
from tests.cases.conftest import open_case

pytestmark = pytest.mark.django_db

# Read by hand: conditions and orderings on the cases' own columns, however the ORM writes them.
BY_HAND: dict[str, Callable[[User, User], QuerySet[Case]]] = {
    "her centre, newest first": lambda alice, bob: access.cases_visible_to(alice).order_by("-created_at", "-pk"),
    "her colleague's rule (OR)": lambda alice, bob: access.cases_visible_to(bob).order_by("priority_rank", "pk"),
    "assigned to her, one status": lambda alice, bob: (
        access.my_cases(alice).filter(status="in_progress").order_by("-updated_at", "-pk")
    ),
    "a subquery (Exists)": lambda alice, bob: Case.objects.filter(
        Exists(Note.objects.filter(case_id=OuterRef("pk")))
    ).order_by("reference"),
    "ids in a list": lambda alice, bob: (
        Case.objects.filter(pk__in=list(Case.objects.values_list("pk", flat=True)[:3]))
        .exclude(is_minor=True)
        .order_by("-pk")
    ),
    "no condition at all": lambda alice, bob: Case.objects.order_by("status", "-created_at", "-pk"),
    "a condition nothing meets": lambda alice, bob: Case.objects.filter(pk__in=[]).order_by("pk"),
    "none()": lambda alice, bob: Case.objects.none().order_by("pk"),
    "a time window": lambda alice, bob: Case.objects.filter(
        created_at__gte=timezone.now() - timedelta(days=1), assigned_to__isnull=False
    ).order_by("created_at", "pk"),
}
# Read through the ORM: what the hand-written statements do not write.
BY_THE_ORM: dict[str, Callable[[User, User], QuerySet[Case]]] = {
    "a condition through a join": lambda alice, bob: Case.objects.filter(assigned_to__full_name="Alice Kim").order_by(
        "pk"
    ),
    "an ordering through a join": lambda alice, bob: Case.objects.order_by("assigned_to__full_name", "pk"),
    "no ordering": lambda alice, bob: Case.objects.filter(is_minor=False),
    "distinct": lambda alice, bob: Case.objects.distinct().order_by("pk"),
    "sliced": lambda alice, bob: Case.objects.order_by("pk")[:4],
    "reversed": lambda alice, bob: Case.objects.order_by("created_at", "pk").reverse(),
    "a foreign key by its name (its model's ordering)": lambda alice, bob: Case.objects.order_by("assigned_to", "pk"),
}
WINDOWS = [(0, 25), (0, 1), (2, 5), (3, 100), (4, 4), (40, 50)]


@pytest.fixture
def cases(alice: User, bob: User, carol: User, dave: User) -> list[Case]:
    made = [open_case(alice, victim_name=f"김민지 {number}", is_minor=number % 2 == 0) for number in range(5)]
    made += [open_case(bob, victim_name="Jane Roe", priority="urgent"), open_case(dave, victim_name="다른 센터")]
    do_transition_case(actor=alice, case=made[1], status="in_progress")
    do_assign_case(actor=carol, case=made[2], assignee=None)  # the intake queue: no counsellor, None joined
    Note.objects.create(case=made[3], author=alice, body="첫 상담")
    return made


@pytest.mark.parametrize("name", sorted(BY_HAND))
@pytest.mark.parametrize("fields", [LIST_VALUES, ROW_VALUES], ids=["api", "page"])
def test_it_reads_by_hand_what_the_orm_reads(cases: list[Case], alice: User, bob: User, name: str, fields) -> None:
    queryset = BY_HAND[name](alice, bob)
    read = ValuesRead(queryset, fields)
    assert read.hand_written, f"{name} should be read by hand"
    assert read.count() == queryset.count()
    for start, stop in WINDOWS:
        with CaptureQueriesContext(connection) as ctx:
            rows = read[start:stop]
        assert rows == list(queryset.values_list(*fields)[start:stop]), (name, start, stop)
        # One statement a page at most (none when nothing can match), with no join for the total.
        assert len(ctx.captured_queries) <= 1
    assert any(row for start, stop in WINDOWS for row in read[start:stop]) == queryset.exists()


@pytest.mark.parametrize("name", sorted(BY_THE_ORM))
def test_it_leaves_to_the_orm_what_it_does_not_write(cases: list[Case], alice: User, bob: User, name: str) -> None:
    queryset = BY_THE_ORM[name](alice, bob)
    read = ValuesRead(queryset, LIST_VALUES)
    assert not read.hand_written
    assert read.count() == queryset.count()
    assert read[0:3] == list(queryset.values_list(*LIST_VALUES)[0:3])


def test_it_counts_the_cases_alone(cases: list[Case], alice: User) -> None:
    read = ValuesRead(access.cases_visible_to(alice).order_by("-created_at", "-pk"), LIST_VALUES)
    with CaptureQueriesContext(connection) as ctx:
        assert read.count() == 5  # her four and the intake queue's one
    assert "JOIN" not in ctx.captured_queries[0]["sql"].upper()


@pytest.mark.parametrize("name", [*sorted(BY_HAND), "a condition through a join", "sliced", "distinct"])
def test_its_where_is_the_orms_rows_even_through_a_join(cases: list[Case], alice: User, bob: User, name: str) -> None:
    queryset = {**BY_HAND, **BY_THE_ORM}[name](alice, bob)
    where, params = where_of(queryset)
    if where is None:
        found: set[int] = set()
    else:
        # The WHERE is the ORM's SQL, its values parameters.
        sql = 'SELECT "cases_case"."id" FROM "cases_case"' + (f" WHERE {where}" if where else "")  # noqa: S608
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            found = {row[0] for row in cursor.fetchall()}
    assert found == set(queryset.values_list("pk", flat=True)), name


def test_its_where_refuses_a_union(cases: list[Case], alice: User, bob: User) -> None:
    with pytest.raises(ValueError, match="WHERE of its own"):
        where_of(access.cases_visible_to(alice).union(access.cases_visible_to(bob)))
