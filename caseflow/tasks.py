"""Operational tasks of the project itself."""

from __future__ import annotations

from celery import shared_task
from django.core.cache import cache

PING_KEY = "caseflow:ping:{nonce}"


@shared_task(name="caseflow.tasks.ping")
def ping(nonce: str) -> None:
    """Leaves a mark in the shared cache, so a caller can tell that a worker runs its queue."""
    cache.set(PING_KEY.format(nonce=nonce), "pong", timeout=300)
