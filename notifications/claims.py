"""E-mail and SMS rows claimed and settled one at a time, in one statement per row on PostgreSQL.

A worker sends the rows of a batch one after another, each claimed right before its send, so that a
crash repeats no more than the one being sent (notifications.dispatcher). What stays true here is the
order of the writes, not their number: the statement that claims the next row also records how the
previous send ended (its row's new state and its attempt row, as data-modifying WITH queries), and
returns the claimed row with its recipient, so that no separate SELECT, BEGIN or COMMIT is needed. It
runs in autocommit and commits synchronously: a "sent" that was returned has reached the disk.

Elsewhere (SQLite, `make run`) the same writes go through the ORM, one transaction each.
"""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from notifications.crypto import UndecryptableAddressError
from notifications.models import Notification, NotificationAttempt, Outcome, State


@dataclass(frozen=True)
class Settlement:
    """How one send ended, written with the next claim: sent, or failed (`state` pending: tried again
    `retry_after` from now; failed: given up)."""

    notification_id: int
    token: uuid.UUID
    started_at: datetime
    state: State
    error: str = ""
    attempts: int = 0  # a failure's count of attempts so far (a success adds one in SQL, see below)
    retry_after: timedelta | None = None


@dataclass(frozen=True)
class Claimed:
    """A row this worker now holds, with its recipient loaded; `address_undecryptable` when no key of
    CASEFLOW_FIELD_KEYS opens its address (then `address` is None)."""

    notification: Notification
    address_undecryptable: bool = False


def settle_and_claim(
    settlement: Settlement | None, claim_id: int | None, token: uuid.UUID, claimed_at: datetime
) -> tuple[bool, Claimed | None]:
    """Records `settlement` (if any), then takes the queued row `claim_id` (if any) for `token`.

    Returns whether the settlement changed its row (False: a reclaim took it away during the send)
    and the claimed row, None if it was not ours to take.
    """
    if connection.vendor != "postgresql":
        marked = _settle_with_orm(settlement) if settlement else False
        return marked, _claim_with_orm(claim_id, token, claimed_at) if claim_id is not None else None
    params: list[Any] = []
    kind = None
    if settlement is not None:
        kind, settle_params = _settle_params(settlement, timezone.now())
        params += settle_params
    if claim_id is not None:
        params += [token, claimed_at, claim_id, State.SENDING]
    with connection.cursor() as cursor:
        cursor.execute(_statement(kind, claim_id is not None), params)
        row = cursor.fetchone()
    marked = bool(row[0])
    if claim_id is None or row[1] is None:
        return marked, None
    return marked, _claimed_from_row(row[1:])


def settle(settlement: Settlement) -> bool:
    """Records the last send of a batch, with no row to claim after it; whether it changed its row."""
    return settle_and_claim(settlement, None, settlement.token, settlement.started_at)[0]


# --- PostgreSQL: one statement ---------------------------------------------------------------------

_NOTIFICATION_FIELDS = Notification._meta.concrete_fields
_USER = Notification._meta.get_field("recipient").related_model
_USER_FIELDS = _USER._meta.concrete_fields

# How the UPDATE that records a send changes its row (SET … WHERE), by how the send ended.
_SETTLE = {
    # Ours while we hold the claim; also if a reclaim took it back but no other worker holds it yet
    # (then the message queued for it again finds nothing to claim). attempts + 1 in SQL: a reclaim in
    # between counted the lost attempt already.
    State.SENT: "state = %s, sent_at = %s, attempts = attempts + 1, claim_token = NULL, last_error = '', "
    "address = NULL WHERE id = %s AND state IN (%s, %s) AND (claim_token = %s OR claim_token IS NULL)",
    # Tried again after a backoff, or given up (the address is erased with it).
    State.PENDING: "state = %s, attempts = %s, last_error = %s, claim_token = NULL, claimed_at = NULL, "
    "due_at = %s WHERE id = %s AND claim_token = %s",
    State.FAILED: "state = %s, attempts = %s, last_error = %s, claim_token = NULL, claimed_at = NULL, "
    "address = NULL WHERE id = %s AND claim_token = %s",
}


def _settle_params(settlement: Settlement, finished_at: datetime) -> tuple[State, list[Any]]:
    """Which _SETTLE update records the settlement, and the parameters of it and its attempt row."""
    pk, token, state = settlement.notification_id, settlement.token, settlement.state
    if state == State.SENT:
        update = [state, finished_at, pk, State.PENDING, State.SENDING, token]
    elif state == State.PENDING:
        due_at = finished_at + (settlement.retry_after or timedelta())
        update = [state, settlement.attempts, settlement.error, due_at, pk, token]
    else:
        update = [state, settlement.attempts, settlement.error, pk, token]
    outcome = Outcome.SENT if state == State.SENT else Outcome.FAILED
    return state, [*update, pk, outcome, settlement.error, settlement.started_at, finished_at]


