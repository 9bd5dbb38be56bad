"""Guarantees 1 to 3 of issue 5 with real worker processes, PostgreSQL and Redis.

The workers are other processes, so they send e-mail through tests/notifications/mailbox.py, which
writes one line per message to a file: every victim row has an address of its own, so a line per
address is a delivery that really left the worker, counted apart from the rows that record it.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from accounts.models import User
from caseflow.celery import app as celery_app
from notifications import conf
from notifications.dispatcher import DispatchReport, dispatch_due, publish_to_broker
from notifications.models import Channel, Notification, NotificationAttempt, Outcome, State
from tests.notifications.conftest import RedisServer, add
from tests.notifications.mailbox import BLOCK_ENV, MAILBOX_ENV, held_path, read_mailbox
from tests.services import celery_worker, wait_until

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

RECORDING = "tests.notifications.mailbox.RecordingBackend"
BLOCKING = "tests.notifications.mailbox.BlockingBackend"


def _victims(count: int, prefix: str) -> list[int]:
    """`count` e-mails to victims, each to an address of its own, due now, committed together."""
    with transaction.atomic():
        return [
            add(
                address=f"{prefix}-{i}@victims.test",
                channel=Channel.EMAIL,
                template_key="victim.case_updated",
                params={"case_id": i},
                group_key=f"case:{i}",
            ).pk
            for i in range(count)
        ]


def _sent(ids: list[int]) -> int:
    return Notification.objects.filter(pk__in=ids, state=State.SENT).count()


def _mail_env(mailbox: Path, backend: str = RECORDING) -> dict[str, str]:
    return {"EMAIL_BACKEND": backend, MAILBOX_ENV: str(mailbox)}


def _drain(user: User) -> None:
    """Waits until the worker has taken every message queued so far: a last inbox row is delivered."""
    with transaction.atomic():
        sentinel = add(recipient=user)
    assert dispatch_due().handed_out == [sentinel.pk]
    assert wait_until(lambda: _sent([sentinel.pk]) == 1, timeout=60), "the worker stopped taking messages"
    time.sleep(0.5)  # a second pool process may still be finishing the message before the sentinel


def _assert_sent_once_each(ids: list[int], mailbox: Path) -> None:
    lines = read_mailbox(mailbox)
    per_address = Counter(address for line in lines for address in line["to"])
    assert len(lines) == len(ids), f"{len(lines)} e-mails for {len(ids)} notifications"
    assert len(per_address) == len(ids)
    assert [address for address, times in per_address.items() if times > 1] == []
    assert set(Notification.objects.filter(pk__in=ids).values_list("state", "attempts")) == {(State.SENT, 1)}
    successes = NotificationAttempt.objects.filter(notification__in=ids, outcome=Outcome.SENT)
    assert successes.count() == len(ids)
    assert not successes.values("notification").annotate(n=Count("pk")).filter(n__gt=1).exists()


@contextmanager
def _broker_at(url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Points this process's publishing (the dispatcher) at another broker; restored afterwards."""
    with monkeypatch.context() as patch:
        patch.setattr(celery_app.conf, "broker_write_url", url)
        yield


