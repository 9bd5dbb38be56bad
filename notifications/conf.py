"""Settings of the notifications app, read when used, from Django settings or else the environment.

Each value may be set in settings.py (tests use `override_settings`) or as an environment variable of
the same name; a bad value stops with ImproperlyConfigured, as caseflow/env.py does everywhere.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from caseflow.env import env_int, env_optional


def _int(name: str, default: int, *, minimum: int) -> int:
    value = getattr(settings, name, None)
    if value is None:
        return env_int(name, default, minimum=minimum)
    if not isinstance(value, int) or value < minimum:
        raise ImproperlyConfigured(f"{name} must be an integer of at least {minimum}.")
    return value


def _optional(name: str) -> str | None:
    value = getattr(settings, name, None)
    return str(value) if value else env_optional(name)


def max_attempts() -> int:
    """Delivery attempts before a notification is given up as `failed`."""
    return _int("NOTIFICATIONS_MAX_ATTEMPTS", 6, minimum=1)


def retention() -> timedelta:
    """How long settled notifications (sent, failed, cancelled) and their attempts are kept."""
    return timedelta(days=_int("NOTIFICATIONS_RETENTION_DAYS", 90, minimum=1))


def backoff_cap() -> timedelta:
    """The longest wait between two attempts (the backoff doubles from 2 minutes up to this)."""
    return timedelta(minutes=_int("NOTIFICATIONS_BACKOFF_CAP_MINUTES", 60, minimum=1))


def visibility_timeout() -> timedelta:
    """How long a row may stay `sending` before the dispatcher takes it back from a lost worker.

    Well above the 10-second timeouts of the e-mail and SMS channels: a live worker never loses its row.
    """
    return timedelta(seconds=_int("NOTIFICATIONS_VISIBILITY_TIMEOUT_SECONDS", 300, minimum=30))


def dispatch_batch_size() -> int:
    """Rows claimed per transaction by the dispatcher."""
    return _int("NOTIFICATIONS_DISPATCH_BATCH_SIZE", 500, minimum=1)


def delivery_batch_size() -> int:
    """Rows of one channel handed to a worker in one message: a broker round trip and a task per batch,
    not per row. Inbox rows of a batch are delivered in one transaction; e-mail and SMS rows are still
    claimed, sent and recorded one at a time, so a crash repeats at most the one being sent."""
    return _int("NOTIFICATIONS_DELIVERY_BATCH_SIZE", 100, minimum=1)


def dispatch_time_budget() -> float:
    """Seconds one dispatcher run keeps claiming batches, so that it ends before beat starts the next."""
    return float(_int("NOTIFICATIONS_DISPATCH_SECONDS", 50, minimum=1))


def broker_timeout() -> int:
    """Seconds to wait for the broker before the dispatcher leaves rows for its next run."""
    return _int("NOTIFICATIONS_BROKER_TIMEOUT_SECONDS", 5, minimum=1)


SMS_TIMEOUT_SECONDS = 10.0


def sms_webhook_url() -> str | None:
    """The SMS gateway's webhook (http or https), or None when SMS is not set up."""
    url = _optional("SMS_WEBHOOK_URL")
    if url and urlsplit(url).scheme not in {"http", "https"}:
        raise ImproperlyConfigured("SMS_WEBHOOK_URL must be an http:// or https:// URL.")
    return url


def sms_webhook_token() -> str | None:
    """The bearer token of the SMS webhook (also readable from SMS_WEBHOOK_TOKEN_FILE)."""
    return _optional("SMS_WEBHOOK_TOKEN")


def portal_link() -> str:
    """The one link a victim's message may carry: the portal's address (PORTAL_BASE_URL), or none.

    Only an http(s) address with no query or fragment: nothing that could name a case fits in it."""
    value = _optional("PORTAL_BASE_URL") or ""
    if not value:
        return ""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ImproperlyConfigured("PORTAL_BASE_URL must be an http(s) address without a query or fragment.")
    return value
