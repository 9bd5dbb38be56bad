"""Celery tasks of cases: thin wrappers that take ids and call cases.actions and cases.liveness."""

from __future__ import annotations

from celery import Task, shared_task
from django.conf import settings

from cases import liveness
from cases.actions import access_log, duties, letters, purge, safety


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


@shared_task(name="cases.tasks.purge_expired_cases")
def purge_expired_cases() -> int:
    """Run by beat every night: purges the closed cases past their retention date; returns how many."""
    return purge.purge_expired().purged


@shared_task(name="cases.tasks.seal_access_log")
def seal_access_log() -> int:
    """Run by beat every minute: seals each centre's new access-log rows into its next block."""
    return access_log.seal_access_log()


@shared_task(name="cases.tasks.repeat_escalations")
def repeat_escalations() -> int:
    """Run by beat every minute: the next round of every unacknowledged escalation that is due."""
    return safety.send_due_escalation_rounds()


@shared_task(name="cases.tasks.remind_duties")
def remind_duties() -> int:
    """Run by beat every minute: reminders of reports the law requires that are still not recorded."""
    return duties.send_due_duty_reminders()


@shared_task(name="cases.tasks.queue_liveness_checks")
def queue_liveness_checks() -> int:
    """Run by beat every ten minutes: queues the places due a check; returns how many."""
    due = liveness.due_sightings(limit=settings.LIVENESS_BATCH)
    for sighting_id in due:
        check_sighting.delay(sighting_id)
    return len(due)


@shared_task(name="cases.tasks.check_sighting")
def check_sighting(sighting_id: int) -> str:
    """Checks whether one place is still online (cases/liveness.py); the outcome, for the worker's log."""
    result = liveness.check(sighting_id)
    if result is None:
        return "gone"
    return result if isinstance(result, str) else result.outcome
