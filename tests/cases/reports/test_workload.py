"""The workload report: every figure against plain Python over the same cases, and who sees which rows."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accounts.models import User
from cases.actions.followups import do_set_followup
from cases.models import AccessLog
from tests.cases.reports import expected
from tests.cases.reports.conftest import World

pytestmark = pytest.mark.django_db

COUNTS = [
    "open", "new", "in_progress", "monitoring", "urgent", "high", "normal", "low", "minors",
    "new_in_period", "overdue_takedowns", "followups_due",
]  # fmt: skip


def _rows(body: dict) -> dict[str, dict]:
    """Rows by the person's name ("" for the intake queue), found by her id, not by a translated label."""
    [table] = body["tables"]
    names = dict(User.objects.values_list("pk", "full_name"))
    return {names.get(row["user_id"], ""): row for row in table["rows"]}


def test_it_counts_every_persons_caseload(api_as, carol: User, alice: User, world: World, report_mode: str) -> None:
    do_set_followup(actor=alice, case=world.cases["a1"], due_at=timezone.now() + timedelta(days=2))
    do_set_followup(actor=alice, case=world.cases["a2"], due_at=timezone.now() + timedelta(days=9))
    today = timezone.localdate()
    first = today - timedelta(days=29)
    response = api_as(carol).get("/api/v1/reports/workload/")
    assert response.status_code == 200
    body = response.json()
    assert (body["period_from"], body["period_to"]) == (first.isoformat(), today.isoformat())
    rows = _rows(body)
    want = expected.workload(world.centre, timezone.now(), first, today)
    assert set(rows) == {"Alice Kim", "Bob Lee", "Carol Park", "Frank Yoon", ""}
    for label, row in rows.items():
        mine = want.get(label, {})
        assert {key: row[key] for key in COUNTS} == {key: mine.get(key, 0) for key in COUNTS}, label
        last = mine.get("last_activity")
        got = parse_datetime(row["last_activity"]) if row["last_activity"] else None
        assert got == (last.replace(microsecond=got.microsecond) if last and got else last), label
    assert rows["Alice Kim"]["followups_due"] == 1
    assert rows["Alice Kim"]["overdue_takedowns"] == 1
    # The totals row adds up every row; the figures above are already checked one by one.
    footer = body["tables"][0]["footer"]
    assert {key: footer[key] for key in COUNTS} == {key: sum(row[key] for row in rows.values()) for key in COUNTS}
    assert footer["open"] == sum(1 for c in world.cases.values() if c.centre_id == world.centre.pk and c.is_open)


