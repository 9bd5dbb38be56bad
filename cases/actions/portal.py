"""The victim's portal: access that a counsellor issues and revokes, and what the victim herself
changes (places where the content came back, contact choices, consents, a request to close).

The victim's changes are recorded with the victim as the actor, and her counsellor hears of each
through the inbox. Neither the passphrase nor anything she typed is ever written to the audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from cases import access, reminders
from cases.actions.cases import INDEX_FIELDS, refresh_indexes
from cases.actions.closures import open_victim_request
from cases.actions.common import lock_case, record_event
from cases.actions.errors import ActionError, NotAllowedError
from cases.actions.hash_bank import withdraw_from_bank
from cases.actions.sightings import LineResult, SightingFlags, add_lines
from cases.evidence_vault import discard_kept_files
from cases.models import (
    Case,
    ClosureRequest,
    ContactChannel,
    EventKind,
    FoundBy,
    Guardian,
    PortalAccess,
    PortalHolder,
    PortalSession,
    SightingState,
)
from cases.passphrases import generate, hash_passphrase
from cases.validators import validate_multiline

# The victim adds places a few at a time from a phone, not a monitoring export.
MAX_REPORTED_LINES = 50


@dataclass(frozen=True)
class IssuedAccess:
    """What the counsellor reads to the victim once: the reference and the passphrase."""

    access: PortalAccess
    reference: str
    passphrase: str


def _clean_text(value: str) -> bool:
    try:
        validate_multiline(value)
    except ValidationError:
        return False
    return True


def _require_write(actor: User, case: Case) -> Case:
    locked = lock_case(case, None)
    if not access.can_write(actor, locked):
        raise NotAllowedError(_("Only the assigned counsellor or a supervisor may change this case."))
    return locked


def _end_sessions(case: Case) -> None:
    PortalSession.objects.filter(case=case, ended_at__isnull=True).update(ended_at=timezone.now())


@transaction.atomic
def do_issue_portal_access(
    *, actor: User, case: Case, holder: str = PortalHolder.VICTIM, holder_reason: str = ""
) -> IssuedAccess:
    """A new passphrase in its holder's language; the one before (and its sessions) stop working.

    A minor's access is issued to her; to her guardian only with the counsellor's reason recorded,
    and only to a guardian whom it is safe to contact (the guardian may be the one who hurt her)."""
    case = _require_write(actor, case)
    holder_reason = holder_reason.strip()
    if len(holder_reason) > 2000 or not _clean_text(holder_reason):
        raise ActionError(
            _("Write the reason in at most 2,000 characters, without control characters."), field="holder_reason"
        )
    if holder not in PortalHolder.values:
        raise ActionError(_("Choose who holds the access."), field="holder")
    language = case.preferred_language
    if holder == PortalHolder.GUARDIAN:
        guardian = Guardian.objects.filter(case=case).first()
        if not case.is_minor:
            raise ActionError(_("Only a minor's access may be held by a guardian."), field="holder")
        if guardian is None or not guardian.safe_to_contact:
            raise ActionError(
                _("Record the guardian, and that it is safe to contact them, before giving them the access."),
                field="holder",
            )
        if not holder_reason:
            raise ActionError(_("Write why the guardian should hold the access."), field="holder_reason")
        language = guardian.preferred_language
    else:
        holder_reason = ""
    now = timezone.now()
    previous = PortalAccess.objects.filter(case=case, revoked_at__isnull=True)
    reissued = previous.exists()
    previous.update(revoked_at=now, revoked_by=actor)
    _end_sessions(case)
    passphrase = generate(language)
    issued = PortalAccess.objects.create(
        case=case,
        passphrase_hash=hash_passphrase(passphrase),
        language=language,
        issued_by=actor,
        issued_at=now,
        holder=holder,
        holder_reason=holder_reason,
    )
    record_event(
        case,
        actor=actor,
        kind=EventKind.PORTAL_ISSUED,
        old={},
        new={"access": issued.pk, "reissued": reissued, "holder": holder},
        reason=holder_reason,
    )
    return IssuedAccess(access=issued, reference=case.display_reference, passphrase=passphrase)


@transaction.atomic
def do_revoke_portal_access(*, actor: User, case: Case) -> None:
    """The victim's access stops working at once, sessions included."""
    case = _require_write(actor, case)
    live = PortalAccess.objects.filter(case=case, revoked_at__isnull=True).first()
    if live is None:
        raise ActionError(_("This case has no portal access to revoke."))
    live.revoked_at, live.revoked_by = timezone.now(), actor
    live.save(update_fields=["revoked_at", "revoked_by"])
    _end_sessions(case)
    record_event(case, actor=actor, kind=EventKind.PORTAL_REVOKED, old={"access": live.pk}, new={})


