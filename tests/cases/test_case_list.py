"""GET /api/v1/cases/: paginated, filtered, ordered by a whitelist, constant in queries."""

from __future__ import annotations

import json
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.renderers import JSONRenderer

from accounts.models import User
from cases.actions.cases import do_assign_case, do_open_case, do_transition_case
from cases.actions.keys import do_destroy_case_key
from cases.api.cases import CaseListSerializer
from cases.api.filters import CaseFilter
from cases.models import Case
from tests.cases.conftest import open_case

pytestmark = pytest.mark.django_db

URL = "/api/v1/cases/"


def _ids(api, **params) -> list[int]:
    response = api.get(URL, params)
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


def test_it_paginates(api_as, alice: User) -> None:
    for _ in range(30):
        open_case(alice, contact_phone="", contact_email="")
    body = api_as(alice).get(URL).json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert (body["count"], len(body["results"]), body["previous"]) == (30, 25, None)
    second = api_as(alice).get(URL, {"page": 2}).json()
    assert len(second["results"]) == 5
    assert api_as(alice).get(URL, {"page": 3}).status_code == 404


def test_it_filters(api_as, alice: User, carol: User, intake_case: Case) -> None:
    urgent = open_case(alice, priority="urgent", is_minor=True)
    normal = open_case(alice)
    do_transition_case(actor=alice, case=normal, status="in_progress")
    api = api_as(alice)
    assert _ids(api, priority="urgent") == [urgent.pk]
    assert _ids(api, is_minor="true") == [urgent.pk]
    assert _ids(api, status="in_progress") == [normal.pk]
    assert set(_ids(api, assigned_to="me")) == {urgent.pk, normal.pk}
    assert _ids(api, assigned_to="none") == [intake_case.pk]
    assert set(_ids(api, assigned_to=str(alice.pk))) == {urgent.pk, normal.pk}
    assert _ids(api, reference=urgent.display_reference.lower()) == [urgent.pk]


def test_it_filters_by_creation_time(api_as, alice: User) -> None:
    old = open_case(alice)
    Case.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=10))
    new = open_case(alice)
    since = (timezone.now() - timedelta(days=1)).isoformat()
    api = api_as(alice)
    assert _ids(api, created_after=since) == [new.pk]
    assert _ids(api, created_before=since) == [old.pk]


def test_it_orders_by_priority_by_urgency_not_alphabet(api_as, alice: User) -> None:
    cases = {
        p: open_case(alice, priority=p, contact_phone="", contact_email="") for p in ["normal", "urgent", "low", "high"]
    }
    api = api_as(alice)
    assert _ids(api, ordering="-priority") == [cases[p].pk for p in ["urgent", "high", "normal", "low"]]
    assert _ids(api, ordering="priority") == [cases[p].pk for p in ["low", "normal", "high", "urgent"]]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "archived"}, "status"),
        ({"priority": "critical"}, "priority"),
        ({"assigned_to": "someone"}, "assigned_to"),
        ({"created_after": "yesterday"}, "created_after"),
        ({"ordering": "victim_name"}, "ordering"),
        ({"is_minor": "perhaps"}, "is_minor"),
    ],
)
def test_it_refuses_bad_filters_naming_them(api_as, alice: User, params: dict, field: str) -> None:
    response = api_as(alice).get(URL, params)
    assert response.status_code == 400
    assert field in response.json()


