"""Follow-ups that say what they are for: listed on the case page, done and snoozed (version-checked)
from the case page and the inbox, whose items are rendered from the follow-up itself."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from cases.actions.cases import do_assign_case, do_transition_case
from cases.actions.followups import do_complete_followup, do_set_followup
from cases.actions.sightings import do_add_sightings
from cases.actions.takedowns import do_draft_takedowns, do_transition_takedown
from cases.models import Case, CaseEvent, FollowUp
from notifications import dispatcher
from notifications.models import Channel, Notification, State
from tests.cases.conftest import open_case

pytestmark = pytest.mark.django_db


def _deliver_due(django_capture_on_commit_callbacks, at: datetime) -> None:
    """What beat and a worker do, in this process: claim what is due at `at`, deliver each."""

    def publish(ids: Sequence[int]) -> int:
        for notification_id in ids:
            dispatcher.deliver(notification_id)
        return len(ids)

    with django_capture_on_commit_callbacks(execute=True):
        dispatcher.dispatch_due(now=at, publish=publish)


def _local(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def _reminders(followup: FollowUp, state: str = State.PENDING) -> list[Notification]:
    return list(
        Notification.objects.filter(params__followup_id=followup.pk, channel=Channel.INBOX, state=state).order_by("pk")
    )


@pytest.fixture
def followup(alice: User, alices_case: Case) -> FollowUp:
    return do_set_followup(
        actor=alice, case=alices_case, due_at=timezone.now() + timedelta(hours=2), note="텔레그램 방 다시 확인"
    )


def test_it_lists_pending_and_past_follow_ups_on_the_case_page(client_as, alice: User, alices_case: Case) -> None:
    now = timezone.now()
    soon = do_set_followup(actor=alice, case=alices_case, due_at=now + timedelta(hours=1), note="Call back at two")
    later = do_set_followup(actor=alice, case=alices_case, due_at=now + timedelta(days=3), note="Check the X post")
    done = do_set_followup(actor=alice, case=alices_case, due_at=now + timedelta(hours=5), note="Send the letter")
    do_complete_followup(actor=alice, case=alices_case, followup=done, version=done.version)
    FollowUp.objects.filter(pk=soon.pk).update(due_at=now - timedelta(hours=1))  # overdue, still pending
    page = client_as(alice).get(f"/cases/{alices_case.pk}/", headers={"accept-language": "en"}).content.decode()
    section = page[page.index('id="followups"') : page.index("New follow-up")]
    pending, past = section.split("<h3>Done</h3>")
    assert pending.index("Call back at two") < pending.index("Check the X post")  # soonest (overdue) first
    assert "Send the letter" not in pending and "Send the letter" in past
    assert f'id="followup-{soon.pk}"' in pending and "overdue" in pending
    assert f'action="/cases/{alices_case.pk}/followups/{later.pk}/snooze/"' in pending
    assert f'action="/cases/{alices_case.pk}/followups/{done.pk}/done/"' not in page


def test_it_marks_a_follow_up_done_and_cancels_its_reminder(client_as, alice: User, followup: FollowUp) -> None:
    case = followup.case
    assert len(_reminders(followup)) == 1
    response = client_as(alice).post(f"/cases/{case.pk}/followups/{followup.pk}/done/", {"version": followup.version})
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.pk}/#followups"
    followup.refresh_from_db()
    assert followup.is_done and followup.version == 2
    assert _reminders(followup) == [] and len(_reminders(followup, State.CANCELLED)) == 1
    assert CaseEvent.objects.filter(case=case, kind="followup_done", actor=alice).count() == 1
    # Twice: the version moved on, so the second click is stale.
    again = client_as(alice).post(f"/cases/{case.pk}/followups/{followup.pk}/done/", {"version": 1})
    assert again.status_code == 409


def test_it_snoozes_to_a_chosen_time_and_reminds_then(
    client_as, alice: User, followup: FollowUp, django_capture_on_commit_callbacks
) -> None:
    case = followup.case
    # The reminder was already delivered: snoozing must remind again at the new time.
    _deliver_due(django_capture_on_commit_callbacks, followup.due_at + timedelta(minutes=1))
    assert len(_reminders(followup, State.SENT)) == 1
    until = timezone.now() + timedelta(days=1)
    response = client_as(alice).post(
        f"/cases/{case.pk}/followups/{followup.pk}/snooze/",
        {"version": followup.version, "until": _local(until), "next": "inbox"},
    )
    assert response.status_code == 302 and response["Location"] == "/inbox/"
    followup.refresh_from_db()
    assert followup.version == 2 and _local(followup.due_at) == _local(until)
    [pending] = _reminders(followup)
    assert pending.due_at == followup.due_at and pending.dedupe_key == f"followup:{followup.pk}:v2:inbox"
    event = CaseEvent.objects.get(case=case, kind="followup_snoozed")
    assert datetime.fromisoformat(event.new["due_at"]) == followup.due_at


def test_it_moves_a_reminder_not_yet_sent_instead_of_sending_both(alice: User, followup: FollowUp, client_as) -> None:
    until = timezone.now() + timedelta(days=2)
    client_as(alice).post(
        f"/cases/{followup.case_id}/followups/{followup.pk}/snooze/",
        {"version": followup.version, "until": _local(until)},
    )
    rows = Notification.objects.filter(params__followup_id=followup.pk, channel="inbox").order_by("pk")
    assert [n.state for n in rows] == [
        State.CANCELLED,
        State.PENDING,
    ]


@pytest.mark.parametrize(
    ("data", "status", "field"),
    [
        ({"version": "1", "until": "0001-01-01T00:00"}, 400, "Remind me again at"),
        ({"version": "1", "until": "2199-13-40T99:99"}, 400, "Remind me again at"),
        ({"version": "1", "until": ""}, 400, "Remind me again at"),
        ({"version": "1", "until": "x" * 5000}, 400, "Remind me again at"),
        ({"version": "1", "until": "2001-01-01T10:00"}, 400, "Choose a time in the future."),
        ({"version": "99", "until": "2199-01-01T10:00"}, 409, "changed by someone else"),
        ({"version": "abc", "until": "2199-01-01T10:00"}, 400, "version"),
        ({"until": "2199-01-01T10:00"}, 400, "version"),
    ],
)
def test_it_refuses_a_bad_or_stale_snooze_and_changes_nothing(
    client_as, alice: User, followup: FollowUp, data: dict[str, str], status: int, field: str
) -> None:
    before = (followup.due_at, followup.version)
    response = client_as(alice).post(
        f"/cases/{followup.case_id}/followups/{followup.pk}/snooze/", data, headers={"accept-language": "en"}
    )
    assert response.status_code == status
    assert field in response.content.decode()
    assert 'id="followup-error"' in response.content.decode()
    followup.refresh_from_db()
    assert (followup.due_at, followup.version) == before
    assert len(_reminders(followup)) == 1


def test_it_finds_a_follow_up_only_through_its_own_case(
    client_as, alice: User, bob: User, dave: User, followup: FollowUp
) -> None:
    other = open_case(alice, victim_name="다른 사람", contact_phone="010-1234-9999")
    for user, path in [
        (alice, f"/cases/{other.pk}/followups/{followup.pk}/done/"),  # a follow-up of another case
        (bob, f"/cases/{followup.case_id}/followups/{followup.pk}/done/"),  # not his case
        (dave, f"/cases/{followup.case_id}/followups/{followup.pk}/done/"),  # another centre
        (alice, f"/cases/{followup.case_id}/followups/999999999/done/"),
        (alice, f"/cases/{followup.case_id}/followups/{followup.pk}/snooze/9/"),
    ]:
        assert client_as(user).post(path, {"version": 1}).status_code == 404, (user, path)
    assert client_as(alice).get(f"/cases/{followup.case_id}/followups/{followup.pk}/done/").status_code == 405
    followup.refresh_from_db()
    assert not followup.is_done


def test_it_lets_a_supervisor_mark_a_counsellors_follow_up_done(client_as, carol: User, followup: FollowUp) -> None:
    response = client_as(carol).post(
        f"/cases/{followup.case_id}/followups/{followup.pk}/done/", {"version": followup.version}
    )
    assert response.status_code == 302
    followup.refresh_from_db()
    assert followup.is_done


def test_it_shows_the_follow_up_in_the_inbox_with_done_and_snooze(
    client_as, alice: User, followup: FollowUp, django_capture_on_commit_callbacks
) -> None:
    _deliver_due(django_capture_on_commit_callbacks, followup.due_at + timedelta(minutes=1))
    [item] = _reminders(followup, State.SENT)
    client = client_as(alice)
    page = client.get("/inbox/", headers={"accept-language": "en"}).content.decode()
    reference = followup.case.display_reference
    assert f"Follow-up on case {reference}, due {timezone.localtime(followup.due_at):%Y-%m-%d %H:%M}" in page
    assert "텔레그램 방 다시 확인" in page  # the follow-up's own words, from the follow-up, not the message
    assert "텔레그램" not in item.template_key + str(item.params)
    assert f'action="/cases/{followup.case_id}/followups/{followup.pk}/done/"' in page
    assert f'action="/cases/{followup.case_id}/followups/{followup.pk}/snooze/"' in page
    assert item.read_at is None
    opened = client.get(f"/inbox/{item.pk}/open/")
    assert opened.status_code == 302
    assert opened["Location"] == f"/cases/{followup.case_id}/#followup-{followup.pk}"
    item.refresh_from_db()
    assert item.read_at is not None
    # From the inbox: done, back to the inbox, which now says it is done and offers nothing more.
    done = client.post(
        f"/cases/{followup.case_id}/followups/{followup.pk}/done/", {"version": followup.version, "next": "inbox"}
    )
    assert done["Location"] == "/inbox/"
    page = client.get("/inbox/", headers={"accept-language": "en"}).content.decode()
    assert "(done)" in page and "/done/" not in page


def test_it_keeps_the_inbox_neutral_about_what_the_reader_no_longer_sees(
    client_as, alice: User, bob: User, carol: User, followup: FollowUp, django_capture_on_commit_callbacks
) -> None:
    _deliver_due(django_capture_on_commit_callbacks, followup.due_at + timedelta(minutes=1))
    case = Case.objects.get(pk=followup.case_id)
    do_assign_case(actor=carol, case=case, assignee=bob, version=case.version)
    page = client_as(alice).get("/inbox/", headers={"accept-language": "en"}).content.decode()
    assert "A follow-up is due" in page
    assert "텔레그램" not in page and case.display_reference not in page
    [item] = _reminders(followup, State.SENT)
    # Her link leads to the case page, which answers 404 to her now, as access.py says.
    location = client_as(alice).get(f"/inbox/{item.pk}/open/")["Location"]
    assert client_as(alice).get(location).status_code == 404
    # Nobody opens another's item.
    assert client_as(bob).get(f"/inbox/{item.pk}/open/").status_code == 404


def test_it_names_the_request_and_case_of_a_takedown_reminder(
    client_as, alice: User, alices_case: Case, django_capture_on_commit_callbacks
) -> None:
    do_add_sightings(actor=alice, case=alices_case, lines=["https://t.me/r/1"])
    [draft] = do_draft_takedowns(actor=alice, case=alices_case)
    sent = do_transition_takedown(actor=alice, case=alices_case, takedown=draft, status="sent")
    assert sent.deadline_at is not None
    _deliver_due(django_capture_on_commit_callbacks, sent.deadline_at + timedelta(minutes=1))
    page = client_as(alice).get("/inbox/", headers={"accept-language": "ko"}).content.decode()
    assert f"Telegram 요청 (사건 {alices_case.display_reference}): 응답 기한이 지났습니다" in page
    assert "김민지" not in page


def test_it_costs_the_same_queries_for_one_item_and_many(
    client_as, alice: User, carol: User, django_capture_on_commit_callbacks
) -> None:
    client = client_as(alice)

    def fill(count: int) -> None:
        for n in range(count):
            case = open_case(alice, victim_name=f"피해자 {n}", contact_phone=f"010-3000-{n:04d}")
            do_set_followup(actor=alice, case=case, due_at=timezone.now() + timedelta(minutes=5), note=f"일 {n}")
            do_add_sightings(actor=alice, case=case, lines=[f"https://t.me/r{n}/1"])
            [draft] = do_draft_takedowns(actor=alice, case=case)
            do_transition_takedown(actor=alice, case=case, takedown=draft, status="sent")
            do_transition_case(actor=alice, case=Case.objects.get(pk=case.pk), status="in_progress")
        _deliver_due(django_capture_on_commit_callbacks, timezone.now() + timedelta(days=30))

    def cost() -> tuple[int, int]:
        client.get("/inbox/")
        with CaptureQueriesContext(connection) as queries:
            page = client.get("/inbox/").content.decode()
        return len(queries), len(re.findall(r'<li class="(?:unread)?" id="item-', page))

    fill(1)
    one, items_one = cost()
    fill(9)
    many, items_many = cost()
    assert items_one == 2 and items_many == 20  # a follow-up and a deadline reminder each
    assert one == many
