"""Cases: open, change details, move along the status machine, assign, and add notes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import time
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from caseflow.db import insert_values, placeholders
from caseflow.korean import with_particles
from cases import access, reminders, retention
from cases.actions import duties
from cases.actions.common import lock_case, record_event
from cases.actions.errors import ActionError, NotAllowedError, TransitionError
from cases.actions.hash_bank import withdraw_from_bank
from cases.crypto import email_index, gram_indexes, name_index, phone_index, phone_last4_index
from cases.evidence_vault import discard_kept_files
from cases.models import (
    PRIVATE_FIELDS,
    ActorKind,
    Case,
    CaseEvent,
    ContactChannel,
    EventKind,
    NameGram,
    Note,
    NoteKind,
    NoteVisibility,
    Priority,
    Status,
    new_reference,
)
from keystore.store import store_case_key

# Case: new -> in_progress -> monitoring -> closed; closed -> in_progress is a reopen.
# monitoring -> in_progress: the content came back and work resumes.
CASE_TRANSITIONS: dict[str, frozenset[str]] = {
    Status.NEW: frozenset({Status.IN_PROGRESS}),
    Status.IN_PROGRESS: frozenset({Status.MONITORING}),
    Status.MONITORING: frozenset({Status.IN_PROGRESS, Status.CLOSED}),
    Status.CLOSED: frozenset({Status.IN_PROGRESS}),
}
# Moves only a supervisor makes: approving a closure, and reopening.
SUPERVISOR_ONLY: frozenset[tuple[str, str]] = frozenset(
    {(Status.MONITORING, Status.CLOSED), (Status.CLOSED, Status.IN_PROGRESS)}
)

# Changing any of these may cancel or move what is pending for the victim (cases/reminders.py).
VICTIM_CONTACT_FIELDS = frozenset(
    {"consent_contact", "contact_channel", "quiet_start", "quiet_end", "contact_email", "contact_phone"}
)
EDITABLE_FIELDS = PRIVATE_FIELDS | {
    "contact_channel",
    "quiet_start",
    "quiet_end",
    "preferred_language",
    "is_minor",
    "priority",
    "harm_types",
    "consent_contact",
    "consent_share_with_police",
    "consent_hash_matching",
    "consent_keep_evidence",
}


@dataclass(frozen=True, kw_only=True)
class Consents:
    contact: bool = False
    share_with_police: bool = False
    hash_matching: bool = False
    keep_evidence: bool = False


def legal_transitions(user: User, case: Case) -> list[str]:
    """The statuses this user may move this case to now (what the case page offers as buttons)."""
    if not access.can_write(user, case):
        return []
    return [
        target
        for target in Status.values
        if target in CASE_TRANSITIONS[case.status]
        and ((case.status, target) not in SUPERVISOR_ONLY or user.role == Role.SUPERVISOR)
    ]


INDEX_FIELDS = ["name_index", "email_index", "phone_index", "phone_last4_index"]


def refresh_indexes(case: Case) -> None:
    """The keyed hashes that exact and last-four-digits search use, from the case's current values."""
    case.name_index = name_index(case.centre_id, case.victim_name)
    case.email_index = email_index(case.centre_id, case.contact_email)
    case.phone_index = phone_index(case.centre_id, case.contact_phone)
    case.phone_last4_index = phone_last4_index(case.centre_id, case.contact_phone)


def sync_name_grams(case: Case) -> None:
    """The keyed hashes of the name's pieces (partial-name search), replaced to match the current name."""
    wanted = gram_indexes(case.centre_id, case.victim_name)
    NameGram.objects.filter(case=case).exclude(gram__in=wanted).delete()
    have = set(NameGram.objects.filter(case=case).values_list("gram", flat=True))
    NameGram.objects.bulk_create(
        [NameGram(case=case, centre_id=case.centre_id, gram=gram) for gram in sorted(wanted - have)]
    )


