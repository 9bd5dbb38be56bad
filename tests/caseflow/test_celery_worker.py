"""A task queued with transaction.on_commit runs in a real worker process on the real broker."""

from __future__ import annotations

import uuid

import pytest
from django.core.cache import cache
from django.db import transaction

from caseflow.tasks import PING_KEY, ping
from tests.services import celery_worker, wait_until

pytestmark = [pytest.mark.services(needs=("redis",)), pytest.mark.django_db(transaction=True)]


def _pinged(nonce: str) -> bool:
    return cache.get(PING_KEY.format(nonce=nonce)) == "pong"


@transaction.atomic
def _queue_then_fail(nonce: str) -> None:
    transaction.on_commit(lambda: ping.delay(nonce))
    raise RuntimeError("the change failed")


def test_it_runs_a_task_queued_on_commit_in_a_real_worker() -> None:
    nonce = uuid.uuid4().hex
    with celery_worker():
        with transaction.atomic():
            transaction.on_commit(lambda: ping.delay(nonce))
            # Nothing is sent before the transaction commits.
            assert not _pinged(nonce)
        assert wait_until(lambda: _pinged(nonce), timeout=30), "the worker never ran the task"


def test_it_sends_nothing_when_the_transaction_rolls_back() -> None:
    rolled_back, committed = uuid.uuid4().hex, uuid.uuid4().hex
    with celery_worker():
        with pytest.raises(RuntimeError):
            _queue_then_fail(rolled_back)
        with transaction.atomic():
            transaction.on_commit(lambda: ping.delay(committed))
        # The worker has taken everything queued before `committed`: one queue, one worker, in order.
        assert wait_until(lambda: _pinged(committed), timeout=30)
    assert not _pinged(rolled_back)
