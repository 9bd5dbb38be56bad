"""Deliveries in batches (issue 17): one broker message per batch of one channel, the inbox's rows of a
batch delivered in one transaction, and a worker killed in the middle of a batch of e-mails losing
nothing and repeating nothing, with real worker processes, PostgreSQL and Redis."""

from __future__ import annotations

import os
import signal
from collections import Counter
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pytest_django import DjangoCaptureOnCommitCallbacks

from accounts.models import User
from caseflow.celery import app
from notifications import conf
from notifications.dispatcher import deliver_batch, dispatch_due
from notifications.models import Channel, Notification, NotificationAttempt, Outcome, State
from tests.notifications.conftest import Collector, RedisServer, add
from tests.notifications.mailbox import BLOCK_AFTER_ENV, BLOCK_ENV, MAILBOX_ENV, held_path, read_mailbox
from tests.notifications.test_guarantees import _broker_at, _drain, _gone, _sent, _victims
from tests.services import celery_worker, wait_until

BLOCKING = "tests.notifications.mailbox.BlockingBackend"


def _inbox(user: User, count: int) -> list[int]:
    with transaction.atomic():
        return [add(recipient=user).pk for _ in range(count)]


@pytest.mark.django_db
def test_the_dispatcher_hands_out_one_channel_at_a_time(
    alice: User, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    with transaction.atomic():
        mixed = [
            add(recipient=alice).pk if i % 2 else add(address=f"v{i}@victims.test", channel=Channel.EMAIL).pk
            for i in range(10)
        ]
    calls: list[list[int]] = []

    def publish(ids: Sequence[int]) -> int:
        calls.append(list(ids))
        return len(ids)

    with django_capture_on_commit_callbacks(execute=True):
        report = dispatch_due(publish=publish)
    assert sorted(report.handed_out) == sorted(mixed)
    channels = [set(Notification.objects.filter(pk__in=ids).values_list("channel", flat=True)) for ids in calls]
    assert sorted(map(sorted, channels)) == [[Channel.EMAIL], [Channel.INBOX]]


@pytest.mark.django_db
def test_an_inbox_batch_costs_the_same_queries_for_one_row_and_for_fifty(alice: User) -> None:
    one, fifty = _inbox(alice, 1), _inbox(alice, 50)
    dispatch_due(publish=Collector())  # queued as the dispatcher leaves them: sending, no claim
    counts = []
    for ids in (one, fifty):
        with CaptureQueriesContext(connection) as captured:
            states = deliver_batch(ids)
        counts.append(len(captured))
        assert set(states.values()) == {State.SENT}
    assert counts[0] == counts[1], counts
    rows = Notification.objects.filter(pk__in=one + fifty)
    assert set(rows.values_list("state", "attempts")) == {(State.SENT, 1)}
    assert NotificationAttempt.objects.filter(notification__in=one + fifty, outcome=Outcome.SENT).count() == 51

    # The same batch again (a broker redelivering it): nothing is delivered twice.
    assert set(deliver_batch(one + fifty).values()) == {None}
    assert NotificationAttempt.objects.filter(notification__in=one + fifty).count() == 51


def _queued_emails(count: int, prefix: str) -> list[int]:
    """`count` victim e-mails, queued as the dispatcher leaves them (sending, no claim)."""
    with transaction.atomic():
        ids = [add(address=f"{prefix}-{i}@victims.test", channel=Channel.EMAIL).pk for i in range(count)]
    dispatch_due(publish=Collector())
    return ids


@pytest.mark.services(needs=("postgresql",))
@pytest.mark.django_db
def test_an_email_batch_costs_one_statement_per_row_and_two_more(mailoutbox: list[object]) -> None:
    one, fifty = _queued_emails(1, "q1"), _queued_emails(50, "q50")
    statements = {}
    for ids in (one, fifty):
        with CaptureQueriesContext(connection) as captured:
            states = deliver_batch(ids)
        assert set(states.values()) == {State.SENT}
        statements[len(ids)] = [query["sql"].split(" ", 1)[0] for query in captured]
    # The batch's inbox rows (none), then for each e-mail one statement that records the previous
    # send and claims it, and one that records the last send: no BEGIN, COMMIT or SELECT of the row.
    assert statements == {1: ["SELECT", "WITH", "WITH"], 50: ["SELECT"] + ["WITH"] * 51}
    assert len(mailoutbox) == 51
    rows = Notification.objects.filter(pk__in=one + fifty)
    assert set(rows.values_list("state", "attempts", "claim_token", "address")) == {(State.SENT, 1, None, None)}
    attempts = NotificationAttempt.objects.filter(notification__in=one + fifty)
    assert list(attempts.values_list("outcome", "error").distinct()) == [(Outcome.SENT, "")]
    assert attempts.count() == 51

    # The same ids again (a broker redelivering the message): one claim each finds nothing to take.
    with CaptureQueriesContext(connection) as captured:
        assert set(deliver_batch(fifty).values()) == {None}
    assert len(captured) == 1 + 50
    assert len(mailoutbox) == 51


@pytest.mark.services(needs=("postgresql",))
@pytest.mark.django_db
def test_an_email_batch_records_a_failure_with_the_next_claim(mailoutbox: list[object]) -> None:
    good, bad, last = _queued_emails(3, "mixed")
    Notification.objects.filter(pk=bad).update(template_key="no.such.message")
    with CaptureQueriesContext(connection) as captured:
        states = deliver_batch([good, bad, last])
    assert states == {good: State.SENT, bad: State.FAILED, last: State.SENT}
    assert len(captured) == 1 + 3 + 1
    assert len(mailoutbox) == 2
    failed = Notification.objects.get(pk=bad)
    assert (failed.state, failed.attempts, failed.last_error, failed.address) == (
        State.FAILED,
        1,
        "unknown_template",
        None,
    )
    outcomes = NotificationAttempt.objects.filter(notification__in=[good, bad, last]).order_by("notification_id")
    assert list(outcomes.values_list("outcome", flat=True)) == [Outcome.SENT, Outcome.FAILED, Outcome.SENT]


@pytest.mark.django_db
def test_an_inbox_row_with_an_unknown_message_fails_alone(alice: User) -> None:
    with transaction.atomic():
        good = add(recipient=alice).pk
        bad = add(recipient=alice).pk
    # A message removed from the code after the row was written (enqueue refuses unknown ones).
    Notification.objects.filter(pk=bad).update(template_key="no.such.message")
    dispatch_due(publish=Collector())
    assert deliver_batch([good, bad]) == {good: State.SENT, bad: State.FAILED}
    assert Notification.objects.get(pk=bad).last_error == "unknown_template"


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_in_the_middle_of_a_batch_loses_nothing_and_repeats_nothing(
    alice: User, tmp_path: Path, own_redis: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    mailbox, flag = tmp_path / "mailbox.jsonl", tmp_path / "block"
    env = {
        "EMAIL_BACKEND": BLOCKING,
        MAILBOX_ENV: str(mailbox),
        BLOCK_ENV: str(flag),
        BLOCK_AFTER_ENV: "2",
        "REDIS_URL": own_redis.url,
    }
    ids = _victims(5, "batch")
    flag.touch()

    with _broker_at(own_redis.url, monkeypatch):
        with celery_worker(extra_env=env) as doomed:
            assert sorted(dispatch_due().handed_out) == ids
            # Two e-mails left, the third is being sent, the last two wait in the same batch.
            assert wait_until(held_path(flag).exists, timeout=60), "the worker never reached the third send"
            assert len(read_mailbox(mailbox)) == 2
            states = Counter(
                (state, token is None)
                for state, token in Notification.objects.filter(pk__in=ids).values_list("state", "claim_token")
            )
            assert states == {(State.SENT, True): 2, (State.SENDING, False): 1, (State.SENDING, True): 2}
            pool_process = int(held_path(flag).read_text())
            os.kill(doomed.pid, signal.SIGKILL)
            doomed.wait()
            os.kill(pool_process, signal.SIGKILL)
            assert wait_until(lambda: _gone(pool_process), timeout=30)
        flag.unlink()
        assert len(read_mailbox(mailbox)) == 2

        with celery_worker(extra_env=env):
            later = timezone.now() + conf.visibility_timeout() + timedelta(seconds=1)
            report = dispatch_due(now=later)
            # The one in flight is a lost attempt; the two that waited were never tried.
            assert report.reclaimed == 3
            assert len(report.handed_out) == 3
            assert wait_until(lambda: _sent(ids) == 5, timeout=60), f"{_sent(ids)} of 5 sent"
            _drain(alice)

    per_address = Counter(address for line in read_mailbox(mailbox) for address in line["to"])
    assert sorted(per_address.values()) == [1] * 5
    attempts = Counter(Notification.objects.filter(pk__in=ids).values_list("attempts", flat=True))
    assert attempts == {1: 4, 2: 1}
    assert NotificationAttempt.objects.filter(notification__in=ids, outcome=Outcome.LOST).count() == 1
    assert NotificationAttempt.objects.filter(notification__in=ids, outcome=Outcome.SENT).count() == 5


@pytest.mark.services(needs=("redis",))
@pytest.mark.django_db(transaction=True)
def test_a_running_worker_tells_the_settings_it_delivers_with() -> None:
    with celery_worker(extra_env={"NOTIFICATIONS_DELIVERY_BATCH_SIZE": "7"}):
        assert wait_until(lambda: bool(app.control.ping(timeout=0.5)), timeout=60)
        replies = app.control.broadcast("outbox_settings", reply=True, timeout=2)
    told = [answer for reply in replies or [] for answer in reply.values()]
    assert any(answer["delivery_batch_size"] == 7 and answer["concurrency"] == 1 for answer in told), told
