"""How an inbox item reads inside the app: a registry of renderers by template key.

A message itself carries ids only and says nothing (notifications/messages.py). Inside the app, after
sign-in, an item may say what it is about ("Follow-up on case K7QM-3XPA, due 14:00: call back") and
offer what can be done about it. Only the app that owns the subject knows that: cases registers a
renderer for its template keys when it starts (CasesConfig.ready), so this module never imports it.

A renderer takes the reader and every item of its kind on the page at once, and answers an InboxItem
per notification id it can say more about: one or two queries per kind, whatever the number of items.
An item it leaves out (the reader may no longer see the case, or it was deleted) reads as the neutral
message, with the link from NOTIFICATION_LINKS.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.urls import NoReverseMatch, reverse

from accounts.models import User
from notifications.messages import render_template
from notifications.models import Notification


@dataclass(frozen=True)
class InboxAction:
    """A button on the item: a POST to `url` with `fields` (and `next=inbox`); `asks_time` adds a time input."""

    label: str
    url: str
    fields: dict[str, str] = field(default_factory=dict)
    asks_time: bool = False
    time_label: str = ""


@dataclass(frozen=True)
class InboxItem:
    """What the inbox shows for one notification."""

    title: str
    text: str = ""
    link: str = ""
    actions: tuple[InboxAction, ...] = ()


Renderer = Callable[[User, Sequence[Notification]], dict[int, InboxItem]]

_RENDERERS: dict[str, Renderer] = {}


def register(template_key: str, renderer: Renderer) -> None:
    """Registers the renderer of a template key (once; a second one for the same key is a bug)."""
    if _RENDERERS.get(template_key, renderer) is not renderer:
        raise ValueError(f"A renderer for {template_key!r} is already registered.")
    _RENDERERS[template_key] = renderer


def is_registered(template_key: str) -> bool:
    return template_key in _RENDERERS


def link_for(notification: Notification) -> str:
    """Where a notification leads, from its ids and the project's NOTIFICATION_LINKS (param → URL name).

    The link is only an address: the page behind it checks, as always, whether the reader may see it.
    """
    for param, url_name in getattr(settings, "NOTIFICATION_LINKS", []):
        if param in notification.params:
            try:
                return reverse(url_name, args=[notification.params[param]])
            except NoReverseMatch:
                continue
    return ""


def neutral(notification: Notification, language: str) -> InboxItem:
    """The message as it was sent, in the page's language: says only that there is something to see."""
    message = render_template(notification.template_key, language)
    return InboxItem(title=message.subject, text=message.body, link=link_for(notification))


def render_inbox(user: User, notifications: Sequence[Notification], language: str) -> dict[int, InboxItem]:
    """Every notification's item: its kind's renderer where one says more, the neutral message otherwise."""
    by_kind: dict[str, list[Notification]] = defaultdict(list)
    for notification in notifications:
        by_kind[notification.template_key].append(notification)
    items: dict[int, InboxItem] = {}
    for template_key, group in by_kind.items():
        renderer = _RENDERERS.get(template_key)
        if renderer is not None:
            ids = {n.pk for n in group}
            items.update({pk: item for pk, item in renderer(user, group).items() if pk in ids})
    return {n.pk: items.get(n.pk) or neutral(n, language) for n in notifications}
