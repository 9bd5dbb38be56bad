"""Celery tasks of the outbox: thin wrappers that take ids and call notifications.dispatcher."""

from __future__ import annotations

from celery import shared_task

from notifications import dispatcher, outbox


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