def test_it_says_who_has_room(api_as, client_as, carol: User, world: World) -> None:
    rows = _rows(api_as(carol).get("/api/v1/reports/workload/").json())
    counsellors = [rows["Alice Kim"], rows["Bob Lee"]]  # frank has left, carol is a supervisor
    average = sum(row["open"] for row in counsellors) / len(counsellors)
    assert average == 2.5  # alice 3 open (one with an overdue request), bob 2
    assert rows["Bob Lee"]["has_room"] is True
    assert rows["Alice Kim"]["has_room"] is False
    # Room is for counsellors who can take cases: not asked of a supervisor, nor of someone who left.
    assert rows["Carol Park"]["has_room"] is None and rows["Frank Yoon"]["has_room"] is None
    page = client_as(carol).get("/reports/workload/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Frank Yoon (left)" in page and "Unassigned (intake queue)" in page and "Centre total" in page


def test_it_counts_new_cases_in_the_chosen_period(api_as, carol: User, world: World) -> None:
    today = timezone.localdate()
    first = today - timedelta(days=60)
    rows = _rows(api_as(carol).get(f"/api/v1/reports/workload/?from={first}&to={today}").json())
    want = expected.workload(world.centre, timezone.now(), first, today)
    assert rows["Alice Kim"]["new_in_period"] == want["Alice Kim"]["new_in_period"] == 3
    assert rows["Frank Yoon"]["new_in_period"] == 1


def test_it_shows_a_counsellor_only_her_own_row(api_as, client_as, alice: User, world: World) -> None:
    body = api_as(alice).get("/api/v1/reports/workload/").json()
    [table] = body["tables"]
    assert [row["user_id"] for row in table["rows"]] == [alice.pk]
    assert table["footer"] is None
    assert "has_room" not in {column["key"] for column in table["columns"]}
    page = client_as(alice).get("/reports/workload/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Alice Kim" in text and "Bob Lee" not in text and "Carol Park" not in text
    assert "Frank Yoon" not in text


def test_it_logs_opening_the_report(api_as, client_as, carol: User, world: World) -> None:
    before = AccessLog.objects.count()
    api_as(carol).get("/api/v1/reports/workload/")
    client_as(carol).get("/reports/workload/")
    rows = list(AccessLog.objects.order_by("pk").values_list("case_id", "action", "user_id")[before:])
    assert rows == [(None, "report", carol.pk), (None, "report", carol.pk)]


def test_it_links_who_has_room_to_assigning_her_unassigned_cases(client_as, carol: User, world: World) -> None:
    """From capacity to assignment in two clicks: the link opens the intake queue with her chosen."""
    bob = User.objects.get(full_name="Bob Lee")
    alice = User.objects.get(full_name="Alice Kim")
    page = client_as(carol).get("/reports/workload/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    links = re.findall(r'<a href="([^"]+)" class="assign-link">([^<]*)<span class="visually-hidden"> \(([^)]*)\)', page)
    # Only bob has room; alice (an overdue request), carol (a supervisor) and frank (left) have no link.
    assert links == [(f"/cases/?assigned=none&amp;assign_to={bob.pk}", "Yes: assign cases", "Bob Lee")]
    listed = client_as(carol).get(f"/cases/?assigned=none&assign_to={bob.pk}", HTTP_ACCEPT_LANGUAGE="en")
    assert listed.status_code == 200
    text = listed.content.decode()
    assert re.search(rf'<option value="{bob.pk}" selected>Bob Lee</option>', text)
    assert f'<option value="{alice.pk}" selected>' not in text
    unassigned = [c for c in world.cases.values() if c.centre_id == world.centre.pk and c.assigned_to_id is None]
    shown = set(re.findall(r'name="case" value="(\d+)"', text))
    assert shown == {str(c.pk) for c in unassigned} and shown
    # The second step: select and assign; the list comes back with bob still chosen.
    case = unassigned[0]
    case.refresh_from_db()
    answer = client_as(carol).post(
        "/cases/assign/",
        {
            "case": [case.pk],
            f"version_{case.pk}": case.version,
            "assigned_to": bob.pk,
            "back": "assigned=none&assign_to=" + str(bob.pk),
        },
    )
    assert answer.status_code == 302 and answer["Location"] == f"/cases/?assigned=none&assign_to={bob.pk}"
    case.refresh_from_db()
    assert case.assigned_to_id == bob.pk


@pytest.mark.parametrize("value", ["abc", "-1", "１２", "9" * 40, "", "0"])
def test_it_selects_nobody_for_an_assignee_it_does_not_know(client_as, carol: User, world: World, value: str) -> None:
    response = client_as(carol).get("/cases/", {"assigned": "none", "assign_to": value})
    assert response.status_code == 200
    assert "selected>" not in re.sub(
        r"<select[^>]*name=\"(status|priority|minor|harm|assigned)\".*?</select>",
        "",
        response.content.decode(),
        flags=re.S,
    )


def test_it_gives_a_counsellor_no_assignment_link(client_as, alice: User, world: World) -> None:
    page = client_as(alice).get("/reports/workload/").content.decode()
    assert "assign-link" not in page
    listed = client_as(alice).get(f"/cases/?assigned=none&assign_to={alice.pk}").content.decode()
    assert 'id="bulk-assignee"' not in listed
