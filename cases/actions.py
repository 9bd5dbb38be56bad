"""Every change to a case: atomic, checked against the version the writer read, and audited.

Nobody calls `.save()` or `.update()` on a case outside this module. Callers fetch the case through
cases/access.py first; each action locks the row again and re-checks what it needs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from cases import access, reminders
from cases.canonical import RejectedURL, canonicalise, host_of
from cases.crypto import email_index, name_index, phone_index, url_index
from cases.letters import render_letter
from cases.models import (
    AccessAction,
    AccessLog,
    ActorKind,
    Case,
    CaseEvent,
    ContentKind,
    EventKind,
    FollowUp,
    FoundBy,
    Note,
    NoteKind,
    NoteVisibility,
    Platform,
    Priority,
    Sighting,
    SightingState,
    Status,
    TakedownItem,
    TakedownRequest,
    TakedownStatus,
)
from cases.selectors import platforms_for_hosts


class ActionError(Exception):
    """A change refused for a reason the person can act on; `field` names the input at fault."""

    def __init__(self, message: str, *, field: str = "non_field_errors") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class StaleVersionError(ActionError):
    """The case changed since the writer read it (HTTP 409)."""


class TransitionError(ActionError):
    """A status move the machine does not allow (HTTP 400)."""


class NotAllowedError(ActionError):
    """The person may see the case but not make this change (HTTP 403)."""


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

# Victim details: their values never enter the audit trail.
PRIVATE_FIELDS = frozenset({"victim_name", "contact_email", "contact_phone", "safe_contact_notes", "summary"})
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
    "retention_until",
}


@dataclass(frozen=True, kw_only=True)
class Consents:
    contact: bool = False
    share_with_police: bool = False
    hash_matching: bool = False


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


def _stale(current: int, sent: int) -> StaleVersionError:
    return StaleVersionError(
        _("This was changed by someone else (version %(current)d, you sent %(sent)d). Reload and try again.")
        % {"current": current, "sent": sent},
        field="version",
    )


def _lock(case: Case, version: int | None) -> Case:
    """The case row, locked until the transaction ends, refused if it changed since `version`."""
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if version is not None and locked.version != version:
        raise _stale(locked.version, version)
    return locked


def _record(
    case: Case, *, actor: User | None, kind: str, old: dict[str, Any], new: dict[str, Any], reason: str = ""
) -> None:
    CaseEvent.objects.create(
        case=case,
        actor=actor,
        actor_kind=ActorKind.USER if actor is not None else ActorKind.SYSTEM,
        kind=kind,
        old=old,
        new=new,
        reason=reason,
    )


def _refresh_indexes(case: Case) -> None:
    case.name_index = name_index(case.centre_id, case.victim_name)
    case.email_index = email_index(case.centre_id, case.contact_email)
    case.phone_index = phone_index(case.centre_id, case.contact_phone)


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
        contact_channel=contact_channel,
        quiet_start=quiet_start,
        quiet_end=quiet_end,
        assigned_to=actor,
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    _refresh_indexes(case)
    # The reference is random; a clash is astronomically rare but is retried rather than trusted.
    for _attempt in range(5):
        try:
            with transaction.atomic():
                case.save(force_insert=True)
            break
        except IntegrityError:
            if Case.objects.filter(reference=case.reference).exists():
                case.reference = Case._meta.get_field("reference").get_default()
                continue
            raise
    _record(
        case,
        actor=actor,
        kind=EventKind.CREATED,
        old={},
        new={"status": case.status, "priority": case.priority, "assigned_to": actor.pk, "is_minor": is_minor},
    )
    return case


@transaction.atomic
def do_update_case(*, actor: User, case: Case, version: int, changes: dict[str, Any]) -> Case:
    """Changes the case's details; refused with StaleVersionError if it changed since `version`."""
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise ActionError(_("These fields cannot be changed: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    case = _lock(case, version)
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
    if not old and not changed_private:
        return case
    if changed_private:
        new["changed"] = sorted(changed_private)
    _refresh_indexes(case)
    case.version += 1
    case.updated_at = timezone.now()
    fields = [*sorted(set(old) | set(changed_private)), "name_index", "email_index", "phone_index"]
    case.save(update_fields=[*fields, "version", "updated_at"])
    _record(case, actor=actor, kind=EventKind.UPDATED, old=old, new=new)
    if (set(old) | set(changed_private)) & VICTIM_CONTACT_FIELDS:
        reminders.victim_preferences_changed(case)
    return case


@transaction.atomic
def do_transition_case(*, actor: User, case: Case, status: str, reason: str = "", version: int | None = None) -> Case:
    """Moves the case along its status machine; an illegal move names both states."""
    case = _lock(case, version)
    if not access.can_write(actor, case):
        raise NotAllowedError(_("Only the assigned counsellor or a supervisor may change this case."))
    current = case.status
    if status not in Status.values or status not in CASE_TRANSITIONS[current]:
        raise TransitionError(
            _("A case cannot move from “%(current)s” to “%(requested)s”.") % {"current": current, "requested": status},
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
    case.status = status
    case.closed_at = now if status == Status.CLOSED else None
    case.version += 1
    case.updated_at = now
    case.save(update_fields=["status", "closed_at", "version", "updated_at"])
    _record(
        case, actor=actor, kind=EventKind.STATUS_CHANGED, old={"status": current}, new={"status": status}, reason=reason
    )
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
    case = _lock(case, version)
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
    _record(case, actor=actor, kind=EventKind.ASSIGNED, old={"assigned_to": previous}, new={"assigned_to": new_id})
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
    _record(
        locked,
        actor=actor,
        kind=EventKind.NOTE_ADDED,
        old={},
        new={"note": note.pk, "visibility": visibility, "kind": kind},
    )
    return note


def log_access(*, user: User, case: Case | None, ip_address: str | None, action: str = AccessAction.VIEW) -> None:
    """Writes who opened a case (or exported data), when, and from which address."""
    AccessLog.objects.create(case=case, user=user, centre_id=user.centre_id, action=action, ip_address=ip_address)


# --- Sightings and takedown requests --------------------------------------------------------------

MAX_BULK_LINES = 1000


@dataclass(frozen=True, kw_only=True)
class LineResult:
    """What became of one pasted line: created, a duplicate (of which sighting), or rejected (why)."""

    line: int
    status: str  # "created" | "duplicate" | "rejected"
    url: str = ""
    sighting: Sighting | None = None
    duplicate_of: int | None = None
    error: str = ""
    code: str = ""


@dataclass(frozen=True, kw_only=True)
class SightingFlags:
    found_by: str = FoundBy.COUNSELLOR
    content_kind: str = ContentKind.IMAGE
    is_synthetic: bool = False
    exposes_personal_info: bool = False


def _require_write(actor: User, case: Case) -> Case:
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if not access.can_write(actor, locked):
        raise NotAllowedError(_("Only the assigned counsellor or a supervisor may change this case."))
    return locked


@transaction.atomic
def do_add_sightings(
    *, actor: User, case: Case, lines: list[str], flags: SightingFlags = SightingFlags()
) -> list[LineResult]:
    """Adds the addresses of pasted lines: each is created, reported as a duplicate, or rejected with
    its line number and why. One bad line does not stop the rest; blank lines are skipped."""
    if len(lines) > MAX_BULK_LINES:
        raise ActionError(
            _("Paste at most %(max)d lines at a time (you pasted %(count)d).")
            % {"max": MAX_BULK_LINES, "count": len(lines)},
            field="lines",
        )
    case = _require_write(actor, case)
    results: list[LineResult] = []
    pending: dict[str, tuple[int, str, str]] = {}  # url_hash -> (line, canonical url, host)
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            url = canonicalise(raw)
        except RejectedURL as rejected:
            results.append(LineResult(line=number, status="rejected", error=str(rejected.message), code=rejected.code))
            continue
        digest = url_index(case.centre_id, url)
        if digest in pending:
            results.append(LineResult(line=number, status="duplicate", url=url, duplicate_of=None, code="same_paste"))
            continue
        pending[digest] = (number, url, host_of(url))
    existing = dict(case.sightings.filter(url_hash__in=list(pending)).values_list("url_hash", "pk"))
    platforms = platforms_for_hosts({host for _n, _u, host in pending.values()})
    now = timezone.now()
    new_rows: list[Sighting] = []
    for digest, (number, url, host) in pending.items():
        if digest in existing:
            results.append(LineResult(line=number, status="duplicate", url=url, duplicate_of=existing[digest]))
            continue
        new_rows.append(
            Sighting(
                case=case,
                url=url,
                url_hash=digest,
                host=host,
                platform=platforms[host],
                found_by=flags.found_by,
                content_kind=flags.content_kind,
                is_synthetic=flags.is_synthetic,
                exposes_personal_info=flags.exposes_personal_info,
                created_by=actor,
                created_at=now,
                last_checked_at=now,
            )
        )
    created = Sighting.objects.bulk_create(new_rows)
    line_of = {digest: number for digest, (number, _u, _h) in pending.items()}
    for sighting in created:
        results.append(
            LineResult(line=line_of[sighting.url_hash], status="created", url=sighting.url, sighting=sighting)
        )
    if created:
        Case.objects.filter(pk=case.pk).update(updated_at=now)
        _record(case, actor=actor, kind=EventKind.SIGHTINGS_ADDED, old={}, new={"count": len(created)})
    return sorted(results, key=lambda result: result.line)


@transaction.atomic
def do_update_sighting(*, actor: User, case: Case, sighting: Sighting, changes: dict[str, Any]) -> Sighting:
    """Changes a sighting's flags, or its state: online again after removal means it reappeared,
    and a new draft request is opened for it."""
    allowed = {"found_by", "content_kind", "is_synthetic", "exposes_personal_info", "state"}
    unknown = set(changes) - allowed
    if unknown:
        raise ActionError(_("These fields cannot be changed: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    case = _require_write(actor, case)
    sighting = Sighting.objects.select_for_update().get(pk=sighting.pk, case=case)
    old = {name: getattr(sighting, name) for name in changes}
    now = timezone.now()
    state = changes.pop("state", None)
    for name, value in changes.items():
        setattr(sighting, name, value)
    reappeared = False
    if state is not None and state != sighting.state:
        if state == SightingState.REAPPEARED or (
            state == SightingState.ONLINE and sighting.state == SightingState.REMOVED
        ):
            if sighting.state != SightingState.REMOVED:
                raise TransitionError(
                    _("Only a removed place can reappear (it is “%(current)s”).") % {"current": sighting.state},
                    field="state",
                )
            sighting.state, reappeared = SightingState.REAPPEARED, True
        elif state == SightingState.REMOVED:
            sighting.state, sighting.removed_at = SightingState.REMOVED, now
        else:
            raise TransitionError(
                _("A place cannot move from “%(current)s” to “%(requested)s”.")
                % {"current": sighting.state, "requested": state},
                field="state",
            )
    sighting.last_checked_at = now
    sighting.save()
    new = {name: getattr(sighting, name) for name in old}
    _record(case, actor=actor, kind=EventKind.SIGHTING_CHANGED, old={"sighting": sighting.pk, **old}, new=new)
    if reappeared:
        _draft_for(actor=actor, case=case, sightings=[sighting])
    return sighting


def _open_sighting_ids(case: Case) -> set[int]:
    return set(TakedownItem.objects.filter(sighting__case=case, is_open=True).values_list("sighting_id", flat=True))


def _draft_for(*, actor: User, case: Case, sightings: list[Sighting]) -> list[TakedownRequest]:
    """One draft per platform for these sightings; joins an open draft of the same platform."""
    busy = _open_sighting_ids(case)
    by_platform: dict[int, list[Sighting]] = {}
    for sighting in sightings:
        if sighting.pk not in busy:
            by_platform.setdefault(sighting.platform_id, []).append(sighting)
    if not by_platform:
        return []
    platforms = Platform.objects.in_bulk(list(by_platform))
    drafts = {
        t.platform_id: t
        for t in TakedownRequest.objects.select_for_update().filter(
            case=case, status=TakedownStatus.DRAFT, platform_id__in=list(by_platform)
        )
    }
    touched: list[TakedownRequest] = []
    for platform_id, items in by_platform.items():
        platform = platforms[platform_id]
        takedown = drafts.get(platform_id)
        if takedown is None:
            takedown = TakedownRequest(
                case=case,
                centre_id=case.centre_id,
                platform=platform,
                language=platform.request_language,
                subject="",
                body="",
                created_by=actor,
            )
            takedown.save()
        TakedownItem.objects.bulk_create([TakedownItem(takedown=takedown, sighting=s) for s in items])
        takedown.subject, takedown.body = render_letter(takedown)
        takedown.save(update_fields=["subject", "body"])
        _record(
            case,
            actor=actor,
            kind=EventKind.TAKEDOWN_DRAFTED,
            old={},
            new={"takedown": takedown.pk, "platform": platform.name, "sightings": len(items)},
        )
        touched.append(takedown)
    return touched


@transaction.atomic
def do_draft_takedowns(*, actor: User, case: Case) -> list[TakedownRequest]:
    """Turns the case's places still online into one draft request per platform, never putting a
    place in two open requests."""
    case = _require_write(actor, case)
    online = list(case.sightings.filter(state__in=[SightingState.ONLINE, SightingState.REAPPEARED]).order_by("pk"))
    return _draft_for(actor=actor, case=case, sightings=online)


def _lock_takedown(takedown: TakedownRequest, version: int | None) -> TakedownRequest:
    locked = TakedownRequest.objects.select_for_update().select_related("platform").get(pk=takedown.pk)
    if version is not None and locked.version != version:
        raise _stale(locked.version, version)
    return locked


@transaction.atomic
def do_edit_takedown_letter(
    *, actor: User, case: Case, takedown: TakedownRequest, subject: str, body: str, version: int
) -> TakedownRequest:
    """The counsellor edits the draft's letter before sending; a sent letter is kept as sent."""
    case = _require_write(actor, case)
    takedown = _lock_takedown(takedown, version)
    if takedown.status != TakedownStatus.DRAFT:
        raise TransitionError(_("Only a draft's letter can be edited; this one was sent."), field="status")
    takedown.subject, takedown.body = subject, body
    takedown.version += 1
    takedown.save(update_fields=["subject", "body", "version"])
    _record(case, actor=actor, kind=EventKind.TAKEDOWN_EDITED, old={}, new={"takedown": takedown.pk})
    return takedown


# Takedown: draft -> sent -> acknowledged -> removed | partially_removed | refused;
# sent/acknowledged past the deadline (overdue, derived) -> escalated -> removed | refused.
TAKEDOWN_TRANSITIONS: dict[str, frozenset[str]] = {
    TakedownStatus.DRAFT: frozenset({TakedownStatus.SENT}),
    TakedownStatus.SENT: frozenset(
        {
            TakedownStatus.ACKNOWLEDGED,
            TakedownStatus.REMOVED,
            TakedownStatus.PARTIALLY_REMOVED,
            TakedownStatus.REFUSED,
            TakedownStatus.ESCALATED,
        }
    ),
    TakedownStatus.ACKNOWLEDGED: frozenset(
        {TakedownStatus.REMOVED, TakedownStatus.PARTIALLY_REMOVED, TakedownStatus.REFUSED, TakedownStatus.ESCALATED}
    ),
    TakedownStatus.ESCALATED: frozenset({TakedownStatus.REMOVED, TakedownStatus.REFUSED}),
    TakedownStatus.REMOVED: frozenset(),
    TakedownStatus.PARTIALLY_REMOVED: frozenset(),
    TakedownStatus.REFUSED: frozenset(),
}
_ANSWERS = (TakedownStatus.REMOVED, TakedownStatus.PARTIALLY_REMOVED, TakedownStatus.REFUSED)


@transaction.atomic
def do_transition_takedown(
    *,
    actor: User,
    case: Case,
    takedown: TakedownRequest,
    status: str,
    version: int | None = None,
    channel: str = "",
    ticket_number: str = "",
    removed_sightings: list[int] | None = None,
    note: str = "",
) -> TakedownRequest:
    """Moves a request along its machine: send (records channel, time, deadline and the letter as
    sent), acknowledge, escalate (only once overdue), or record the platform's answer."""
    case = _require_write(actor, case)
    if takedown.case_id != case.pk:
        raise ActionError(_("This request belongs to another case."))
    takedown = _lock_takedown(takedown, version)
    current = takedown.status
    if status not in TAKEDOWN_TRANSITIONS or status not in TAKEDOWN_TRANSITIONS[current]:
        raise TransitionError(
            _("A takedown request cannot move from “%(current)s” to “%(requested)s”.")
            % {"current": current, "requested": status},
            field="status",
        )
    now = timezone.now()
    fields = ["status", "version"]
    if status == TakedownStatus.SENT:
        if not case.is_open:
            raise TransitionError(_("Reopen the case before sending a request for it."), field="status")
        takedown.channel = channel or takedown.platform.channel
        takedown.sent_at = now
        takedown.deadline_at = now + timedelta(hours=takedown.platform.response_hours)
        takedown.sent_subject, takedown.sent_body = takedown.subject, takedown.body
        fields += ["channel", "sent_at", "deadline_at", "sent_subject", "sent_body"]
    elif status == TakedownStatus.ESCALATED:
        if not takedown.is_overdue:
            raise TransitionError(
                _("A request is escalated to the regulator only after the platform's deadline has passed."),
                field="status",
            )
        takedown.escalated_at = now
        fields.append("escalated_at")
    elif status == TakedownStatus.ACKNOWLEDGED:
        takedown.acknowledged_at = now
        fields.append("acknowledged_at")
    if ticket_number:
        takedown.ticket_number = ticket_number
        fields.append("ticket_number")
    if status in _ANSWERS:
        takedown.closed_at = now
        fields.append("closed_at")
        items = TakedownItem.objects.filter(takedown=takedown)
        items.update(is_open=False)
        covered = set(items.values_list("sighting_id", flat=True))
        if status == TakedownStatus.REMOVED:
            gone = covered
        elif status == TakedownStatus.PARTIALLY_REMOVED:
            gone = set(removed_sightings or []) & covered
            if not gone:
                raise ActionError(_("Say which places were removed."), field="removed_sightings")
        else:
            gone = set()
        Sighting.objects.filter(pk__in=gone).update(state=SightingState.REMOVED, removed_at=now, last_checked_at=now)
    takedown.status = status
    takedown.version += 1
    takedown.save(update_fields=fields)
    if status == TakedownStatus.SENT:
        reminders.takedown_sent(takedown, case)
    elif status in (*_ANSWERS, TakedownStatus.ESCALATED):
        reminders.takedown_settled(takedown)
    if status in (TakedownStatus.REMOVED, TakedownStatus.PARTIALLY_REMOVED):
        reminders.victim_update(case)
    _record(
        case,
        actor=actor,
        kind=EventKind.TAKEDOWN_CHANGED,
        old={"takedown": takedown.pk, "status": current},
        new={"takedown": takedown.pk, "status": status},
        reason=note,
    )
    return takedown


@transaction.atomic
def do_set_followup(*, actor: User, case: Case, due_at: datetime, note: str = "") -> FollowUp:
    """ "Call back Friday 14:00": a reminder to the actor at that time, cancelled if the case closes."""
    case = _require_write(actor, case)
    if not case.is_open:
        raise ActionError(_("Reopen the case before setting a follow-up."), field="due_at")
    if due_at <= timezone.now():
        raise ActionError(_("Choose a time in the future."), field="due_at")
    followup = FollowUp.objects.create(case=case, owner=actor, due_at=due_at, note=note)
    reminders.followup_set(followup)
    _record(case, actor=actor, kind=EventKind.FOLLOWUP_SET, old={}, new={"followup": followup.pk})
    return followup
