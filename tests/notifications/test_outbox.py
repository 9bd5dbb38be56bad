"""The outbox API that other apps call: enqueue, cancel, reschedule, and the in-app inbox."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries, DjangoCaptureOnCommitCallbacks

from accounts.models import User
from caseflow.celery import app as celery_app
from notifications import outbox
from notifications.models import Channel, Notification, State
from tests.notifications.conftest import add

pytestmark = pytest.mark.django_db


def _enqueue_victim(key: str, **overrides: object) -> Notification | None:
    arguments: dict[str, object] = {
        "address": "minji@example.kr",
        "channel": Channel.EMAIL,
        "template_key": "victim.case_updated",
        "params": {"case_id": 7},
        "language": "ko",
        "due_at": timezone.now(),
        "dedupe_key": key,
        "group_key": "case:7",
    }
    arguments.update(overrides)
    return outbox.enqueue(**arguments)  # type: ignore[arg-type]


def test_it_writes_a_pending_row_with_the_victims_address_encrypted_at_rest() -> None:
    notification = _enqueue_victim("victim.case_updated:case:7:2026112514")

    assert notification is not None
    assert notification.state == State.PENDING
    assert Notification.objects.get(pk=notification.pk).address == "minji@example.kr"
    with connection.cursor() as cursor:
        cursor.execute("SELECT address FROM notifications_notification WHERE id = %s", [notification.pk])
        (stored,) = cursor.fetchone()
    assert "minji" not in stored
    assert "example.kr" not in stored


def test_it_does_nothing_on_a_second_enqueue_with_the_same_key(alice: User) -> None:
    first = _enqueue_victim("same-key")
    second = _enqueue_victim("same-key", due_at=timezone.now() + timedelta(hours=3))

    assert first is not None
    assert second is None
    assert Notification.objects.filter(dedupe_key="same-key").count() == 1
    assert Notification.objects.get(dedupe_key="same-key").due_at == first.due_at
    # The caller's transaction is intact after the conflict: it goes on writing.
    assert add(recipient=alice).pk


def test_it_keeps_a_key_taken_once_the_row_is_cancelled() -> None:
    _enqueue_victim("taken", group_key="case:9")
    outbox.cancel("case:9")

    assert _enqueue_victim("taken") is None
    assert Notification.objects.get(dedupe_key="taken").state == State.CANCELLED


@pytest.mark.django_db(transaction=True)
def test_it_refuses_to_write_outside_the_callers_transaction() -> None:
    with pytest.raises(RuntimeError, match="inside the transaction"):
        _enqueue_victim("no-transaction")
    assert not Notification.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_it_commits_nothing_when_the_change_that_caused_it_rolls_back() -> None:
    @transaction.atomic
    def change_that_fails() -> None:
        _enqueue_victim("rolled-back")
        raise RuntimeError("the change failed")

    with pytest.raises(RuntimeError):
        change_that_fails()
    assert not Notification.objects.exists()


@pytest.mark.parametrize(
    "params",
    [
        {"victim_name": "김민지"},
        {"case_id": "12"},
        {"case_id": True},
        {"summary_id": {"text": "Deepfake images shared in a Telegram room."}},
        {"url": "https://example.com/content/1"},
    ],
)
def test_it_refuses_params_that_are_not_ids(params: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="ids only"):
        _enqueue_victim("bad-params", params=params)
    assert not Notification.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"address": None}, "exactly one"),
        ({"channel": Channel.INBOX}, "Only staff"),
        ({"channel": "pigeon"}, "Unknown channel"),
        ({"template_key": "case.detail_with_name"}, "Unknown message template"),
        ({"language": "fr"}, "Unknown language"),
        ({"due_at": timezone.now().replace(tzinfo=None)}, "aware"),
        ({"dedupe_key": ""}, "dedupe key"),
    ],
)
def test_it_refuses_a_notification_that_could_not_be_delivered(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _enqueue_victim("refused", **overrides)


def test_it_refuses_a_user_and_an_address_together_and_sms_to_staff(alice: User) -> None:
    with pytest.raises(ValueError, match="exactly one"):
        _enqueue_victim("both", recipient=alice)
    with pytest.raises(ValueError, match="not sent SMS"):
        _enqueue_victim("staff-sms", recipient=alice, address=None, channel=Channel.SMS)


def test_it_cancels_the_rows_of_a_group_that_no_worker_has_taken(alice: User) -> None:
    waiting = add(recipient=alice, group_key="takedown:45", due_at=timezone.now() + timedelta(days=1))
    queued = add(recipient=alice, group_key="takedown:45")
    held = add(recipient=alice, group_key="takedown:45")
    sent = add(recipient=alice, group_key="takedown:45")
    victim = _enqueue_victim("victim-of-45", group_key="takedown:45")
    other = add(recipient=alice, group_key="takedown:46")
    Notification.objects.filter(pk=queued.pk).update(state=State.SENDING, claimed_at=timezone.now())
    Notification.objects.filter(pk=held.pk).update(
        state=State.SENDING, claimed_at=timezone.now(), claim_token=uuid.uuid4()
    )
    Notification.objects.filter(pk=sent.pk).update(state=State.SENT, sent_at=timezone.now())

    assert outbox.cancel("takedown:45") == 3

    states = dict(Notification.objects.values_list("pk", "state"))
    assert states[waiting.pk] == State.CANCELLED
    assert states[queued.pk] == State.CANCELLED
    assert victim is not None and states[victim.pk] == State.CANCELLED
    # A worker is sending this one: too late to stop it, and it must not be marked cancelled.
    assert states[held.pk] == State.SENDING
    assert states[sent.pk] == State.SENT
    assert states[other.pk] == State.PENDING
    # A cancelled victim row keeps no address (store the least).
    assert Notification.objects.get(pk=victim.pk).address is None


def test_it_reschedules_a_group_or_a_single_key_without_losing_a_row(alice: User) -> None:
    later = timezone.now() + timedelta(hours=5)
    reminder = add(recipient=alice, group_key="case:3", dedupe_key="case.followup_due:case:3")
    queued = add(recipient=alice, group_key="case:3")
    Notification.objects.filter(pk=queued.pk).update(state=State.SENDING, claimed_at=timezone.now())

    assert outbox.reschedule(group_key="case:3", due_at=later) == 2
    assert set(Notification.objects.values_list("state", "due_at")) == {(State.PENDING, later)}

    earlier = timezone.now() + timedelta(hours=1)
    assert outbox.reschedule(dedupe_key="case.followup_due:case:3", due_at=earlier) == 1
    reminder.refresh_from_db()
    queued.refresh_from_db()
    assert (reminder.due_at, queued.due_at) == (earlier, later)


def test_it_needs_exactly_one_key_to_reschedule() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        outbox.reschedule(due_at=timezone.now())
    with pytest.raises(ValueError, match="exactly one"):
        outbox.reschedule(group_key="case:1", dedupe_key="x", due_at=timezone.now())


def _deliver_now(*notifications: Notification) -> None:
    Notification.objects.filter(pk__in=[n.pk for n in notifications]).update(state=State.SENT, sent_at=timezone.now())


def test_it_counts_the_unread_inbox_messages_of_one_user(
    alice: User, bob: User, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    first, second = add(recipient=alice), add(recipient=alice)
    not_yet_due = add(recipient=alice, due_at=timezone.now() + timedelta(hours=1))
    emailed = add(recipient=alice, channel=Channel.EMAIL)
    bobs = add(recipient=bob)
    _deliver_now(first, second, emailed, bobs)

    with django_assert_num_queries(1):
        assert outbox.unread_count(alice) == 2
    assert [n.pk for n in outbox.inbox(alice)] == [second.pk, first.pk]
    assert not_yet_due.pk not in {n.pk for n in outbox.inbox(alice)}


def test_it_marks_read_only_the_users_own_messages(alice: User, bob: User) -> None:
    mine, also_mine = add(recipient=alice), add(recipient=alice)
    bobs = add(recipient=bob)
    _deliver_now(mine, also_mine, bobs)

    # Bob's id in alice's request is ignored, never marked.
    assert outbox.mark_read(alice, [mine.pk, bobs.pk]) == 1
    assert outbox.unread_count(alice) == 1
    assert outbox.unread_count(bob) == 1

    assert outbox.mark_read(alice) == 1
    assert outbox.unread_count(alice) == 0
    assert outbox.mark_read(alice) == 0


def test_it_lists_given_up_deliveries_only_within_the_callers_scope(alice: User, dave: User) -> None:
    ours = add(recipient=alice, channel=Channel.EMAIL)
    theirs = add(recipient=dave, channel=Channel.EMAIL)
    victim = _enqueue_victim("victim-failed", group_key="case:8")
    Notification.objects.update(state=State.FAILED, address=None)

    seoul = User.objects.filter(centre=alice.centre)
    assert victim is not None
    assert {n.pk for n in outbox.failed(recipients=seoul, group_keys=["case:8"])} == {ours.pk, victim.pk}
    assert theirs.pk not in {n.pk for n in outbox.failed(recipients=seoul)}
    assert not outbox.failed().exists()


def test_it_never_touches_the_broker_so_requests_succeed_while_redis_is_down(
    alice: User, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    def broker_down(*args: object, **kwargs: object) -> None:
        raise ConnectionRefusedError("the broker is down")

    monkeypatch.setattr(celery_app, "connection_for_write", broker_down)
    monkeypatch.setattr(celery_app, "send_task", broker_down)

    with django_capture_on_commit_callbacks() as callbacks:
        add(recipient=alice)
        _enqueue_victim("while-redis-is-down")

    # Rows only: nothing is queued for after the commit either; the dispatcher picks them up.
    assert callbacks == []
    assert Notification.objects.filter(state=State.PENDING).count() == 2


def test_it_purges_settled_rows_past_retention_and_keeps_the_rest(alice: User) -> None:
    from datetime import timedelta

    old = timezone.now() - timedelta(days=120)
    with transaction.atomic():
        keys = ["sent-old", "cancelled-old", "pending-old", "sent-new"]
        rows = {
            key: outbox.enqueue(
                recipient=alice,
                channel="inbox",
                template_key="case.followup_due",
                params={"case_id": 1},
                language="ko",
                due_at=old if key.endswith("old") else timezone.now(),
                dedupe_key=key,
            )
            for key in keys
        }
    Notification.objects.filter(dedupe_key__in=["sent-old", "sent-new"]).update(state=State.SENT)
    Notification.objects.filter(dedupe_key="cancelled-old").update(state=State.CANCELLED)
    Notification.objects.filter(dedupe_key__endswith="old").update(created_at=old)
    assert all(rows.values())
    assert outbox.purge_settled() == 2
    assert sorted(Notification.objects.values_list("dedupe_key", flat=True)) == ["pending-old", "sent-new"]
