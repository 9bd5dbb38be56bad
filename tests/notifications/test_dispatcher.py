"""The dispatcher and deliver() in this process: claims, hand-out after commit, retries, reclaims."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest
from cryptography.fernet import Fernet
from django.core import mail
from django.db import transaction
from django.utils import timezone
from pytest_django import DjangoCaptureOnCommitCallbacks, Settings

from accounts.models import User
from caseflow.celery import app as celery_app
from notifications import channels, conf, dispatcher, outbox, tasks
from notifications.dispatcher import DispatchReport, deliver, dispatch_due
from notifications.messages import Message
from notifications.models import Channel, Notification, NotificationAttempt, Outcome, State
from tests.notifications.conftest import Collector, add

pytestmark = pytest.mark.django_db


def dispatch(
    capture: DjangoCaptureOnCommitCallbacks, publish: Collector, *, now: datetime | None = None, batch_size: int = 500
) -> DispatchReport:
    """One dispatcher run whose on-commit hand-out is run as the test's transaction would commit."""
    with capture(execute=True):
        return dispatch_due(now=now, batch_size=batch_size, publish=publish)


def outcomes(notification: Notification) -> list[str]:
    return list(notification.delivery_attempts.order_by("pk").values_list("outcome", flat=True))


def test_it_hands_out_due_rows_only_after_its_transaction_commits(
    alice: User, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    due = [add(recipient=alice) for _ in range(3)]
    later = add(recipient=alice, due_at=timezone.now() + timedelta(minutes=10))
    cancelled = add(recipient=alice, group_key="case:1")
    outbox.cancel("case:1")
    publish = Collector()

    with django_capture_on_commit_callbacks() as callbacks:
        report = dispatch_due(publish=publish)
    # Claimed in the transaction, published by the on-commit callback only.
    assert report.claimed == 3
    assert publish.ids == []
    assert len(callbacks) == 1
    callbacks[0]()

    assert sorted(publish.ids) == sorted(n.pk for n in due)
    assert report.handed_out == publish.ids
    states = dict(Notification.objects.values_list("pk", "state"))
    assert {states[n.pk] for n in due} == {State.SENDING}
    assert states[later.pk] == State.PENDING
    assert states[cancelled.pk] == State.CANCELLED


def test_it_claims_in_batches_until_nothing_is_due(
    alice: User, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    rows = [add(recipient=alice) for _ in range(7)]
    publish = Collector()

    report = dispatch(django_capture_on_commit_callbacks, publish, batch_size=3)

    assert report.claimed == 7
    assert sorted(publish.ids) == sorted(n.pk for n in rows)
    assert dispatch(django_capture_on_commit_callbacks, Collector()).claimed == 0


def test_it_puts_rows_back_to_pending_when_the_broker_is_down(
    alice: User, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    rows = [add(recipient=alice) for _ in range(5)]
    # The broker takes two messages, then fails.
    publish = Collector(accept=2)

    report = dispatch(django_capture_on_commit_callbacks, publish)

    assert report.broker_down
    assert report.handed_out == publish.ids
    assert len(publish.ids) == 2
    assert report.returned == 3
    states = dict(Notification.objects.values_list("pk", "state"))
    assert sorted(pk for pk, state in states.items() if state == State.PENDING) == sorted(
        n.pk for n in rows if n.pk not in publish.ids
    )
    # Nothing is counted as an attempt, nothing lost: the next run hands out the rest.
    assert not NotificationAttempt.objects.exists()
    assert sorted(dispatch(django_capture_on_commit_callbacks, Collector()).handed_out) == sorted(
        n.pk for n in rows if n.pk not in publish.ids
    )


def test_it_stops_publishing_at_the_first_broker_failure(
    alice: User, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks, monkeypatch: pytest.MonkeyPatch
) -> None:
    for _ in range(5):
        add(recipient=alice)
    # The real publisher against a broker that refuses connections (nothing listens on port 9).
    monkeypatch.setattr(celery_app.conf, "broker_write_url", "redis://127.0.0.1:9/0")
    monkeypatch.setattr(conf, "broker_timeout", lambda: 1)

    with django_capture_on_commit_callbacks(execute=True):
        report = dispatch_due(batch_size=2)

    assert report.broker_down
    assert report.handed_out == []
    assert report.returned == 5
    assert set(Notification.objects.values_list("state", flat=True)) == {State.PENDING}


def test_it_delivers_an_inbox_message_once_even_when_asked_twice(
    alice: User, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    notification = add(recipient=alice)
    publish = Collector()
    dispatch(django_capture_on_commit_callbacks, publish)

    assert deliver(notification.pk) == State.SENT
    # A second message for the same row (a broker redelivery) finds nothing to claim.
    assert deliver(notification.pk) is None

    notification.refresh_from_db()
    assert notification.state == State.SENT
    assert notification.sent_at is not None
    assert notification.attempts == 1
    assert notification.claim_token is None
    assert outcomes(notification) == [Outcome.SENT]
    assert outbox.unread_count(alice) == 1


def test_it_does_not_deliver_a_row_that_was_not_handed_out(alice: User) -> None:
    pending = add(recipient=alice)
    assert deliver(pending.pk) is None
    assert deliver(10**9) is None
    pending.refresh_from_db()
    assert pending.state == State.PENDING


def test_it_emails_staff_from_the_neutral_sender(
    alice: User, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    notification = add(recipient=alice, channel=Channel.EMAIL, template_key="takedown.deadline_passed", language="en")
    dispatch(django_capture_on_commit_callbacks, Collector())

    assert deliver(notification.pk) == State.SENT

    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["alice@seoul.test"]
    assert sent.from_email == "no-reply@localhost"
    assert sent.subject == "A response deadline has passed"


def test_it_retries_with_exponential_backoff_then_gives_up(
    alice: User, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(notification: Notification, message: Message) -> None:
        raise channels.DeliveryError("http_503")

    monkeypatch.setitem(channels.SENDERS, Channel.EMAIL, refuse)
    notification = add(address="victim@example.kr", channel=Channel.EMAIL, template_key="victim.case_updated")
    waits = []
    now = timezone.now()
    for attempt in range(1, conf.max_attempts() + 1):
        report = dispatch(django_capture_on_commit_callbacks, Collector(), now=now)
        assert report.handed_out == [notification.pk]
        state = deliver(notification.pk)
        notification.refresh_from_db()
        assert notification.attempts == attempt
        assert notification.last_error == "http_503"
        if state == State.PENDING:
            waits.append(round((notification.due_at - timezone.now()).total_seconds() / 60))
            # Not due again before its backoff has passed.
            just_before = notification.due_at - timedelta(seconds=1)
            assert dispatch(django_capture_on_commit_callbacks, Collector(), now=just_before).handed_out == []
            now = notification.due_at
    assert state == State.FAILED
    assert waits == [2, 4, 8, 16, 32]
    assert notification.state == State.FAILED
    # A given-up victim row keeps no address; every attempt is a row.
    assert notification.address is None
    assert outcomes(notification) == [Outcome.FAILED] * conf.max_attempts()


def test_it_gives_up_at_once_when_a_retry_cannot_help(
    alice: User, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    notification = add(recipient=alice, channel=Channel.EMAIL)
    User.objects.filter(pk=alice.pk).update(is_active=False)
    dispatch(django_capture_on_commit_callbacks, Collector())

    assert deliver(notification.pk) == State.FAILED
    notification.refresh_from_db()
    assert (notification.attempts, notification.last_error) == (1, "recipient_inactive")
    assert mail.outbox == []


def test_it_keeps_only_the_class_of_an_unexpected_error(
    alice: User, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(notification: Notification, message: Message) -> None:
        raise RuntimeError(f"could not reach {notification.address}")

    monkeypatch.setitem(channels.SENDERS, Channel.EMAIL, explode)
    notification = add(address="victim@example.kr", channel=Channel.EMAIL, template_key="victim.case_updated")
    dispatch(django_capture_on_commit_callbacks, Collector())

    assert deliver(notification.pk) == State.PENDING
    notification.refresh_from_db()
    assert notification.last_error == "error_RuntimeError"
    assert "victim@" not in notification.delivery_attempts.get().error


def _claimed_by_a_worker_that_vanished(notification: Notification) -> None:
    """What a worker leaves behind when it is killed after its claim and before it sent."""
    Notification.objects.filter(pk=notification.pk).update(claim_token=uuid.uuid4(), claimed_at=timezone.now())


def test_it_takes_back_a_row_from_a_worker_that_vanished(
    alice: User, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    notification = add(recipient=alice)
    dispatch(django_capture_on_commit_callbacks, Collector())
    _claimed_by_a_worker_that_vanished(notification)

    # Within the visibility timeout the worker may still be sending: the row is left alone.
    assert dispatch(django_capture_on_commit_callbacks, Collector()).reclaimed == 0
    after_timeout = timezone.now() + conf.visibility_timeout() + timedelta(seconds=1)
    report = dispatch(django_capture_on_commit_callbacks, Collector(), now=after_timeout)

    assert report.reclaimed == 1
    assert report.handed_out == [notification.pk]
    assert deliver(notification.pk) == State.SENT
    notification.refresh_from_db()
    assert notification.attempts == 2
    assert outcomes(notification) == [Outcome.LOST, Outcome.SENT]


def test_it_hands_out_again_a_row_whose_message_was_lost_without_counting_an_attempt(
    alice: User, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    notification = add(recipient=alice)
    dispatch(django_capture_on_commit_callbacks, Collector())  # the message never reaches a worker

    after_timeout = timezone.now() + conf.visibility_timeout() + timedelta(seconds=1)
    report = dispatch(django_capture_on_commit_callbacks, Collector(), now=after_timeout)

    assert (report.reclaimed, report.handed_out) == (1, [notification.pk])
    notification.refresh_from_db()
    assert notification.attempts == 0
    assert not NotificationAttempt.objects.exists()


def test_it_gives_up_a_row_whose_workers_keep_vanishing(
    alice: User, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    notification = add(recipient=alice)
    Notification.objects.filter(pk=notification.pk).update(attempts=conf.max_attempts() - 1)
    dispatch(django_capture_on_commit_callbacks, Collector())
    _claimed_by_a_worker_that_vanished(notification)

    after_timeout = timezone.now() + conf.visibility_timeout() + timedelta(seconds=1)
    report = dispatch(django_capture_on_commit_callbacks, Collector(), now=after_timeout)

    assert report.handed_out == []
    notification.refresh_from_db()
    assert (notification.state, notification.last_error) == (State.FAILED, "worker_lost")


def test_it_does_not_send_a_row_cancelled_while_it_waited_in_the_queue(
    alice: User, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    notification = add(recipient=alice, group_key="takedown:9")
    dispatch(django_capture_on_commit_callbacks, Collector())

    assert outbox.cancel("takedown:9") == 1
    assert deliver(notification.pk) is None
    notification.refresh_from_db()
    assert notification.state == State.CANCELLED


def test_it_marks_sent_a_row_taken_back_while_its_slow_worker_was_still_sending(
    alice: User, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks, monkeypatch: pytest.MonkeyPatch
) -> None:
    notification = add(recipient=alice)
    dispatch(django_capture_on_commit_callbacks, Collector())
    handed_again = Collector()

    def slow_send(notification: Notification, message: Message) -> None:
        # While this worker sends, the visibility timeout passes and a dispatcher takes the row back.
        after_timeout = timezone.now() + conf.visibility_timeout() + timedelta(seconds=1)
        dispatch(django_capture_on_commit_callbacks, handed_again, now=after_timeout)

    monkeypatch.setitem(channels.SENDERS, Channel.INBOX, slow_send)
    assert deliver(notification.pk) == State.SENT
    assert handed_again.ids == [notification.pk]

    # The message handed out again finds the row sent: no second delivery.
    assert deliver(notification.pk) is None
    assert outcomes(notification) == [Outcome.LOST, Outcome.SENT]


@pytest.mark.django_db(transaction=True)
def test_the_beat_task_runs_the_dispatcher_and_the_worker_task_delivers(
    alice: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    with transaction.atomic():
        notification = add(recipient=alice)
    publish = Collector()
    monkeypatch.setattr(dispatcher, "publish_to_broker", publish)

    # Outside any test transaction, each batch is handed out as soon as it commits.
    assert tasks.dispatch_due() == 1
    assert publish.ids == [notification.pk]
    tasks.deliver(notification.pk)

    notification.refresh_from_db()
    assert notification.state == State.SENT
    assert {"notifications.tasks.dispatch_due", "notifications.tasks.deliver"} <= set(celery_app.tasks)


def test_it_gives_up_an_address_whose_key_was_dropped(
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks, settings: Settings
) -> None:
    notification = add(address="victim@example.kr", channel=Channel.EMAIL, template_key="victim.case_updated")
    dispatch(django_capture_on_commit_callbacks, Collector())
    # Rotated too early: the key that encrypted the address is gone.
    settings.CASEFLOW_FIELD_KEYS = [Fernet.generate_key().decode()]

    assert deliver(notification.pk) == State.FAILED
    failed = Notification.objects.defer("address").get(pk=notification.pk)
    assert (failed.state, failed.last_error) == (State.FAILED, "address_undecryptable")
    assert mail.outbox == []
