"""What cases schedules through the outbox: deadlines, follow-ups, victim updates, and cancellations."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import User
from cases.actions.cases import Consents, do_add_note, do_assign_case, do_open_case, do_transition_case, do_update_case
from cases.actions.followups import do_set_followup
from cases.actions.sightings import do_add_sightings
from cases.actions.takedowns import do_draft_takedowns, do_transition_takedown
from cases.models import Case
from notifications import dispatcher
from notifications.models import Notification, State
from tests.clock import clear_of_the_turn

pytestmark = pytest.mark.django_db


def _deliver_due(django_capture_on_commit_callbacks, at: datetime) -> None:
    """What beat and a worker do, in this process: claim what is due at `at`, deliver each."""

    def publish(ids: Sequence[int]) -> int:
        for notification_id in ids:
            dispatcher.deliver(notification_id)
        return len(ids)

    with django_capture_on_commit_callbacks(execute=True):
        dispatcher.dispatch_due(now=at, publish=publish)


def _pending(**filters: object) -> list[Notification]:
    return list(Notification.objects.filter(state=State.PENDING, **filters).order_by("due_at", "pk"))


@pytest.fixture
def sent_takedown(alice: User, carol: User, alices_case: Case):
    do_add_sightings(actor=alice, case=alices_case, lines=["https://t.me/r/1"])
    [draft] = do_draft_takedowns(actor=alice, case=alices_case)
    return do_transition_takedown(actor=alice, case=alices_case, takedown=draft, status="sent")


def test_it_reminds_the_counsellor_at_the_deadline_and_the_supervisor_a_day_later(
    alice: User, carol: User, sent_takedown
) -> None:
    rows = _pending(group_key=f"takedown:{sent_takedown.pk}")
    assert [(r.recipient, r.template_key, r.due_at) for r in rows] == [
        (alice, "takedown.deadline_passed", sent_takedown.deadline_at),
        (carol, "takedown.still_unanswered", sent_takedown.deadline_at + timedelta(hours=24)),
    ]
    assert rows[0].params == {"takedown_id": sent_takedown.pk, "case_id": sent_takedown.case_id}


@pytest.mark.parametrize("answer", ["removed", "refused", "acknowledged"])
def test_it_cancels_the_reminders_when_the_platform_answers(
    alice: User, alices_case: Case, sent_takedown, answer: str
) -> None:
    do_transition_takedown(actor=alice, case=alices_case, takedown=sent_takedown, status=answer)
    pending = _pending(group_key=f"takedown:{sent_takedown.pk}")
    # Acknowledging is not an answer: the deadline for one still stands.
    assert len(pending) == (2 if answer == "acknowledged" else 0)


def test_it_delivers_the_deadline_reminder_to_the_inbox(
    client_as, alice: User, sent_takedown, django_capture_on_commit_callbacks
) -> None:
    _deliver_due(django_capture_on_commit_callbacks, sent_takedown.deadline_at + timedelta(minutes=1))
    client = client_as(alice)
    page = client.get("/inbox/", headers={"accept-language": "en"}).content.decode()
    reference = sent_takedown.case.display_reference
    assert f"Telegram request on case {reference}: the response deadline passed" in page
    [item] = Notification.objects.filter(recipient=alice, channel="inbox", state=State.SENT)
    assert f'href="/inbox/{item.pk}/open/"' in page
    # Opening it leads to the request (and marks it read, see tests/notifications/test_inbox_items.py).
    assert client.get(f"/inbox/{item.pk}/open/")["Location"] == f"/takedowns/{sent_takedown.pk}/"
    client.get("/inbox/")
    Notification.objects.filter(pk=item.pk).update(read_at=None)
    dashboard = client.get("/", headers={"accept-language": "en"}).content.decode()
    assert 'id="inbox-unread">1<' in dashboard
    client.post("/inbox/read/")
    assert 'id="inbox-unread"' not in client.get("/").content.decode()


def test_it_copies_reminders_by_email_only_to_those_who_asked(
    client_as, alice: User, alices_case: Case, django_capture_on_commit_callbacks
) -> None:
    client_as(alice).post("/inbox/email/", {"notify_by_email": "on"})
    alice.refresh_from_db()
    due = timezone.now() + timedelta(hours=1)
    do_set_followup(actor=alice, case=alices_case, due_at=due, note="Call back about the Telegram room")
    _deliver_due(django_capture_on_commit_callbacks, due + timedelta(minutes=1))
    assert [m.to for m in mail.outbox] == [[alice.email]]
    message = mail.outbox[0]
    for secret in ("김민지", "Telegram", alices_case.display_reference, "Deepfake"):
        assert secret not in str(message.subject) + str(message.body)


def test_it_cancels_follow_ups_when_the_case_is_closed(alice: User, carol: User, alices_case: Case) -> None:
    do_set_followup(actor=alice, case=alices_case, due_at=timezone.now() + timedelta(days=2))
    assert len(_pending(group_key=f"case:{alices_case.pk}")) == 1
    case = alices_case
    for status in ["in_progress", "monitoring", "closed"]:
        case = do_transition_case(actor=carol, case=case, status=status)
    assert _pending(group_key=f"case:{alices_case.pk}") == []
    assert Notification.objects.filter(group_key=f"case:{alices_case.pk}", state=State.CANCELLED).count() == 1


def test_it_refuses_a_follow_up_in_the_past(api_as, alice: User, alices_case: Case) -> None:
    past = (timezone.now() - timedelta(hours=1)).isoformat()
    response = api_as(alice).post(f"/api/v1/cases/{alices_case.pk}/followups/", {"due_at": past}, format="json")
    assert response.status_code == 400
    assert "due_at" in response.json()


def test_it_sets_a_follow_up_through_the_api(api_as, alice: User, bob: User, alices_case: Case) -> None:
    due = (timezone.now() + timedelta(days=1)).isoformat()
    assert (
        api_as(alice).post(f"/api/v1/cases/{alices_case.pk}/followups/", {"due_at": due}, format="json").status_code
        == 201
    )
    assert (
        api_as(bob).post(f"/api/v1/cases/{alices_case.pk}/followups/", {"due_at": due}, format="json").status_code
        == 404
    )


def _victim_case(alice: User, **details: object) -> Case:
    defaults = {
        "victim_name": "김민지",
        "contact_phone": "010-1234-5678",
        "contact_channel": "sms",
        "consents": Consents(contact=True),
    }
    return do_open_case(actor=alice, **{**defaults, **details})  # type: ignore[arg-type]


def test_it_tells_the_victim_once_for_several_updates_within_the_hour(alice: User) -> None:
    clear_of_the_turn("hour", timedelta(seconds=10))  # one message an hour: its key names the hour
    case = _victim_case(alice)
    case = do_transition_case(actor=alice, case=case, status="in_progress")
    do_add_note(actor=alice, case=case, body="Shared news", visibility="shared")
    do_add_note(actor=alice, case=case, body="Internal only", visibility="internal")
    rows = _pending(group_key=f"victim:case:{case.pk}")
    assert len(rows) == 1
    assert (rows[0].channel, rows[0].address, rows[0].language) == ("sms", "010-1234-5678", "ko")
    assert rows[0].template_key == "victim.case_updated"


@pytest.mark.parametrize(
    "details",
    [{"consents": Consents(contact=False)}, {"contact_channel": "none"}],
)
def test_it_never_contacts_a_victim_who_did_not_ask(alice: User, details: dict) -> None:
    case = _victim_case(alice, **details)
    do_transition_case(actor=alice, case=case, status="in_progress")
    assert _pending(group_key=f"victim:case:{case.pk}") == []


def test_it_waits_for_the_end_of_the_victims_quiet_hours(alice: User, settings) -> None:
    now_local = timezone.localtime(timezone.now(), timezone.get_fixed_timezone(9 * 60))
    start = (now_local - timedelta(hours=1)).time().replace(second=0, microsecond=0)
    end = (now_local + timedelta(hours=3)).time().replace(second=0, microsecond=0)
    settings.TIME_ZONE = "Asia/Seoul"
    case = _victim_case(alice, quiet_start=start, quiet_end=end)
    do_transition_case(actor=alice, case=case, status="in_progress")
    [row] = _pending(group_key=f"victim:case:{case.pk}")
    due_local = timezone.localtime(row.due_at, timezone.get_fixed_timezone(9 * 60))
    assert due_local.time().replace(second=0, microsecond=0) == end
    assert row.due_at > timezone.now() + timedelta(hours=2)


def test_it_cancels_what_is_pending_when_the_victim_withdraws_consent(alice: User) -> None:
    case = _victim_case(alice)
    case = do_transition_case(actor=alice, case=case, status="in_progress")
    do_update_case(actor=alice, case=case, version=case.version, changes={"consent_contact": False})
    assert _pending(group_key=f"victim:case:{case.pk}") == []


def test_it_moves_what_is_pending_when_quiet_hours_change(alice: User) -> None:
    case = _victim_case(alice)
    case = do_transition_case(actor=alice, case=case, status="in_progress")
    [before] = _pending(group_key=f"victim:case:{case.pk}")
    now_local = timezone.localtime(timezone.now(), timezone.get_fixed_timezone(9 * 60))
    quiet = {"quiet_start": time(0, 0), "quiet_end": time(23, 59)} if now_local.time() < time(23, 0) else {}
    if not quiet:
        pytest.skip("too close to midnight in Seoul to build a window that covers now")
    do_update_case(actor=alice, case=case, version=case.version, changes=quiet)
    [after] = _pending(group_key=f"victim:case:{case.pk}")
    assert after.pk == before.pk
    assert after.due_at > before.due_at


def test_it_sends_the_victim_a_neutral_message(alice: User, django_capture_on_commit_callbacks) -> None:
    case = _victim_case(alice, contact_channel="email", contact_email="minji@example.kr", preferred_language="en")
    do_transition_case(actor=alice, case=case, status="in_progress")
    _deliver_due(django_capture_on_commit_callbacks, timezone.now() + timedelta(hours=2))
    [message] = mail.outbox
    assert message.to == ["minji@example.kr"]
    text = str(message.subject) + str(message.body)
    for secret in ("김민지", case.display_reference, "caseflow", "Deepfake", "sexual"):
        assert secret.lower() not in text.lower()


def test_it_sends_a_pending_update_to_the_victims_new_address(alice: User) -> None:
    case = _victim_case(alice, contact_channel="email", contact_email="minji@example.kr")
    case = do_transition_case(actor=alice, case=case, status="in_progress")
    case = do_update_case(
        actor=alice, case=case, version=case.version, changes={"contact_email": "new-safe@example.kr"}
    )
    assert [(r.channel, r.address) for r in _pending(group_key=f"victim:case:{case.pk}")] == [
        ("email", "new-safe@example.kr")
    ]
    do_update_case(actor=alice, case=case, version=case.version, changes={"contact_channel": "sms"})
    assert [(r.channel, r.address) for r in _pending(group_key=f"victim:case:{case.pk}")] == [("sms", "010-1234-5678")]


def test_it_moves_the_deadline_reminder_to_the_new_counsellor(
    alice: User, bob: User, carol: User, alices_case: Case, sent_takedown
) -> None:
    do_assign_case(actor=carol, case=alices_case, assignee=bob)
    rows = _pending(group_key=f"takedown:{sent_takedown.pk}", template_key="takedown.deadline_passed")
    assert [r.recipient for r in rows] == [bob]
    assert len(_pending(group_key=f"takedown:{sent_takedown.pk}", template_key="takedown.still_unanswered")) == 1


def test_it_arms_the_reminders_again_when_a_case_is_reopened(
    alice: User, carol: User, alices_case: Case, sent_takedown
) -> None:
    case = alices_case
    for status in ["in_progress", "monitoring", "closed"]:
        case = do_transition_case(actor=carol, case=case, status=status)
    assert _pending(group_key=f"takedown:{sent_takedown.pk}") == []
    do_transition_case(actor=carol, case=case, status="in_progress")
    assert len(_pending(group_key=f"takedown:{sent_takedown.pk}")) == 2


def test_it_sets_no_new_reminders_on_a_closed_case(api_as, alice: User, carol: User, alices_case: Case) -> None:
    do_add_sightings(actor=alice, case=alices_case, lines=["https://t.me/r/9"])
    [draft] = do_draft_takedowns(actor=alice, case=alices_case)
    case = alices_case
    for status in ["in_progress", "monitoring", "closed"]:
        case = do_transition_case(actor=carol, case=case, status=status)
    api = api_as(carol)
    due = (timezone.now() + timedelta(days=1)).isoformat()
    assert api.post(f"/api/v1/cases/{case.pk}/followups/", {"due_at": due}, format="json").status_code == 400
    assert api.post(f"/api/v1/takedowns/{draft.pk}/transition/", {"status": "sent"}, format="json").status_code == 400
    assert Notification.objects.filter(state=State.PENDING).count() == 0


def test_it_refuses_bidirectional_overrides(api_as, alice: User, alices_case: Case) -> None:
    response = api_as(alice).post(f"/api/v1/cases/{alices_case.pk}/notes/", {"body": "gpj.\u202eexe"}, format="json")
    assert response.status_code == 400


def test_it_never_deletes_platforms_from_the_admin(client_as, erin: User) -> None:
    from cases.models import Platform

    platform = Platform.objects.get(name="Telegram")
    assert client_as(erin).get(f"/admin/cases/platform/{platform.pk}/delete/").status_code in {302, 403}
