"""The dispatcher, which hands due notifications to workers, and the delivery of one notification.

A row goes pending -> sending (queued: no claim token) -> sending (a worker holds it: claim token set)
-> sent, or back to pending with a later due time after a failure, or failed after the last attempt.

Nothing is sent twice:
- the dispatcher claims due rows with SELECT ... FOR UPDATE SKIP LOCKED (a plain select and a
  conditional update on SQLite, which serialises writers), so two dispatchers never take one row, and
  moves them to `sending` before their ids are published, after commit;
- a worker takes a row only by a conditional UPDATE (state `sending`, no claim token yet): of two
  messages for one row (a broker redelivery, a row handed out again after a reclaim) exactly one
  changes the row and sends; the other changes nothing and stops;
- a worker marks the row sent only while it still holds its claim;
- ids travel in batches of one channel (one broker message and one task per batch): the inbox rows of
  a batch are taken (locked, still queued) and marked sent in one transaction, so a second message for
  them finds nothing; the e-mail and SMS rows of a batch are claimed, sent and recorded one at a time,
  each claim committed before its send and each record right after it. On PostgreSQL the record of one
  send and the claim of the next row are one statement (notifications.claims), which commits both
  (synchronously) before the next send begins: a worker killed in the middle of a batch leaves the rows
  before the one it was sending sent and recorded, that one claimed, and the rest still queued.

Nothing is lost:
- the rows are the truth, the broker carries ids only. A publish that fails puts the rows back to
  pending for the next run; a message lost by the broker, or a worker killed after it claimed a row,
  leaves the row in `sending`: once that has lasted longer than the visibility timeout, the dispatcher
  takes it back (a claimed row counts as an attempt, recorded as `lost`) and hands it out again.

The window that remains, at least once rather than exactly once: a worker that dies after the channel
accepted the message but before its "sent" commits, or that stalls for longer than the visibility
timeout in the middle of a send, leaves a row that is handed out and sent again. No database can close
that window for an external channel, because the send and the commit are not one transaction. The SMS
channel sends an Idempotency-Key so that a gateway can close it; the inbox has no window at all, since
for an inbox row committing "sent" is the delivery itself. A crash of PostgreSQL itself in the middle
of a send belongs to the same window (the worker cannot record the send, the row is sent again).
"""

from __future__ import annotations

import functools
import logging
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from caseflow.celery import app as celery_app
from notifications import channels, claims, conf, messages
from notifications.channels import DeliveryError
from notifications.models import Channel, Notification, NotificationAttempt, Outcome, State

logger = logging.getLogger(__name__)

WORKER_LOST = "worker_lost"

# Publishes ids in order and returns how many went out before the broker failed (all of them normally).
Publisher = Callable[[Sequence[int]], int]


@dataclass
class DispatchReport:
    """What one dispatcher run did; `handed_out` grows as each batch's transaction commits."""

    claimed: int = 0
    handed_out: list[int] = field(default_factory=list)
    # Claimed, but the broker could not take them: back to pending for the next run.
    returned: int = 0
    # Taken back from `sending` after the visibility timeout (a lost worker or a lost message).
    reclaimed: int = 0
    broker_down: bool = False


# --- Handing ids to workers ----------------------------------------------------------------------

_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5, "interval_max": 0.5}
# Published by name: notifications.tasks imports this module, so importing the task here would close a
# circle. tasks.py registers `deliver_batch` (and `deliver`, for messages queued before batches) under
# exactly these names.
DELIVER_TASK = "notifications.tasks.deliver"
DELIVER_BATCH_TASK = "notifications.tasks.deliver_batch"


