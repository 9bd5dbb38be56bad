"""The staff case list (/cases/) and the supervisor's dashboard: filters, sorting, paging, bulk
assignment with versions, constant queries, and a centre view for a supervisor with no cases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from cases.actions.cases import do_assign_case, do_transition_case, do_update_case
from cases.actions.closures import do_request_closure
from cases.actions.sightings import do_add_sightings
from cases.actions.takedowns import do_draft_takedowns, do_transition_takedown
from cases.models import AccessLog, Case, TakedownRequest
from tests.cases.conftest import open_case

pytestmark = pytest.mark.django_db


def _refs(page: str) -> list[str]:
    import re

    return re.findall(r'class="ref">([0-9A-Z]{4}-[0-9A-Z]{4})<', page)


def test_it_lists_what_access_allows_with_filters_in_the_query_string(
    client_as, alice: User, bob: User, carol: User
) -> None:
    mine = open_case(alice, victim_name="김민지", priority="urgent", is_minor=True)
    other = open_case(alice, victim_name="박서연", contact_phone="010-5555-0000")
    do_transition_case(actor=alice, case=other, status="in_progress")
    bobs = open_case(bob, victim_name="이하은", contact_phone="010-7777-1111")
    page = client_as(alice).get("/cases/").content.decode()
    assert set(_refs(page)) == {mine.display_reference, other.display_reference}
    assert bobs.display_reference not in page
    page = client_as(alice).get("/cases/", {"status": "in_progress"}).content.decode()
    assert _refs(page) == [other.display_reference]
    page = client_as(alice).get("/cases/", {"minor": "yes", "priority": "urgent"}).content.decode()
    assert _refs(page) == [mine.display_reference]
    # A supervisor sees the whole centre, and may filter by a colleague.
    page = client_as(carol).get("/cases/", {"assigned": str(bob.pk)}).content.decode()
    assert _refs(page) == [bobs.display_reference]
    # One access-log row per list request, none per case.
    assert AccessLog.objects.filter(user=alice, action="list", case=None).count() == 3


def test_it_filters_by_overdue_requests_and_due_follow_ups(client_as, alice: User) -> None:
    late = open_case(alice, victim_name="A")
    do_add_sightings(actor=alice, case=late, lines=["https://t.me/r/1"])
    [draft] = do_draft_takedowns(actor=alice, case=late)
    do_transition_takedown(actor=alice, case=late, takedown=draft, status="sent")
    TakedownRequest.objects.filter(pk=draft.pk).update(deadline_at=timezone.now() - timedelta(hours=1))
    calm = open_case(alice, victim_name="B", contact_phone="010-2222-0000")
    page = client_as(alice).get("/cases/", {"overdue": "on"}).content.decode()
    assert _refs(page) == [late.display_reference]
    assert calm.display_reference not in page


def test_it_sorts_by_a_whitelisted_column_only(client_as, alice: User) -> None:
    low = open_case(alice, victim_name="A", priority="low")
    high = open_case(alice, victim_name="B", priority="urgent", contact_phone="010-2222-0000")
    client = client_as(alice)
    assert _refs(client.get("/cases/", {"sort": "-priority"}).content.decode()) == [
        high.display_reference,
        low.display_reference,
    ]
    assert _refs(client.get("/cases/", {"sort": "priority"}).content.decode()) == [
        low.display_reference,
        high.display_reference,
    ]
    # A column that is not offered (an encrypted one) is ignored, not used.
    response = client.get("/cases/", {"sort": "victim_name"})
    assert response.status_code == 200


def test_it_costs_the_same_queries_for_1_and_50_rows(client_as, carol: User, alice: User) -> None:
    client = client_as(carol)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/cases/", {"status": "new", "sort": "-priority"}).status_code == 200
        return len(captured)

    open_case(alice, victim_name="사람", contact_phone="010-3333-9999")
    client.get("/cases/")
    one = queries()
    for n in range(49):
        open_case(alice, victim_name=f"사람{n}", contact_phone=f"010-3333-{n:04d}")
    assert queries() == one


def test_it_counts_the_cases_without_joining_their_counsellors(client_as, carol: User, alice: User) -> None:
    # The rows join the counsellor for her name; the total need not, and through the join it took 34 ms
    # for 5,000 closed cases against 6 ms (bench.case_list).
    open_case(alice, victim_name="사람", contact_phone="010-3333-9999")
    with CaptureQueriesContext(connection) as captured:
        page = client_as(carol).get("/cases/", {"status": "new", "sort": "counsellor"})
    assert page.status_code == 200
    counts = [q["sql"] for q in captured.captured_queries if "COUNT(*)" in q["sql"] and '"cases_case"' in q["sql"]]
    assert len(counts) == 1
    assert "JOIN" not in counts[0]
    assert "1 case" in page.content.decode() or "사건 1건" in page.content.decode()


def test_it_assigns_selected_cases_and_reports_the_stale_ones(client_as, carol: User, alice: User, bob: User) -> None:
    first = open_case(alice, victim_name="A")
    second = open_case(alice, victim_name="B", contact_phone="010-2222-0000")
    # Someone changes the second after the list was shown at version 1.
    do_update_case(actor=alice, case=second, version=1, changes={"priority": "high"})
    client = client_as(carol)
    response = client.post(
        "/cases/assign/",
        {"case": [first.pk, second.pk], f"version_{first.pk}": 1, f"version_{second.pk}": 1, "assigned_to": bob.pk},
        follow=True,
    )
    page = response.content.decode()
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.assigned_to_id, second.assigned_to_id) == (bob.pk, alice.pk)
    assert first.display_reference in page and second.display_reference in page


def test_it_lets_only_supervisors_assign_in_bulk(client_as, alice: User, bob: User) -> None:
    case = open_case(alice, victim_name="A")
    assert (
        client_as(alice)
        .post("/cases/assign/", {"case": [case.pk], f"version_{case.pk}": 1, "assigned_to": bob.pk})
        .status_code
        == 403
    )
    case.refresh_from_db()
    assert case.assigned_to_id == alice.pk


def test_it_shows_a_supervisor_her_centre_even_with_no_cases_of_her_own(
    client_as, carol: User, alice: User, bob: User
) -> None:
    urgent = open_case(alice, victim_name="A", priority="urgent")
    closing = open_case(bob, victim_name="B", contact_phone="010-2222-0000")
    do_transition_case(actor=bob, case=closing, status="in_progress")
    do_request_closure(actor=bob, case=closing, reason="done")
    page = client_as(carol).get("/").content.decode()
    assert urgent.display_reference in page
    assert closing.display_reference in page
    assert "Alice Kim" in page and "Bob Lee" in page  # the workload table


def test_it_lists_places_reported_by_victims_for_review(client_as, alice: User, alices_case: Case) -> None:
    from cases.actions.portal import do_victim_report_places

    do_victim_report_places(case=alices_case, lines=["https://t.me/new/1", "https://t.me/new/2"])
    page = client_as(alice).get("/").content.decode()
    assert alices_case.display_reference in page and 'id="review-h"' in page


def test_it_keeps_the_dashboard_queries_constant(client_as, carol: User, alice: User) -> None:
    client = client_as(carol)
    client.get("/")
    with CaptureQueriesContext(connection) as few:
        client.get("/")
    for n in range(30):
        case = open_case(alice, victim_name=f"사람{n}", contact_phone=f"010-4444-{n:04d}", priority="urgent")
        if n % 2:
            do_assign_case(actor=carol, case=case, assignee=None)
    with CaptureQueriesContext(connection) as many:
        client.get("/")
    assert len(few) == len(many)


def test_it_keeps_victim_details_out_of_the_list_url(client_as, alice: User) -> None:
    client: Client = client_as(alice)
    page = client.get("/cases/", {"status": "new"}).content.decode()
    assert "victim_name" not in page.split('<form method="get"')[1].split("</form>")[0]


def test_it_escapes_every_value_it_writes_into_the_rows(client_as, alice: User, carol: User) -> None:
    """The rows are joined in Python: a name that is markup is shown as text, never run."""
    open_case(alice, victim_name='<script>alert("x")</script> & "Kim" <b>')
    for user in (alice, carol):
        page = client_as(user).get("/cases/").content.decode()
        assert "<script>alert" not in page and "<b>" not in page
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;Kim&quot; &lt;b&gt;" in page