def _victim_event(case: Case, kind: str, old: dict[str, Any], new: dict[str, Any]) -> None:
    event = record_event(case, actor=None, kind=kind, old=old, new=new, by_victim=True)
    reminders.victim_acted(case, event_id=event.pk)


@transaction.atomic
def do_victim_report_places(*, case: Case, lines: list[str]) -> list[LineResult]:
    """Places where the content appeared again, as the victim saw them: answered line by line, and
    put on the counsellor's review list (state `reported`), never straight to a platform."""
    if len(lines) > MAX_REPORTED_LINES:
        raise ActionError(_("Add at most %(max)d addresses at a time.") % {"max": MAX_REPORTED_LINES}, field="lines")
    case = lock_case(case, None)
    if not case.is_open:
        raise ActionError(_("This case is closed. Call your centre if the content is back."), field="lines")
    flags = SightingFlags(found_by=FoundBy.VICTIM)
    results, created = add_lines(case, lines, flags=flags, created_by=None, state=SightingState.REPORTED)
    if created:
        _victim_event(case, EventKind.PLACES_REPORTED, {}, {"count": len(created)})
    return results


CONTACT_FIELDS = frozenset(
    {"contact_channel", "contact_email", "contact_phone", "quiet_start", "quiet_end", "preferred_language"}
)


@transaction.atomic
def do_victim_update_contact(
    *,
    case: Case,
    version: int,
    contact_channel: str,
    contact_email: str,
    contact_phone: str,
    quiet_start: time | None,
    quiet_end: time | None,
    preferred_language: str,
) -> Case:
    """How (and whether) the victim hears of updates. "Do not contact me" is the channel `none`, which
    also withdraws consent to contact; choosing a channel gives it. Pending messages follow at once."""
    case = lock_case(case, version)
    if contact_channel == ContactChannel.EMAIL and not contact_email:
        raise ActionError(_("Updates by e-mail need an e-mail address."), field="contact_email")
    if contact_channel == ContactChannel.SMS and not contact_phone:
        raise ActionError(_("Updates by SMS need a phone number."), field="contact_phone")
    wanted: dict[str, Any] = {
        "contact_channel": contact_channel,
        "contact_email": contact_email,
        "contact_phone": contact_phone,
        "quiet_start": quiet_start,
        "quiet_end": quiet_end,
        "preferred_language": preferred_language,
        "consent_contact": contact_channel != ContactChannel.NONE,
    }
    changed = sorted(name for name, value in wanted.items() if getattr(case, name) != value)
    if not changed:
        return case
    for name in changed:
        setattr(case, name, wanted[name])
    refresh_indexes(case)
    case.version += 1
    case.updated_at = timezone.now()
    case.save(update_fields=[*changed, *INDEX_FIELDS, "version", "updated_at"])
    # Names of what changed only: the addresses themselves never enter the audit trail.
    _victim_event(case, EventKind.CONTACT_CHANGED, {}, {"changed": changed})
    reminders.victim_preferences_changed(case)
    return case


@transaction.atomic
def do_victim_set_consents(
    *, case: Case, version: int, hash_matching: bool, share_with_police: bool, keep_evidence: bool
) -> Case:
    """The victim gives or withdraws consent to hash matching, to sharing with the police and to the
    centre keeping her evidence files (withdrawn: the files go in this transaction, the hashes stay)."""
    case = lock_case(case, version)
    fields = {
        "hash_matching": "consent_hash_matching",
        "share_with_police": "consent_share_with_police",
        "keep_evidence": "consent_keep_evidence",
    }
    old = {name: getattr(case, field) for name, field in fields.items()}
    new = {"hash_matching": hash_matching, "share_with_police": share_with_police, "keep_evidence": keep_evidence}
    if old == new:
        return case
    for name, field in fields.items():
        setattr(case, field, new[name])
    case.version += 1
    case.updated_at = timezone.now()
    case.save(update_fields=[*fields.values(), "version", "updated_at"])
    _victim_event(case, EventKind.CONSENTS_CHANGED, old, new)
    if old["hash_matching"] and not hash_matching:
        # Her hashes leave the national bank with her consent, in this transaction.
        withdraw_from_bank(case, actor=None, by_victim=True)
    if old["keep_evidence"] and not keep_evidence:
        discard_kept_files(case)
    return case


@transaction.atomic
def do_victim_request_closure(*, case: Case, reason: str = "") -> ClosureRequest:
    """The victim asks that her case be closed; a supervisor decides, and her counsellor is told."""
    case = lock_case(case, None)
    request = open_victim_request(case, reason=reason)
    _victim_event(case, EventKind.CLOSURE_REQUESTED, {}, {"closure_request": request.pk})
    return request
