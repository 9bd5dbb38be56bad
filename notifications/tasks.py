"""Celery tasks of the outbox: thin wrappers that take ids and call notifications.dispatcher."""

from __future__ import annotations

from celery import shared_task

from notifications import dispatcher


@shared_task(name="notifications.tasks.dispatch_due")
def dispatch_due() -> int:
    """Run by beat every minute: hands every due notification to the workers; returns how many."""
    return len(dispatcher.dispatch_due().handed_out)


@shared_task(name="notifications.tasks.deliver")
def deliver(notification_id: int) -> None:
    """Sends one notification that the dispatcher queued; does nothing if another worker has it."""
    dispatcher.deliver(notification_id)
