"""Scheduled housekeeping of credentials."""

from __future__ import annotations

from celery import shared_task
from django.contrib.sessions.models import Session
from django.utils import timezone
from knox.models import AuthToken


@shared_task(name="accounts.tasks.purge_expired_credentials")
def purge_expired_credentials() -> None:
    """Deletes expired API tokens and sessions, so no stale credential lingers in the database."""
    now = timezone.now()
    AuthToken.objects.filter(expiry__lt=now).delete()
    Session.objects.filter(expire_date__lt=now).delete()
