"""Celery tasks of the outbox: thin wrappers that take ids and call notifications.dispatcher."""

from __future__ import annotations

from celery import shared_task

from notifications import dispatcher, outbox


@shared_task(name="notifications.tasks.dispatch_due")
def dispatch_due() -> int:
    """Run by beat every minute: hands every due notification to the workers; returns how many."""
    return len(dispatcher.dispatch_due().handed_out)


@shared_task(name=dispatcher.DELIVER_TASK)
def deliver(notification_id: int) -> None:
    """Sends one notification that the dispatcher queued; does nothing if another worker has it."""
    dispatcher.deliver(notification_id)


@shared_task(name="notifications.tasks.purge_settled")
def purge_settled() -> int:
    """Run by beat every night: the outbox keeps no delivered message longer than it must."""
    return outbox.purge_settled()