@transaction.atomic
def do_open_case(
    *,
    actor: User,
    victim_name: str,
    contact_email: str = "",
    contact_phone: str = "",
    safe_contact_notes: str = "",
    preferred_language: str = "ko",
    is_minor: bool = False,
    priority: str = Priority.NORMAL,
    harm_types: Iterable[str] = (),
    summary: str = "",
    consents: Consents = Consents(),
    contact_channel: str = "none",
    quiet_start: time | None = None,
    quiet_end: time | None = None,
) -> Case:
    """Files a new case in the actor's centre, assigned to the actor."""
    if actor.role not in (Role.COUNSELLOR, Role.SUPERVISOR):
        raise NotAllowedError(_("Only counsellors and supervisors open cases."))
    now = timezone.now()
    case = Case(
        centre_id=actor.centre_id,
        victim_name=victim_name,
        contact_email=contact_email,
        contact_phone=contact_phone,
        safe_contact_notes=safe_contact_notes,
        preferred_language=preferred_language,
        is_minor=is_minor,
        priority=priority,
        harm_types=sorted(set(harm_types)),
        summary=summary,
        consent_contact=consents.contact,
        consent_share_with_police=consents.share_with_police,
        consent_hash_matching=consents.hash_matching,
        consent_keep_evidence=consents.keep_evidence,
        contact_channel=contact_channel,
        quiet_start=quiet_start,
        quiet_end=quiet_end,
        assigned_to=actor,
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    refresh_indexes(case)
    event = CaseEvent(
        actor=actor,
        actor_kind=ActorKind.USER,
        kind=EventKind.CREATED,
        old={},
        new={"status": case.status, "priority": case.priority, "assigned_to": actor.pk, "is_minor": is_minor},
    )
    grams = sorted(gram_indexes(case.centre_id, case.victim_name))
    data_key = case.prepare_own_key()
    try:
        # The reference is random; a clash is astronomically rare but is retried rather than trusted.
        for _attempt in range(5):
            if _insert_case(case, event, grams):
                break
            case.reference = new_reference()
        else:
            raise IntegrityError("no free case reference after 5 tries")
    finally:
        case.__dict__.pop("_new_data_key", None)
    store_case_key(case.pk, data_key)
    duties.case_details_changed(case, actor=actor)
    return case


def _insert_case(case: Case, event: CaseEvent, grams: list[str]) -> bool:
    """Writes a new case, its CREATED event and its name's pieces; False if its reference was taken.

    On PostgreSQL in one statement: the case's INSERT … ON CONFLICT DO NOTHING RETURNING feeds the
    event's and the pieces' INSERTs (a clash inserts nothing, so no savepoint is needed). Elsewhere
    (SQLite, `make run`) the case first, then the others through the ORM. Values are sealed with the
    new case's own key (`case.prepare_own_key`), which the caller stores once the id is known.
    """
    quote = connection.ops.quote_name
    case_columns, case_params = insert_values(case)
    # Table and column names come from the models' _meta and are quoted; values are parameters.
    insert = (
        f"INSERT INTO {quote(Case._meta.db_table)} ({', '.join(case_columns)}) "  # noqa: S608 # nosec B608
        f"VALUES ({placeholders(case_params)}) ON CONFLICT (reference) DO NOTHING RETURNING id, priority_rank"
    )
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.execute(insert, case_params)
            row = cursor.fetchone()
            if row is None:
                return False
            _inserted(case, row)
            event.case = case
            event.save(force_insert=True)
            NameGram.objects.bulk_create([NameGram(case=case, centre_id=case.centre_id, gram=gram) for gram in grams])
            return True
        event._new_data_key = case._new_data_key  # type: ignore[attr-defined]  # a reason would be sealed with it
        event_columns, event_params = insert_values(event, skip="case_id")
        events, names = quote(CaseEvent._meta.db_table), quote(NameGram._meta.db_table)
        cursor.execute(
            f"WITH new_case AS ({insert}), "  # noqa: S608 # nosec B608
            f"new_event AS (INSERT INTO {events} (case_id, {', '.join(event_columns)}) "
            f"SELECT id, {placeholders(event_params)} FROM new_case), "
            f"new_grams AS (INSERT INTO {names} (case_id, centre_id, gram) "
            "SELECT new_case.id, %s, gram FROM new_case, unnest(%s::varchar[]) AS gram) "
            "SELECT id, priority_rank FROM new_case",
            [*case_params, *event_params, case.centre_id, grams],
        )
        row = cursor.fetchone()
    if row is None:
        return False
    _inserted(case, row)
    event.case = case
    event._state.adding = False
    return True


def _inserted(case: Case, row: tuple[int, int]) -> None:
    case.pk, case.priority_rank = row
    case._state.adding = False
    case._state.db = connection.alias


def _check_channel_has_address(case: Case) -> None:
    """Updates by e-mail need an address on file, by SMS a phone number: the same rule as at intake,
    checked on the case as it would be after the change (a PATCH may send the channel alone)."""
    if case.contact_channel == ContactChannel.EMAIL and not case.contact_email:
        raise ActionError(_("Updates by e-mail need an e-mail address."), field="contact_channel")
    if case.contact_channel == ContactChannel.SMS and not case.contact_phone:
        raise ActionError(_("Updates by SMS need a phone number."), field="contact_channel")


@transaction.atomic
def do_update_case(*, actor: User, case: Case, version: int, changes: dict[str, Any]) -> Case:
    """Changes the case's details; refused with StaleVersionError if it changed since `version`."""
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise ActionError(_("These fields cannot be changed: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    case = lock_case(case, version)
    if not access.can_write(actor, case):
        raise NotAllowedError(_("Only the assigned counsellor or a supervisor may change this case."))
    old: dict[str, Any] = {}
    new: dict[str, Any] = {}
    changed_private: list[str] = []
    for field, value in changes.items():
        if field == "harm_types":
            value = sorted(set(value))
        current = getattr(case, field)
        if current == value:
            continue
        if field in PRIVATE_FIELDS:
            changed_private.append(field)
        else:
            old[field] = current.isoformat() if hasattr(current, "isoformat") else current
            new[field] = value.isoformat() if hasattr(value, "isoformat") else value
        setattr(case, field, value)
    if {"contact_channel", "contact_email", "contact_phone"} & set(changes):
        _check_channel_has_address(case)
    if not old and not changed_private:
        return case
    if changed_private:
        new["changed"] = sorted(changed_private)
    refresh_indexes(case)
    case.version += 1
    case.updated_at = timezone.now()
    fields = [*sorted(set(old) | set(changed_private)), *INDEX_FIELDS]
    case.save(update_fields=[*fields, "version", "updated_at"])
    if "victim_name" in changed_private:
        sync_name_grams(case)
    record_event(case, actor=actor, kind=EventKind.UPDATED, old=old, new=new)
    if old.get("consent_hash_matching") is True:
        withdraw_from_bank(case, actor=actor)
    if old.get("consent_keep_evidence") is True:
        # Consent to keep files withdrawn: the files go now, in this transaction; the hashes stay.
        discard_kept_files(case)
    if (set(old) | set(changed_private)) & VICTIM_CONTACT_FIELDS:
        reminders.victim_preferences_changed(case)
    if "is_minor" in old:
        duties.case_details_changed(case, actor=actor)
    return case


@transaction.atomic
def do_transition_case(*, actor: User, case: Case, status: str, reason: str = "", version: int | None = None) -> Case:
    """Moves the case along its status machine; an illegal move names both states."""
    case = lock_case(case, version)
    if not access.can_write(actor, case):
        raise NotAllowedError(_("Only the assigned counsellor or a supervisor may change this case."))
    current = case.status
    if status not in Status.values or status not in CASE_TRANSITIONS[current]:
        raise TransitionError(
            with_particles(
                _("A case cannot move from “%(current)s” to “%(requested)s”.")
                % {"current": current, "requested": status}
            ),
            field="status",
        )
    if (current, status) in SUPERVISOR_ONLY and actor.role != Role.SUPERVISOR:
        message = (
            _("A supervisor approves the closing of a case.")
            if status == Status.CLOSED
            else _("Only a supervisor may reopen a case.")
        )
        raise NotAllowedError(message, field="status")
    now = timezone.now()
    old: dict[str, Any] = {"status": current}
    new: dict[str, Any] = {"status": status}
    case.status = status
    case.closed_at = now if status == Status.CLOSED else None
    # Closing starts the retention period; reopening ends it (the case is in use again).
    if status == Status.CLOSED or case.retention_until is not None:
        old["retention_until"] = case.retention_until.isoformat() if case.retention_until else None
        case.retention_until = retention.retention_date(now) if status == Status.CLOSED else None
        new["retention_until"] = case.retention_until.isoformat() if case.retention_until else None
    case.version += 1
    case.updated_at = now
    case.save(update_fields=["status", "closed_at", "retention_until", "version", "updated_at"])
    record_event(case, actor=actor, kind=EventKind.STATUS_CHANGED, old=old, new=new, reason=reason)
    if status == Status.CLOSED:
        reminders.case_closed(case)
    elif current == Status.CLOSED:
        reminders.case_reopened(case)
    reminders.victim_update(case)
    return case


@transaction.atomic
def do_assign_case(*, actor: User, case: Case, assignee: User | None, version: int | None = None) -> Case:
    """A supervisor assigns (or, with None, returns to the intake queue); a counsellor takes an
    unassigned case for herself."""
    case = lock_case(case, version)
    taking = assignee is not None and assignee.pk == actor.pk and access.can_take(actor, case)
    if not taking and not access.can_assign(actor):
        raise NotAllowedError(
            _("Only a supervisor assigns cases; a counsellor may take an unassigned case for herself."),
            field="assigned_to",
        )
    if assignee is not None and (
        assignee.centre_id != case.centre_id
        or not assignee.is_active
        or assignee.role not in (Role.COUNSELLOR, Role.SUPERVISOR)
    ):
        raise ActionError(_("Cases can be assigned only to active staff of the same centre."), field="assigned_to")
    previous = case.assigned_to_id
    new_id = assignee.pk if assignee is not None else None
    if previous == new_id:
        return case
    case.assigned_to = assignee
    case.version += 1
    case.updated_at = timezone.now()
    case.save(update_fields=["assigned_to", "version", "updated_at"])
    record_event(case, actor=actor, kind=EventKind.ASSIGNED, old={"assigned_to": previous}, new={"assigned_to": new_id})
    reminders.case_reassigned(case)
    return case


@transaction.atomic
def do_add_note(
    *,
    actor: User,
    case: Case,
    body: str,
    visibility: str = NoteVisibility.INTERNAL,
    kind: str = NoteKind.SESSION,
) -> Note:
    """Records a session or contact. Notes do not change the case's version: two counsellors may
    write notes while a third edits the details."""
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if not access.can_write(actor, locked):
        raise NotAllowedError(_("Only the assigned counsellor or a supervisor may add notes to this case."))
    note = Note.objects.create(case=locked, author=actor, body=body, visibility=visibility, kind=kind)
    if visibility == NoteVisibility.SHARED:
        reminders.victim_update(locked)
    Case.objects.filter(pk=locked.pk).update(updated_at=note.created_at)
    record_event(
        locked,
        actor=actor,
        kind=EventKind.NOTE_ADDED,
        old={},
        new={"note": note.pk, "visibility": visibility, "kind": kind},
    )
    return note
