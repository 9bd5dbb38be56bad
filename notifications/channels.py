"""How a rendered message reaches its recipient: the in-app inbox, e-mail, or an SMS gateway's webhook.

A channel raises DeliveryError with a short code (stored as the row's `last_error`, logged) that
never holds the message, the address, or a gateway's answer, which could echo either.
"""

from __future__ import annotations

import json
import smtplib
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.handler import DEFAULT_MAILER_ALIAS

from notifications import conf
from notifications.messages import Message
from notifications.models import Channel, Notification


class DeliveryError(Exception):
    """A send that did not happen; `permanent` ones are not retried (a retry cannot help)."""

    def __init__(self, code: str, *, permanent: bool = False) -> None:
        super().__init__(code)
        self.code = code[:100]
        self.permanent = permanent


def _email_address(notification: Notification) -> str:
    if notification.recipient is not None:
        if not notification.recipient.is_active:
            # A colleague who left is not e-mailed about cases any more.
            raise DeliveryError("recipient_inactive", permanent=True)
        return notification.recipient.email
    if not notification.address:
        raise DeliveryError("no_address", permanent=True)
    return notification.address


def send_inbox(notification: Notification, message: Message) -> None:
    """The row itself is the message: marking it sent shows it in the inbox (read_at is set later)."""


def send_email(notification: Notification, message: Message) -> None:
    """Sends through the default mailer of MAILERS (SMTP in production), from the neutral DEFAULT_FROM_EMAIL."""
    email = EmailMessage(
        subject=message.subject,
        body=message.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[_email_address(notification)],
    )
    try:
        email.send(using=DEFAULT_MAILER_ALIAS)
    except smtplib.SMTPRecipientsRefused:
        # The server names the refused addresses in the exception; only the code is kept.
        raise DeliveryError("smtp_recipient_refused", permanent=True) from None
    except smtplib.SMTPException as exc:
        raise DeliveryError(f"smtp_{type(exc).__name__}") from None
    except OSError as exc:
        raise DeliveryError(f"smtp_unreachable_{type(exc).__name__}") from None


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A webhook that redirects is misconfigured; following it would turn the POST into a GET."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirects)

# Client errors that a later attempt can fix (timeout, rate limit); other 4xx answers will not change.
_RETRYABLE_CLIENT_ERRORS = {408, 425, 429}


def send_sms(notification: Notification, message: Message) -> None:
    """POSTs {"to": number, "text": body} as JSON to SMS_WEBHOOK_URL with the bearer token; 2xx is success.

    An `Idempotency-Key` header names the notification, so a gateway that honours it drops the repeat
    in the one case caseflow cannot exclude (see notifications.dispatcher).
    """
    url = conf.sms_webhook_url()
    if not url:
        # Transient on purpose: once the operator sets the URL, the retries deliver.
        raise DeliveryError("sms_not_configured")
    if notification.recipient is not None or not notification.address:
        raise DeliveryError("no_address", permanent=True)
    headers = {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "Idempotency-Key": f"caseflow-notification-{notification.pk}",
    }
    token = conf.sms_webhook_token()
    if token:
        headers["Authorization"] = f"Bearer {token}"
    payload = json.dumps({"to": notification.address, "text": message.body}, ensure_ascii=False).encode()
    # The scheme is checked in conf.sms_webhook_url(): http or https only.
    request = urllib.request.Request(url, data=payload, headers=headers, method="POST")  # noqa: S310
    try:
        with _opener.open(request, timeout=conf.SMS_TIMEOUT_SECONDS) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        exc.close()
        permanent = 400 <= exc.code < 500 and exc.code not in _RETRYABLE_CLIENT_ERRORS
        raise DeliveryError(f"http_{exc.code}", permanent=permanent) from None
    except OSError as exc:  # URLError, a refused connection, a timeout
        raise DeliveryError(f"sms_unreachable_{type(exc).__name__}") from None
    if not 200 <= status < 300:
        raise DeliveryError(f"http_{status}")


SENDERS: dict[str, Callable[[Notification, Message], None]] = {
    Channel.INBOX: send_inbox,
    Channel.EMAIL: send_email,
    Channel.SMS: send_sms,
}


def send(notification: Notification, message: Message) -> None:
    """Sends a rendered message over the notification's channel; DeliveryError if it did not go out."""
    try:
        sender = SENDERS[notification.channel]
    except KeyError:
        raise DeliveryError("unknown_channel", permanent=True) from None
    sender(notification, message)
