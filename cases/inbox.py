"""What the staff inbox says about each reminder of cases, rendered from the records themselves.

The outbox row holds a template key and ids only; here, for a signed-in reader, an item names what it is
about (a case by its reference, a request by its platform; never a victim's name), shows a follow-up's
own words, links to the right page, and offers "done" and "snooze" for a follow-up. Registered with
notifications.renderers when the app starts; what the reader may no longer see (access.py decides)
falls back to the neutral message.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from cases import access
from cases.models import FollowUp
from notifications.models import Notification
from notifications.renderers import InboxAction, InboxItem, register

# What each case reminder is about, in words that name the case by its reference and nothing of the victim.
CASE_TITLES: dict[str, Callable[[], str]] = {
    "case.victim_acted": lambda: _("Case %(reference)s: the victim changed or added something through the portal"),
    "portal.locked": lambda: _("Case %(reference)s: the portal sign-in is locked after wrong passphrases"),
    "case.closure_requested": lambda: _("Case %(reference)s: a closure request is waiting for a decision"),
    "case.closure_decided": lambda: _("Case %(reference)s: the closure request was decided"),
}
TAKEDOWN_TITLES: dict[str, Callable[[], str]] = {
    "takedown.deadline_passed": lambda: _("%(platform)s request on case %(reference)s: the response deadline passed"),
    "takedown.still_unanswered": lambda: _(
        "%(platform)s request on case %(reference)s: still unanswered after its deadline"
    ),
    "takedown.letter_failed": lambda: _("%(platform)s letter on case %(reference)s could not be e-mailed"),
}


def _ids(notifications: Sequence[Notification], param: str) -> dict[int, int]:
    """notification id -> the id it carries under `param` (ints only, as enqueue() checked)."""
    return {n.pk: n.params[param] for n in notifications if isinstance(n.params.get(param), int)}


def _when(moment: object) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")  # type: ignore[arg-type]


def render_followups(user: User, notifications: Sequence[Notification]) -> dict[int, InboxItem]:
    """A follow-up's time and own words, its case, and "done" / "snooze" while it is pending."""
    wanted = _ids(notifications, "followup_id")
    followups = {
        f.pk: f
        for f in FollowUp.objects.filter(pk__in=set(wanted.values()), case__in=access.cases_visible_to(user))
        .select_related("case")
        .only("pk", "case", "due_at", "note", "done_at", "version", "owner_id", "case__reference", "case__status")
    }
    items: dict[int, InboxItem] = {}
    for notification_id, followup_id in wanted.items():
        followup = followups.get(followup_id)
        if followup is None:
            continue
        case = followup.case
        title = _("Follow-up on case %(reference)s, due %(when)s") % {
            "reference": case.display_reference,
            "when": _when(followup.due_at),
        }
        actions: tuple[InboxAction, ...] = ()
        if followup.is_done:
            title = _("%(title)s (done)") % {"title": title}
        else:
            version = {"version": str(followup.version)}
            actions = (InboxAction(_("Done"), reverse("cases:followup_done", args=[case.pk, followup.pk]), version),)
            if case.is_open:
                actions += (
                    InboxAction(
                        _("Snooze"),
                        reverse("cases:followup_snooze", args=[case.pk, followup.pk]),
                        version,
                        asks_time=True,
                        time_label=_("Remind me again at"),
                    ),
                )
        link = reverse("cases:detail", args=[case.pk]) + f"#followup-{followup.pk}"
        items[notification_id] = InboxItem(title=title, text=followup.note, link=link, actions=actions)
    return items


def render_case_reminder(user: User, notifications: Sequence[Notification]) -> dict[int, InboxItem]:
    """A reminder about a case: its reference, and a link to its page (the closure request's card)."""
    wanted = _ids(notifications, "case_id")
    cases = {c.pk: c for c in access.cases_visible_to(user).filter(pk__in=set(wanted.values())).only("pk", "reference")}
    items: dict[int, InboxItem] = {}
    for notification in notifications:
        case = cases.get(wanted.get(notification.pk, 0))
        if case is None:
            continue
        anchor = "#closure" if notification.template_key == "case.closure_requested" else ""
        title = CASE_TITLES[notification.template_key]() % {"reference": case.display_reference}
        items[notification.pk] = InboxItem(title=title, link=reverse("cases:detail", args=[case.pk]) + anchor)
    return items


def render_takedown_reminder(user: User, notifications: Sequence[Notification]) -> dict[int, InboxItem]:
    """A reminder about a takedown request: its platform and case, and a link to the request."""
    wanted = _ids(notifications, "takedown_id")
    takedowns = {
        t.pk: t
        for t in access.takedowns_visible_to(user)
        .filter(pk__in=set(wanted.values()))
        .select_related("platform", "case")
        .only("pk", "platform", "case", "platform__name", "case__reference")
    }
    items: dict[int, InboxItem] = {}
    for notification in notifications:
        takedown = takedowns.get(wanted.get(notification.pk, 0))
        if takedown is None:
            continue
        title = TAKEDOWN_TITLES[notification.template_key]() % {
            "platform": takedown.platform.name,
            "reference": takedown.case.display_reference,
        }
        items[notification.pk] = InboxItem(title=title, link=reverse("cases:takedown", args=[takedown.pk]))
    return items


def register_renderers() -> None:
    """Called once from CasesConfig.ready()."""
    register("case.followup_due", render_followups)
    for key in CASE_TITLES:
        register(key, render_case_reminder)
    for key in TAKEDOWN_TITLES:
        register(key, render_takedown_reminder)


__all__ = ["register_renderers", "render_case_reminder", "render_followups", "render_takedown_reminder"]
