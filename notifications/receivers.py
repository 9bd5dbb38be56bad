"""Tells people about account changes: accounts sends a signal, the messages are queued here.

accounts imports neither notifications nor anything that sends; this module is connected in
NotificationsConfig.ready().
"""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver
from django.utils import timezone

from accounts.models import AccountEvent, AccountEventKind, Role, User
from accounts.signals import account_event_recorded
from notifications import outbox
from notifications.models import Channel

# Two-step sign-in changes the account's owner makes herself. Her supervisors hear only of those that
# may mean a lost phone or a taken account (an app removed, a recovery code used), not routine ones.
ROUTINE_FOR_SUPERVISORS = {AccountEventKind.MFA_ADDED, AccountEventKind.RECOVERY_RENEWED}
# What the centre's supervisors read, by kind of change. Security notices: they go by e-mail too,
# whatever a person chose for reminders.
FOR_SUPERVISORS = {kind: f"account.{kind}" for kind in AccountEventKind.values if kind not in ROUTINE_FOR_SUPERVISORS}
# What the account itself reads, for every kind but these: a new account is told by its password link,
# a deactivated one can no longer read anything.
NOT_TOLD_TO_THE_ACCOUNT = {AccountEventKind.CREATED, AccountEventKind.DEACTIVATED}
FOR_THE_ACCOUNT = "account.yours_changed"
# Her own two-step changes are told in words of their own: an administrator did not make them, and
# "if it was not you" is the point of the message (someone else holding her password and a phone).
FOR_THE_ACCOUNT_BY_KIND: dict[str, str] = {
    AccountEventKind.MFA_ADDED: "account.yours_mfa_added",
    AccountEventKind.MFA_REMOVED: "account.yours_mfa_removed",
    AccountEventKind.RECOVERY_USED: "account.yours_recovery_used",
    AccountEventKind.RECOVERY_RENEWED: "account.yours_recovery_renewed",
    AccountEventKind.MFA_RESET: "account.yours_mfa_reset",
}


@receiver(account_event_recorded)
def announce_account_event(sender: object, event: AccountEvent, **kwargs: Any) -> None:
    """Queues an inbox message and an e-mail to the centre's active supervisors and to the account itself.

    In the transaction that recorded the change: the messages commit with the row or not at all.
    """
    now = timezone.now()
    params = {"account_event_id": event.pk}
    supervisors = User.objects.filter(centre_id=event.centre_id, role=Role.SUPERVISOR, is_active=True)
    if event.kind in FOR_SUPERVISORS:
        for supervisor in supervisors.exclude(pk=event.subject_id):
            _to_user(supervisor, FOR_SUPERVISORS[event.kind], event, params, now)
    if event.kind not in NOT_TOLD_TO_THE_ACCOUNT:
        _to_user(event.subject, FOR_THE_ACCOUNT_BY_KIND.get(event.kind, FOR_THE_ACCOUNT), event, params, now)
    if event.kind == AccountEventKind.EMAIL_CHANGED and event.old:
        # The old address too: if someone changed it to take the account over, its owner still hears.
        outbox.enqueue(
            address=event.old,
            channel=Channel.EMAIL,
            template_key=FOR_THE_ACCOUNT,
            params=params,
            language=event.subject.preferred_language,
            due_at=now,
            dedupe_key=f"account_event:{event.pk}:old_address",
            group_key=f"account:{event.subject_id}",
        )


def _to_user(user: User, template_key: str, event: AccountEvent, params: dict[str, int], now: Any) -> None:
    for channel in (Channel.INBOX, Channel.EMAIL):
        outbox.enqueue(
            recipient=user,
            channel=channel,
            template_key=template_key,
            params=params,
            language=user.preferred_language,
            due_at=now,
            dedupe_key=f"account_event:{event.pk}:user:{user.pk}:{channel}",
            group_key=f"account:{event.subject_id}",
        )