def _queries(api, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert api.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_it_costs_the_same_queries_for_1_row_and_50(api_as, alice: User) -> None:
    api = api_as(alice)
    open_case(alice, contact_phone="", contact_email="")
    api.get(URL)  # the first request of a session refreshes its expiry; measure steady state
    one = _queries(api, URL + "?page_size=100")
    for _ in range(49):
        open_case(alice, contact_phone="", contact_email="")
    fifty = _queries(api, URL + "?page_size=100")
    assert api.get(URL + "?page_size=100").json()["count"] == 50
    assert one == fifty


def test_it_keeps_a_closed_unassigned_case_out_of_the_intake_queue(api_as, alice: User, bob: User, carol: User) -> None:
    case = do_open_case(actor=alice, victim_name="김민지")
    for status in ["in_progress", "monitoring", "closed"]:
        case = do_transition_case(actor=carol, case=case, status=status)
    do_assign_case(actor=carol, case=case, assignee=None)
    api = api_as(bob)
    assert api.get(f"/api/v1/cases/{case.pk}/").status_code == 404
    assert api.post(f"/api/v1/cases/{case.pk}/assign/", {"assigned_to": bob.pk}, format="json").status_code == 404
    assert api.get("/api/v1/cases/").json()["count"] == 0


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/access-log/?case=9223372036854775808",
        "/api/v1/access-log/?user=-1",
        "/api/v1/cases/?created_after=9999-12-31T23:59:59-14:00",
    ],
)
def test_it_answers_odd_numbers_and_dates_with_400(api_as, carol: User, url: str) -> None:
    assert api_as(carol).get(url).status_code == 400


def test_its_rows_are_what_the_serializer_writes(api_as, alice: User, carol: User, intake_case: Case) -> None:
    """The list and the search read plain values (list_rows), not cases through CaseListSerializer: every
    row must still be what the serializer writes of the case, for an assigned, an unassigned and an
    erased case, a minor's, a Korean name."""
    minor = open_case(alice, victim_name="김서연", priority="urgent", is_minor=True)
    do_transition_case(actor=alice, case=minor, status="in_progress")
    erased = open_case(alice, victim_name="Erased Person")
    do_destroy_case_key(actor=carol, case=erased, reason="asked")
    api = api_as(carol)
    listed = api.get(URL).json()["results"]
    written = json.loads(
        JSONRenderer().render(
            CaseListSerializer(
                Case.objects.filter(centre_id=carol.centre_id)
                .select_related("assigned_to")
                .order_by("-created_at", "-pk"),
                many=True,
            ).data
        )
    )
    assert listed == written
    assert {row["id"]: (row["victim_name"], row["erased"]) for row in listed}[erased.pk] == ("", True)
    assert {row["id"]: row["victim_name"] for row in listed}[minor.pk] == "김서연"
    found = api.post(URL + "search/", {"q": "김서연"}, format="json").json()["results"]
    assert found == [row for row in written if row["id"] == minor.pk]


@pytest.mark.parametrize("ordering", ["priority", "-priority", "status", "-status"])
def test_paging_through_ties_shows_each_case_once_in_one_order(api_as, alice: User, carol: User, ordering: str) -> None:
    """Many cases share a priority or a status: page after page, each case is shown once, ties in the
    order of their ids, in the direction asked for."""
    for number in range(17):
        open_case(alice, contact_phone="", contact_email="", priority="urgent" if number % 3 == 0 else "normal")
    api = api_as(carol)
    seen = []
    for page in (1, 2, 3, 4):
        response = api.get(URL, {"ordering": ordering, "page_size": 5, "page": page})
        assert response.status_code == 200, response.json()
        seen += [row["id"] for row in response.json()["results"]]
    sign = "-" if ordering.startswith("-") else ""
    column = "priority_rank" if "priority" in ordering else "status"
    expected = Case.objects.filter(centre_id=carol.centre_id).order_by(f"{sign}{column}", f"{sign}pk")
    assert seen == list(expected.values_list("pk", flat=True))


def test_two_filter_sets_at_once_each_filter_for_their_own_user(alice: User, bob: User) -> None:
    """Each filter set has filters of its own (caseflow.api.FiltersBuiltOnce copies them instead of
    django-filter's deep copy): one request's "me" is never another's, even while both are filtered at
    once (make run serves requests in threads)."""
    hers, his = open_case(alice), open_case(bob)
    first = CaseFilter({"assigned_to": "me"}, queryset=Case.objects.all(), request=SimpleNamespace(user=alice))
    second = CaseFilter({"assigned_to": "me"}, queryset=Case.objects.all(), request=SimpleNamespace(user=bob))
    assert (list(first.qs), list(second.qs)) == ([hers], [his])
    assert first.filters["assigned_to"] is not CaseFilter.base_filters["assigned_to"]
