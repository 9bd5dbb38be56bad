"""Celery tasks of the outbox: thin wrappers that take ids and call notifications.dispatcher."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from celery.worker.control import inspect_command
from django.conf import settings

from notifications import conf, dispatcher, outbox


@shared_task(name="notifications.tasks.dispatch_due")
def dispatch_due() -> int:
    """Run by beat every minute: hands every due notification to the workers; returns how many."""
    return len(dispatcher.dispatch_due().handed_out)


@shared_task(name=dispatcher.DELIVER_BATCH_TASK)
def deliver_batch(notification_ids: list[int]) -> None:
    """Sends the notifications of one channel that the dispatcher queued together; skips any that
    another worker has."""
    dispatcher.deliver_batch(notification_ids)


@shared_task(name=dispatcher.DELIVER_TASK)
def deliver(notification_id: int) -> None:
    """Sends one notification: the messages queued before deliveries went in batches still find it."""
    dispatcher.deliver(notification_id)


@shared_task(name="notifications.tasks.purge_settled")
def purge_settled() -> int:
    """Run by beat every night: the outbox keeps no delivered message longer than it must."""
    return outbox.purge_settled()


@inspect_command()
def outbox_settings(state: Any) -> dict[str, object]:
    """What this worker delivers with, as it read its settings (`celery -A caseflow inspect outbox_settings`):
    bench.notifications reports these rather than the flags it was started with."""
    return {
        "delivery_batch_size": conf.delivery_batch_size(),
        "dispatch_batch_size": conf.dispatch_batch_size(),
        "visibility_timeout_seconds": conf.visibility_timeout().total_seconds(),
        "max_attempts": conf.max_attempts(),
        "db_reuse_max": getattr(settings, "CELERY_DB_REUSE_MAX", None),
        "conn_max_age": settings.DATABASES["default"].get("CONN_MAX_AGE"),
        "concurrency": getattr(state.consumer.pool, "num_processes", None),
    }
