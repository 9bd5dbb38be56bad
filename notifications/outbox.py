"""What other apps call: put messages in the outbox, cancel or move them, and read the in-app inbox.

cases decides what is due and to whom, and calls enqueue() inside the transaction of the change that
causes the message, so the row commits with that change or not at all. Nothing here touches the
broker: while Redis is down, requests still succeed and the outbox simply grows; the dispatcher
(notifications.dispatcher, run by beat every minute) delivers the rows when it can.

Dedupe keys make enqueue() idempotent: a second enqueue() with a key that exists does nothing, whatever
the state of the first row (even cancelled). Conventions:

- one reminder per thing and moment: "takedown.deadline_passed:takedown:45:2026-11-27T09:00" (put the
  deadline in the key if a changed deadline must re-arm a reminder that was already sent or cancelled);
- one message per recipient per hour for updates: schedule.hourly_dedupe_key(), see notifications.schedule.

Group keys name what a row is about ("case:123", "takedown:45"), so that cancel() and reschedule()
reach every pending row of it. Rows that must be cancelled apart from the others get a group of their
own: messages to a victim, stopped when they withdraw consent to contact, are "victim:case:123".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from django.db import IntegrityError, connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import User
from notifications import conf, messages
from notifications.models import Channel, Language, Notification, State

# Rows that no worker holds yet: waiting for their time, or queued by the dispatcher but not claimed.
# A worker's claim requires `sending` with no claim token, so changing these rows is always safe.
_NOT_TAKEN = Q(state=State.PENDING) | Q(state=State.SENDING, claim_token__isnull=True)


def _check_params(params: Mapping[str, object]) -> dict[str, int]:
    """Params are ids only: {"case_id": 12}. Anything else could carry a case detail into the outbox."""
    checked: dict[str, int] = {}
    for key, value in params.items():
        if not (key == "id" or key.endswith("_id")) or type(value) is not int:
            raise ValueError(f"notification params carry ids only ('…_id': int); {key!r} is not one.")
        checked[key] = value
    return checked


def enqueue(
    *,
    recipient: User | None = None,
    address: str | None = None,
    channel: str,
    template_key: str,
    params: Mapping[str, object],
    language: str,
    due_at: datetime,
    dedupe_key: str,
    group_key: str = "",
) -> Notification | None:
    """Writes a notification into the outbox in the caller's transaction; None if its dedupe key exists.

    Staff are `recipient` (inbox, or e-mail to their account's address); a victim is an `address`
    (e-mail or phone number for SMS), which is stored encrypted.
    """
    if transaction.get_autocommit():
        raise RuntimeError("enqueue() must run inside the transaction of the change that causes the message.")
    if (recipient is None) == (not address):
        raise ValueError("A notification goes to a user (recipient) or to an address, exactly one of them.")
    if channel not in Channel.values:
        raise ValueError(f"Unknown channel {channel!r}.")
    if channel == Channel.INBOX and recipient is None:
        raise ValueError("Only staff users have an inbox.")
    if channel == Channel.SMS and recipient is not None:
        raise ValueError("Staff are not sent SMS; use an address for a victim's phone number.")
    if not messages.is_known(template_key):
        raise ValueError(f"Unknown message template {template_key!r}.")
    if language not in Language.values:
        raise ValueError(f"Unknown language {language!r}.")
    if timezone.is_naive(due_at):
        raise ValueError("due_at must be an aware datetime.")
    if not dedupe_key or len(dedupe_key) > 200 or len(group_key) > 100:
        raise ValueError("A dedupe key of 1 to 200 characters (and a group key of at most 100) is required.")
    checked = _check_params(params)
    try:
        # A savepoint: a duplicate key must not break the caller's transaction. On PostgreSQL a
        # concurrent insert of the same key waits for the other transaction, then conflicts or succeeds.
        with transaction.atomic():
            return Notification.objects.create(
                recipient=recipient,
                address=address or None,
                channel=channel,
                template_key=template_key,
                params=checked,
                language=language,
                due_at=due_at,
                dedupe_key=dedupe_key,
                group_key=group_key,
            )
    except IntegrityError:
        if Notification.objects.filter(dedupe_key=dedupe_key).exists():
            return None
        raise


def cancel(group_key: str, *, template_key: str = "") -> int:
    """Cancels every notification of a group (of one template, if given) that no worker has taken yet;
    returns how many."""
    if not group_key:
        raise ValueError("cancel() needs a group key.")
    rows = Notification.objects.filter(_NOT_TAKEN, group_key=group_key).filter(state__in=[State.PENDING, State.SENDING])
    if template_key:
        rows = rows.filter(template_key=template_key)
    return rows.update(state=State.CANCELLED, claimed_at=None, address=None)


def cancel_keys(dedupe_keys: Iterable[str]) -> int:
    """Cancels the notifications of these dedupe keys that no worker has taken yet; returns how many.

    For one reminder among the others of its group (a follow-up marked done or snoozed)."""
    keys = [key for key in dedupe_keys if key]
    if not keys:
        return 0
    rows = Notification.objects.filter(_NOT_TAKEN, dedupe_key__in=keys).filter(state__in=[State.PENDING, State.SENDING])
    return rows.update(state=State.CANCELLED, claimed_at=None, address=None)


def forget(*, group_keys: Iterable[str], param: str, value: int) -> int:
    """Deletes every message of these groups, or whose params name `param` = `value`, whatever its state:
    what is erased about a person (her case purged) leaves nothing in the outbox, not even a settled row
    with her address cleared. Returns how many rows went (their attempts with them)."""
    keys = [key for key in group_keys if key]
    rows = Notification.objects.filter(Q(group_key__in=keys) | Q(**{f"params__{param}": value}))
    return rows.delete()[1].get(Notification._meta.label, 0)


def readdress(group_key: str, *, address: str, channel: str) -> int:
    """Points the not yet sent messages of a group at a new address and channel.

    A victim who changes her address (because someone else reads the old one) must not get a
    pending message at the old one; cancelling and enqueueing again would hit the dedupe key.
    """
    if not group_key or not address or channel not in (Channel.EMAIL, Channel.SMS):
        raise ValueError("readdress() needs a group key, an address and the e-mail or SMS channel.")
    rows = Notification.objects.filter(_NOT_TAKEN, group_key=group_key, recipient__isnull=True)
    # A queued row goes back to pending: the message already in the broker then finds nothing to claim.
    return rows.filter(state__in=[State.PENDING, State.SENDING]).update(
        address=address, channel=channel, state=State.PENDING, claimed_at=None
    )


def reschedule(*, due_at: datetime, group_key: str = "", dedupe_key: str = "") -> int:
    """Moves the not yet sent notifications of a group, or the one of a dedupe key, to a new due time.

    For when a deadline or a quiet hour changes: the row keeps its key and is never lost. Rows of a
    group that must keep different times (a reminder and its escalation a day later) are moved one
    by one by dedupe key.
    """
    if bool(group_key) == bool(dedupe_key):
        raise ValueError("reschedule() takes a group_key or a dedupe_key, exactly one of them.")
    if timezone.is_naive(due_at):
        raise ValueError("due_at must be an aware datetime.")
    rows = Notification.objects.filter(_NOT_TAKEN).filter(state__in=[State.PENDING, State.SENDING])
    rows = rows.filter(group_key=group_key) if group_key else rows.filter(dedupe_key=dedupe_key)
    # A queued row goes back to pending: the message already in the broker then finds nothing to claim.
    return rows.update(state=State.PENDING, due_at=due_at, claimed_at=None)


def inbox(user: User) -> QuerySet[Notification]:
    """The user's inbox, newest first: in-app notifications that have been delivered."""
    return (
        Notification.objects.filter(recipient=user, channel=Channel.INBOX, state=State.SENT)
        .defer("address")
        .order_by("-sent_at", "-pk")
    )


# The header's badge on every staff page, as the ORM would write it, written once: building the ORM
# query cost four times the query itself (bench.case_list's profile). Names come from the model.
_UNREAD_SQL = (
    f'SELECT count(*) FROM "{Notification._meta.db_table}" '  # noqa: S608
    "WHERE recipient_id = %s AND channel = %s AND state = %s AND read_at IS NULL"
)


def unread_count(user: User) -> int:
    """How many delivered inbox notifications the user has not read (the page header's badge)."""
    with connection.cursor() as cursor:
        cursor.execute(_UNREAD_SQL, [user.pk, Channel.INBOX.value, State.SENT.value])
        (count,) = cursor.fetchone()
    return int(count)


def mark_read(user: User, ids: Iterable[int] | None = None) -> int:
    """Marks the user's unread inbox notifications (these ids, or all) as read; returns how many.

    Always filtered by recipient: another user's ids are silently ignored, never marked.
    """
    rows = Notification.objects.filter(recipient=user, channel=Channel.INBOX, state=State.SENT, read_at__isnull=True)
    if ids is not None:
        rows = rows.filter(pk__in=list(ids))
    return rows.update(read_at=timezone.now())


def failed(*, recipients: QuerySet[User] | None = None, group_keys: Iterable[str] = ()) -> QuerySet[Notification]:
    """Notifications given up after their last attempt, of these staff users or these groups, newest first.

    Always scoped by the caller (a supervisor's centre: its users, its cases' group keys), never all rows.
    """
    scope = Q(pk__in=[])
    if recipients is not None:
        scope |= Q(recipient__in=recipients)
    keys = [key for key in group_keys if key]
    if keys:
        scope |= Q(group_key__in=keys)
    return Notification.objects.filter(scope, state=State.FAILED).defer("address").order_by("-due_at", "-pk")


def purge_settled(*, now: datetime | None = None) -> int:
    """Deletes settled notifications older than the retention period, with their attempts; returns how
    many. Pending and in-flight rows are never touched: a reminder due in a year stays."""
    cutoff = (now or timezone.now()) - conf.retention()
    rows = Notification.objects.filter(
        state__in=[State.SENT, State.FAILED, State.CANCELLED], due_at__lt=cutoff, created_at__lt=cutoff
    )
    deleted, _by_model = rows.delete()
    return deleted
