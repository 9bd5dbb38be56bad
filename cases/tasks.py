"""Celery tasks of cases: thin wrappers that take ids and call cases.actions (letters, safety)."""

from __future__ import annotations

from celery import Task, shared_task

from cases.actions import letters, safety


@shared_task(bind=True, name=letters.SEND_LETTER_TASK, max_retries=None)
def send_letter(self: Task, takedown_id: int) -> None:
    """E-mails one queued letter; after a failure that may pass, tries again after the backoff.

    The request row decides when to give up (LETTER_MAX_ATTEMPTS), not Celery: max_retries is None.
    """
    wait = letters.deliver_letter(takedown_id)
    if wait is not None:
        raise self.retry(countdown=wait.total_seconds())


@shared_task(name="cases.tasks.send_due_letters")
def send_due_letters() -> int:
    """Run by beat every minute: hands every due letter to the workers; returns how many."""
    return len(letters.queue_due_letters())


@shared_task(name="cases.tasks.repeat_escalations")
def repeat_escalations() -> int:
    """Run by beat every minute: the next round of every unacknowledged escalation that is due."""
    return safety.send_due_escalation_rounds()