@functools.cache
def _statement(settle: State | None, claim: bool) -> str:
    """The statement that records a send (`settle`: its new state) and claims a row, either or both.

    It returns one row: how many rows the settlement changed, then the claimed row's columns and its
    recipient's (NULLs when the claim took nothing).
    """
    quote = connection.ops.quote_name
    notifications = quote(Notification._meta.db_table)
    parts = []
    if settle is not None:
        # Table and column names come from the models' _meta or are fixed here; values are parameters.
        parts.append(f"settled AS (UPDATE {notifications} SET {_SETTLE[settle]} RETURNING id)")  # noqa: S608 # nosec B608
        parts.append(
            f"attempt AS (INSERT INTO {quote(NotificationAttempt._meta.db_table)} "  # noqa: S608 # nosec B608
            "(notification_id, outcome, error, started_at, finished_at) VALUES (%s, %s, %s, %s, %s))"
        )
    marked = "(SELECT count(*) FROM settled)" if settle is not None else "0"
    if not claim:
        select = f"SELECT {marked}"
    else:
        columns = ", ".join(quote(str(field.column)) for field in _NOTIFICATION_FIELDS)
        # Only a row that the dispatcher queued and no worker holds yet: of two messages for one row,
        # exactly one takes it.
        parts.append(
            f"claimed AS (UPDATE {notifications} SET claim_token = %s, claimed_at = %s "  # noqa: S608 # nosec B608
            f"WHERE id = %s AND state = %s AND claim_token IS NULL RETURNING {columns})"
        )
        claimed_columns = ", ".join(f"c.{quote(str(field.column))}" for field in _NOTIFICATION_FIELDS)
        user_columns = ", ".join(f"u.{quote(str(field.column))}" for field in _USER_FIELDS)
        recipient = quote(str(Notification._meta.get_field("recipient").column))
        users = quote(_USER._meta.db_table)
        # One row always, so that the settlement's count comes back even when the claim took nothing.
        select = (
            f"SELECT {marked}, {claimed_columns}, {user_columns} "  # noqa: S608 # nosec B608
            f"FROM (VALUES (1)) AS one (x) LEFT JOIN claimed AS c ON true "
            f"LEFT JOIN {users} AS u ON u.id = c.{recipient}"
        )
    return ("WITH " + ", ".join(parts) + " " + select) if parts else select


def _claimed_from_row(row: tuple[Any, ...]) -> Claimed:
    """The claimed row and its recipient as the ORM would build them, through the fields' converters
    (the address is decrypted, params parsed from JSON)."""
    split = len(_NOTIFICATION_FIELDS)
    notification_row, user_row = row[:split], row[split:]
    try:
        notification = _instance(Notification, notification_row)
        undecryptable = False
    except UndecryptableAddressError:
        # The key that encrypted the address was dropped from CASEFLOW_FIELD_KEYS.
        address = [field.attname for field in _NOTIFICATION_FIELDS].index("address")
        blanked = (*notification_row[:address], None, *notification_row[address + 1 :])
        notification = _instance(Notification, blanked)
        undecryptable = True
    notification.recipient = _instance(_USER, user_row) if notification.recipient_id is not None else None
    return Claimed(notification, undecryptable)


def _instance(model: Any, values: tuple[Any, ...]) -> Any:
    """An instance of `model` from its concrete columns in order, converted as a queryset would."""
    attnames, converters = _converters(model)
    converted = list(values)
    for position, (functions, expression) in converters.items():
        for convert in functions:
            converted[position] = convert(converted[position], expression, connection)
    return model.from_db(connection.alias, attnames, converted)


@functools.cache
def _converters(model: Any) -> tuple[list[str], dict[int, tuple[list[Any], Any]]]:
    """The model's field names and the converters a queryset applies to its columns (the fields'
    from_db_value; PostgreSQL adds none of its own), looked up once."""
    fields = model._meta.concrete_fields
    expressions = [field.get_col(model._meta.db_table) for field in fields]
    compiler = model._default_manager.none().query.get_compiler(connection=connection)
    return [field.attname for field in fields], compiler.get_converters(expressions)


# --- Elsewhere: the ORM ------------------------------------------------------------------------------


def _settle_with_orm(settlement: Settlement) -> bool:
    pk = settlement.notification_id
    with transaction.atomic():
        finished_at = timezone.now()
        if settlement.state == State.SENT:
            still_ours = Q(claim_token=settlement.token) | Q(
                claim_token__isnull=True, state__in=[State.PENDING, State.SENDING]
            )
            marked = (
                Notification.objects.filter(still_ours, pk=pk)
                .filter(state__in=[State.PENDING, State.SENDING])
                .update(
                    state=State.SENT,
                    sent_at=finished_at,
                    attempts=F("attempts") + 1,
                    claim_token=None,
                    last_error="",
                    address=None,
                )
            )
        else:
            changes: dict[str, object] = {
                "state": settlement.state,
                "attempts": settlement.attempts,
                "last_error": settlement.error,
                "claim_token": None,
                "claimed_at": None,
            }
            if settlement.state == State.FAILED:
                changes["address"] = None
            else:
                changes["due_at"] = finished_at + (settlement.retry_after or timedelta())
            marked = Notification.objects.filter(pk=pk, claim_token=settlement.token).update(**changes)
        NotificationAttempt.objects.create(
            notification_id=pk,
            outcome=Outcome.SENT if settlement.state == State.SENT else Outcome.FAILED,
            error=settlement.error,
            started_at=settlement.started_at,
            finished_at=finished_at,
        )
    return bool(marked)


def _claim_with_orm(notification_id: int, token: uuid.UUID, claimed_at: datetime) -> Claimed | None:
    taken = Notification.objects.filter(pk=notification_id, state=State.SENDING, claim_token__isnull=True).update(
        claim_token=token, claimed_at=claimed_at
    )
    if not taken:
        return None
    try:
        return Claimed(Notification.objects.select_related("recipient").get(pk=notification_id))
    except UndecryptableAddressError:
        return Claimed(Notification.objects.defer("address").get(pk=notification_id), address_undecryptable=True)
