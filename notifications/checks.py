"""System checks of the notifications app (`manage.py check`)."""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Warning, register

from notifications import conf, messages


@register()
def portal_link_fits_one_sms(**kwargs: Any) -> list[CheckMessage]:
    """A portal address too long for one SMS is left out of victims' messages: say so at deploy time."""
    link = conf.portal_link()
    if not link:
        return []
    bodies = [m.body for key in messages.VICTIM_TEMPLATES for m in messages.TEMPLATES[key].values()]
    if all(len(f"{body} {link}") <= messages.sms_limit(f"{body} {link}") for body in bodies):
        return []
    longest = max(len(body) for body in bodies if not body.isascii())
    return [
        Warning(
            "PORTAL_BASE_URL is too long to fit in one SMS after the message; victims' messages will carry no link.",
            hint=f"Use an address of at most {messages.SMS_MAX_CHARS - longest - 1} characters.",
            id="notifications.W001",
        )
    ]
