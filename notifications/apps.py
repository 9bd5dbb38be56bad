"""Delivery of messages: outbox rows, channels, Celery send tasks. Knows no case."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """Delivery of messages; the Celery tasks are found by the app's autodiscovery of notifications.tasks."""

    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from notifications import (
            checks,  # noqa: F401 - registers the system checks
            receivers,  # noqa: F401 - connects the receiver of account changes
        )
