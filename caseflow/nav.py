"""The staff pages' top navigation as one template tag: its links depend only on the language and the
reader's kind of role, so they are built once per process for each pair and reused (reversing two dozen
URL names and translating their labels on every page cost more than the rest of the layout).

Nothing about the reader is cached: only addresses and labels; the unread count is put in each time.
"""

from __future__ import annotations

from functools import lru_cache
from html import escape

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext

register = template.Library()

# (URL name, label, id) in the order shown; the label is translated when the links are built.
_STAFF = (
    ("cases:dashboard", "Dashboard", ""),
    ("cases:list", "Cases", ""),
    ("cases:intake", "New case", ""),
    ("cases:search", "Search", ""),
    ("cases:takedowns_due", "Takedowns due", ""),
)
_SUPERVISOR = (
    ("cases:failed_deliveries", "Failed deliveries", ""),
    ("cases:replies", "Replies", "replies-link"),
    ("reports:index", "Reports", "reports-link"),
    ("cases:access_log", "Access log", "access-log-link"),
    ("cases:oncall_rota", "On call", "oncall-link"),
)
_ADMIN = (("cases:oncall_rota", "On call", ""),)


def _link(url_name: str, label: str, element_id: str) -> str:
    id_attr = f' id="{escape(element_id)}"' if element_id else ""
    return f'<a class="navlink" href="{escape(reverse(url_name))}"{id_attr}>{escape(gettext(label))}</a>'


@lru_cache(maxsize=64)
def _links(language: str | None, kind: str) -> tuple[str, str, str]:
    """(links before the inbox, the inbox link's opening, its label): built once per language and kind."""
    if kind == "admin":
        return "\n".join(_link(*entry) for entry in _ADMIN), "", ""
    entries = _STAFF + (_SUPERVISOR if kind == "supervisor" else ())
    inbox = f'<a class="navlink" href="{escape(reverse("notifications:inbox"))}" id="inbox-link">'
    return "\n".join(_link(*entry) for entry in entries), inbox, escape(gettext("Inbox"))


@register.simple_tag
def staff_nav(user: object, unread: object) -> SafeString:
    """The links a signed-in reader's role offers, with the inbox's unread count (staff only)."""
    if not getattr(user, "is_authenticated", False):
        # Safe to mark: empty.
        return mark_safe("")  # nosec B308, B703
    kind = "admin" if user.is_admin else "supervisor" if user.is_supervisor else "staff"  # type: ignore[attr-defined]
    links, inbox, inbox_label = _links(get_language(), kind)
    if not inbox:
        # Safe to mark: built from the escaped parts above.
        return mark_safe(links)  # noqa: S308 # nosec B308, B703
    # The count comes lazily (notifications' context processor): str() reads it through the proxy.
    count = int(str(unread)) if unread else 0
    badge = (
        f' <span class="badge urgent" id="inbox-unread">{count}</span>'
        f'<span class="visually-hidden"> {escape(gettext("unread"))}</span>'
        if count
        else ""
    )
    # Safe to mark: every label and address is escaped where it is put in; the count is an int.
    return mark_safe(f"{links}\n{inbox}{inbox_label}{badge}</a>")  # noqa: S308 # nosec B308, B703