def publish_to_broker(ids: Sequence[int]) -> int:
    """Queues `deliver_batch` for the ids, in messages of up to `delivery_batch_size` ids; returns how
    many ids went out before the broker failed (whole messages only)."""
    app = celery_app
    published = 0
    size = conf.delivery_batch_size()
    try:
        with app.connection_for_write() as broker:
            # Fail within seconds when the broker is down, instead of kombu's long reconnection loop:
            # the rows wait safely in the database for the next run.
            broker.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=conf.broker_timeout())
            producer = app.amqp.Producer(broker, auto_declare=False)
            # A message older than the visibility timeout is dropped unread: by then its rows have been
            # taken back and handed out again, so old messages do not pile up while workers are down.
            expires = conf.visibility_timeout().total_seconds()
            for start in range(0, len(ids), size):
                chunk = list(ids[start : start + size])
                app.send_task(
                    DELIVER_BATCH_TASK,
                    args=(chunk,),
                    producer=producer,
                    retry_policy=_PUBLISH_RETRY_POLICY,
                    expires=expires,
                )
                published += len(chunk)
    except Exception as exc:
        # Any failure to publish: the unpublished rows go back to pending, so nothing is lost.
        logger.warning(
            "notifications: broker unavailable, rows left for the next run",
            extra={"published": published, "unpublished": len(ids) - published, "error": type(exc).__name__},
        )
    return published


def _hand_out(groups: list[list[int]], claimed_at: datetime, publish: Publisher, report: DispatchReport) -> None:
    """After commit: publishes the claimed ids, one channel at a time (a worker's batch is of one
    channel); puts back to pending those the broker did not take."""
    rest: list[int] = []
    for ids in groups:
        published = 0 if report.broker_down else publish(ids)
        report.handed_out.extend(ids[:published])
        if published < len(ids):
            report.broker_down = True
            rest.extend(ids[published:])
    if rest:
        # Conditional: a row that a worker already claimed (its message did go out) is left alone.
        report.returned += Notification.objects.filter(
            pk__in=rest, state=State.SENDING, claim_token__isnull=True, claimed_at=claimed_at
        ).update(state=State.PENDING, claimed_at=None)


# --- Claiming due rows ---------------------------------------------------------------------------


def _locked(rows: QuerySet[Notification]) -> QuerySet[Notification]:
    """Rows locked for this transaction, skipping those another dispatcher holds (PostgreSQL).

    SQLite has no row locks, but its writers are serialised (transactions begin IMMEDIATE), and the
    updates that follow are conditional, so a plain select is enough there.
    """
    if connection.features.has_select_for_update_skip_locked:
        return rows.select_for_update(skip_locked=True)
    return rows


def _reclaim_stale(now: datetime, limit: int) -> int:
    """Takes back rows left in `sending` for longer than the visibility timeout; returns how many."""
    cutoff = now - conf.visibility_timeout()
    stale = Notification.objects.filter(state=State.SENDING, claimed_at__lt=cutoff)
    with transaction.atomic():
        rows = list(
            _locked(stale).order_by("claimed_at").values_list("pk", "claim_token", "attempts", "claimed_at")[:limit]
        )
        if not rows:
            return 0
        max_attempts = conf.max_attempts()
        queued = [pk for pk, token, _, _ in rows if token is None]
        lost = [(pk, attempts, claimed_at) for pk, token, attempts, claimed_at in rows if token is not None]
        retry = [pk for pk, attempts, _ in lost if attempts + 1 < max_attempts]
        give_up = [pk for pk, attempts, _ in lost if attempts + 1 >= max_attempts]
        # Queued but never claimed (the message was lost, or never published): not an attempt.
        stale.filter(pk__in=queued, claim_token__isnull=True).update(state=State.PENDING, claimed_at=None)
        # Claimed by a worker that vanished before it finished: an attempt, tried again at once.
        lost_fields = {
            "claim_token": None,
            "claimed_at": None,
            "attempts": F("attempts") + 1,
            "last_error": WORKER_LOST,
        }
        stale.filter(pk__in=retry).update(state=State.PENDING, **lost_fields)
        stale.filter(pk__in=give_up).update(state=State.FAILED, address=None, **lost_fields)
        finished_at = timezone.now()
        NotificationAttempt.objects.bulk_create(
            NotificationAttempt(
                notification_id=pk,
                outcome=Outcome.LOST,
                error=WORKER_LOST,
                started_at=claimed_at or finished_at,
                finished_at=finished_at,
            )
            for pk, _, claimed_at in lost
        )
    logger.warning("notifications: taken back from sending", extra={"queued": len(queued), "lost": len(lost)})
    return len(rows)