def test_two_dispatchers_at_once_deliver_a_thousand_rows_once_each(alice: User, tmp_path: Path) -> None:
    ids = _victims(1000, "g1")
    mailbox = tmp_path / "mailbox.jsonl"
    reports: list[DispatchReport] = []
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def dispatcher() -> None:
        try:
            start.wait(timeout=30)
            # Small batches, so that the two dispatchers interleave many times.
            reports.append(dispatch_due(batch_size=20))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    with celery_worker(concurrency=2, extra_env=_mail_env(mailbox)):
        threads = [threading.Thread(target=dispatcher) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert errors == []
        handed_out = [pk for report in reports for pk in report.handed_out]
        # No row was claimed by both dispatchers, and none was left behind.
        assert sorted(handed_out) == sorted(ids)
        assert all(report.handed_out for report in reports), [len(r.handed_out) for r in reports]

        # Every id a second time, as a broker redelivering every message would: still one e-mail each.
        assert publish_to_broker(ids) == len(ids)
        assert wait_until(lambda: _sent(ids) == len(ids), timeout=180), f"{_sent(ids)} of {len(ids)} sent"
        _drain(alice)

    _assert_sent_once_each(ids, mailbox)


def _gone(pid: int) -> bool:
    """Whether a process has exited (a zombie whose parent died counts as exited)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return True
    return fields[0] in {"Z", "X"}


def test_a_worker_killed_after_its_claim_leaves_a_row_that_is_delivered_once(
    alice: User, tmp_path: Path, own_redis: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    mailbox, flag = tmp_path / "mailbox.jsonl", tmp_path / "block"
    env = {**_mail_env(mailbox, BLOCKING), BLOCK_ENV: str(flag), "REDIS_URL": own_redis.url}
    (pk,) = _victims(1, "g2")
    flag.touch()

    with _broker_at(own_redis.url, monkeypatch):
        with celery_worker(extra_env=env) as doomed:
            assert dispatch_due().handed_out == [pk]
            # The worker claimed the row and is in the middle of sending it.
            assert wait_until(held_path(flag).exists, timeout=60), "the worker never started the send"
            row = Notification.objects.get(pk=pk)
            assert row.state == State.SENDING
            assert row.claim_token is not None
            pool_process = int(held_path(flag).read_text())
            # The whole worker dies at once, as on a lost machine: the main process, then the one sending.
            os.kill(doomed.pid, signal.SIGKILL)
            doomed.wait()
            os.kill(pool_process, signal.SIGKILL)
            assert wait_until(lambda: _gone(pool_process), timeout=30)
        flag.unlink()
        assert read_mailbox(mailbox) == []

        # Within the visibility timeout the row still belongs to the dead worker: nothing is handed out.
        assert dispatch_due().handed_out == []

        with celery_worker(extra_env=env):
            later = timezone.now() + conf.visibility_timeout() + timedelta(seconds=1)
            report = dispatch_due(now=later)
            assert (report.reclaimed, report.handed_out) == (1, [pk])
            assert wait_until(lambda: _sent([pk]) == 1, timeout=60), "the reclaimed row was never delivered"
            _drain(alice)

    assert len(read_mailbox(mailbox)) == 1
    row = Notification.objects.get(pk=pk)
    assert (row.state, row.attempts) == (State.SENT, 2)
    assert list(row.delivery_attempts.order_by("pk").values_list("outcome", flat=True)) == [Outcome.LOST, Outcome.SENT]


def test_while_redis_is_down_the_outbox_grows_and_all_is_delivered_once_it_is_back(
    tmp_path: Path, own_redis: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    mailbox = tmp_path / "mailbox.jsonl"
    env = {**_mail_env(mailbox), "REDIS_URL": own_redis.url}

    with _broker_at(own_redis.url, monkeypatch), celery_worker(extra_env=env):
        own_redis.stop()

        # The request path writes rows only: it succeeds with the broker down.
        first = _victims(30, "g3-early")
        started = time.monotonic()
        report = dispatch_due()
        # The dispatcher gives up within seconds and puts back what it claimed: nothing lost.
        assert time.monotonic() - started < 20
        assert report.broker_down
        assert report.handed_out == []
        assert report.returned == 30
        later = _victims(20, "g3-late")
        ids = first + later
        assert Notification.objects.filter(state=State.PENDING).count() == 50
        assert not NotificationAttempt.objects.exists()
        assert set(Notification.objects.values_list("attempts", flat=True)) == {0}

        own_redis.start()
        report = dispatch_due()
        assert sorted(report.handed_out) == sorted(ids)
        assert wait_until(lambda: _sent(ids) == len(ids), timeout=120), f"{_sent(ids)} of {len(ids)} sent"

    _assert_sent_once_each(ids, mailbox)