def _claim_batch(now: datetime, limit: int, publish: Publisher, report: DispatchReport) -> int:
    """Claims up to `limit` due rows and hands them out after commit; returns how many were due."""
    due = Notification.objects.filter(state=State.PENDING, due_at__lte=now)
    with transaction.atomic():
        rows = list(_locked(due).order_by("due_at").values_list("pk", "channel")[:limit])
        selected = len(rows)
        if not rows:
            return 0
        ids = [pk for pk, _channel in rows]
        claimed_at = timezone.now()
        updated = due.filter(pk__in=ids).update(state=State.SENDING, claimed_at=claimed_at, claim_token=None)
        if updated != len(ids):
            # Only without row locks: another writer changed some of them between the select and the update.
            ids = list(
                Notification.objects.filter(
                    pk__in=ids, state=State.SENDING, claimed_at=claimed_at, claim_token__isnull=True
                ).values_list("pk", flat=True)
            )
        report.claimed += len(ids)
        kept = set(ids)
        groups: dict[str, list[int]] = {}
        for pk, channel in rows:
            if pk in kept:
                groups.setdefault(channel, []).append(pk)
        transaction.on_commit(functools.partial(_hand_out, list(groups.values()), claimed_at, publish, report))
        return selected


def dispatch_due(
    *,
    now: datetime | None = None,
    batch_size: int | None = None,
    time_budget: float | None = None,
    publish: Publisher | None = None,
) -> DispatchReport:
    """Takes back stale rows, then claims every due row in batches and hands their ids to workers.

    Safe to run in several processes at once. Stops early when the broker is down: what it claimed
    goes back to pending, and the next run (a minute later) tries again.
    """
    now = now or timezone.now()
    batch_size = batch_size or conf.dispatch_batch_size()
    deadline = time.monotonic() + (time_budget if time_budget is not None else conf.dispatch_time_budget())
    publish = publish or publish_to_broker
    report = DispatchReport()
    while time.monotonic() < deadline:
        reclaimed = _reclaim_stale(now, batch_size)
        report.reclaimed += reclaimed
        if reclaimed < batch_size:
            break
    while not report.broker_down and time.monotonic() < deadline:
        if _claim_batch(now, batch_size, publish, report) < batch_size:
            break
    return report


# --- Delivering notifications -------------------------------------------------------------------


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt: 2, 4, 8 … minutes, up to the configured cap."""
    return min(timedelta(minutes=2 ** min(attempts, 20)), conf.backoff_cap())


def deliver(notification_id: int) -> State | None:
    """Claims one queued notification, sends it and records the attempt; None if it was not ours to send.

    Returns the row's new state: sent, pending (to be retried after a backoff) or failed.
    """
    return _deliver_in_turn([notification_id])[notification_id]


def deliver_batch(notification_ids: Sequence[int]) -> dict[int, State | None]:
    """Delivers the queued rows among these ids; returns each id's new state (None: not ours to send).

    Inbox rows are claimed and marked sent in one transaction, with one attempt row each: for an inbox
    row the commit is the delivery, so a crash leaves all of them queued or all of them delivered. Rows
    of e-mail and SMS are claimed, sent and recorded one at a time, so that a worker killed in the
    middle of a batch repeats no more than the one message it was sending, as without batches.
    """
    ids = sorted({int(pk) for pk in notification_ids})
    states: dict[int, State | None] = dict.fromkeys(ids)
    inbox = set(Notification.objects.filter(pk__in=ids, channel=Channel.INBOX).values_list("pk", flat=True))
    if inbox:
        states.update(_deliver_inbox(sorted(inbox)))
    states.update(_deliver_in_turn([pk for pk in ids if pk not in inbox]))
    return states


def _deliver_in_turn(ids: list[int]) -> dict[int, State | None]:
    """Claims, sends and records the queued rows among `ids`, one after another.

    Each row is claimed (committed) right before its send; how the send ended is written by the
    statement that claims the next row, or by a last one (notifications.claims), never after
    anything else has begun: the window between a send and its record stays as short as it was.
    """
    states: dict[int, State | None] = dict.fromkeys(ids)
    settlement: claims.Settlement | None = None
    for pk in ids:
        token, started_at = uuid.uuid4(), timezone.now()
        marked, claimed = claims.settle_and_claim(settlement, pk, token, started_at)
        if settlement is not None:
            _log_settlement(settlement, marked)
        settlement = None
        if claimed is None:
            # Another worker claimed it first, or it was sent, cancelled or put back to pending since:
            # this is a duplicate message for the row, and sending it would send twice.
            continue
        settlement = _send(claimed, token, started_at)
        states[pk] = settlement.state
    if settlement is not None:
        _log_settlement(settlement, claims.settle(settlement))
    return states


def _send(claimed: claims.Claimed, token: uuid.UUID, started_at: datetime) -> claims.Settlement:
    """Renders and sends one claimed row; how it ended, to be recorded with the next claim."""
    notification = claimed.notification

    def failure(code: str, *, permanent: bool) -> claims.Settlement:
        attempts = notification.attempts + 1
        final = permanent or attempts >= conf.max_attempts()
        return claims.Settlement(
            notification_id=notification.pk,
            token=token,
            started_at=started_at,
            state=State.FAILED if final else State.PENDING,
            error=code,
            attempts=attempts,
            retry_after=None if final else backoff(attempts),
        )

    if claimed.address_undecryptable:
        # The key that encrypted the address was dropped from CASEFLOW_FIELD_KEYS: no retry can help.
        return failure("address_undecryptable", permanent=True)
    try:
        message = messages.render(notification)
    except KeyError:
        return failure("unknown_template", permanent=True)
    try:
        channels.send(notification, message)
    except DeliveryError as exc:
        return failure(exc.code, permanent=exc.permanent)
    except Exception as exc:
        # An unexpected failure of a channel is retried like any other. Only its class is kept: the
        # text of a mail or HTTP library's exception can hold an address.
        return failure(f"error_{type(exc).__name__}", permanent=False)
    return claims.Settlement(notification_id=notification.pk, token=token, started_at=started_at, state=State.SENT)


def _log_settlement(settlement: claims.Settlement, marked: bool) -> None:
    if settlement.state != State.SENT:
        logger.warning(
            "notifications: delivery failed",
            extra={
                "notification_id": settlement.notification_id,
                "error": settlement.error,
                "attempts": settlement.attempts,
                "final": settlement.state == State.FAILED,
            },
        )
    elif not marked:
        # The at-least-once window of the module docstring: this send outlived the visibility timeout.
        logger.warning(
            "notifications: sent after losing the claim", extra={"notification_id": settlement.notification_id}
        )


def _deliver_inbox(ids: list[int]) -> dict[int, State]:
    """Claims the queued inbox rows among `ids` and marks them sent, in one transaction."""
    with transaction.atomic():
        queued = Notification.objects.filter(
            pk__in=ids, channel=Channel.INBOX, state=State.SENDING, claim_token__isnull=True
        )
        rows = list(_locked(queued).values_list("pk", "template_key", "language"))
        started_at = timezone.now()
        known, unknown = [], []
        for pk, template_key, language in rows:
            try:
                messages.render_template(template_key, language)
            except KeyError:
                unknown.append(pk)
            else:
                known.append(pk)
        done = {"attempts": F("attempts") + 1, "claim_token": None, "address": None}
        Notification.objects.filter(pk__in=known).update(state=State.SENT, sent_at=started_at, last_error="", **done)
        Notification.objects.filter(pk__in=unknown).update(
            state=State.FAILED, claimed_at=None, last_error="unknown_template", **done
        )
        finished_at = timezone.now()
        NotificationAttempt.objects.bulk_create(
            [
                NotificationAttempt(
                    notification_id=pk, outcome=Outcome.SENT, started_at=started_at, finished_at=finished_at
                )
                for pk in known
            ]
            + [
                NotificationAttempt(
                    notification_id=pk,
                    outcome=Outcome.FAILED,
                    error="unknown_template",
                    started_at=started_at,
                    finished_at=finished_at,
                )
                for pk in unknown
            ]
        )
    if unknown:
        logger.warning("notifications: delivery failed", extra={"error": "unknown_template", "count": len(unknown)})
    return {pk: State.SENT for pk in known} | {pk: State.FAILED for pk in unknown}
