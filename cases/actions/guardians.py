"""A minor's guardian: recorded and changed by her counsellor, with whether it is safe to contact
them and the consent they gave. Contact follows the victim's rules (cases/reminders.py)."""

from __future__ import annotations

from datetime import datetime, time

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from cases import reminders
from cases.actions.common import record_event, require_write
from cases.actions.errors import ActionError, stale
from cases.models import GUARDIAN_PRIVATE_FIELDS, Case, ConsentMethod, ContactChannel, EventKind, Guardian

# What the form and the API may set; everything else is the action's.
GUARDIAN_FIELDS = (
    "name",
    "relationship",
    "contact_email",
    "contact_phone",
    "preferred_language",
    "safe_to_contact",
    "contact_channel",
    "quiet_start",
    "quiet_end",
    "consent_given_by",
    "consent_given_at",
    "consent_method",
)


def _check(details: dict[str, object]) -> None:
    channel = details.get("contact_channel", ContactChannel.NONE)
    if channel == ContactChannel.EMAIL and not details.get("contact_email"):
        raise ActionError(_("Updates by e-mail need the guardian's e-mail address."), field="contact_channel")
    if channel == ContactChannel.SMS and not details.get("contact_phone"):
        raise ActionError(_("Updates by SMS need the guardian's phone number."), field="contact_channel")
    consent = [details.get("consent_given_by"), details.get("consent_given_at"), details.get("consent_method")]
    if any(consent) and not all(consent):
        raise ActionError(_("A guardian's consent needs who gave it, when and how."), field="consent_given_by")
    given_at = details.get("consent_given_at")
    if isinstance(given_at, datetime) and given_at > timezone.now():
        raise ActionError(_("Consent cannot have been given in the future."), field="consent_given_at")
    method = details.get("consent_method")
    if method and method not in ConsentMethod.values:
        raise ActionError(_("Choose how the consent was given."), field="consent_method")
    for name in ("quiet_start", "quiet_end"):
        if details.get(name) is not None and not isinstance(details.get(name), time):
            raise ActionError(_("Enter a time."), field=name)


@transaction.atomic
def do_set_guardian(*, actor: User, case: Case, version: int | None, details: dict[str, object]) -> Guardian:
    """Records the guardian of a minor, or changes what is recorded (at the version the page showed).

    "Safe to contact" stays no until the counsellor says otherwise. The trail names the fields that
    changed, never their values; a guardian who may no longer be contacted gets nothing more."""
    case = require_write(actor, case)
    if not case.is_minor:
        raise ActionError(_("Only a minor's case records a guardian."), field="is_minor")
    unknown = set(details) - set(GUARDIAN_FIELDS)
    if unknown:
        raise ActionError(_("Unknown field."), field=sorted(unknown)[0])
    guardian = Guardian.objects.select_for_update().filter(case=case).first()
    # The version first: a change based on what someone else has since changed is a 409, whatever
    # its content would say about the record as it is now.
    if guardian is None and version not in (None, 0):
        raise stale(0, version or 0)
    if guardian is not None and version is not None and guardian.version != version:
        raise stale(guardian.version, version)
    merged = {name: getattr(guardian, name) for name in GUARDIAN_FIELDS} if guardian else {}
    merged |= details
    if not str(merged.get("name") or "").strip():
        raise ActionError(_("Write the guardian's name."), field="name")
    _check(merged)
    now = timezone.now()
    if guardian is None:
        guardian = Guardian(case=case, updated_by=actor, updated_at=now)
        changed = [name for name in GUARDIAN_FIELDS if merged.get(name) not in (None, "", False)]
    else:
        changed = [name for name in GUARDIAN_FIELDS if getattr(guardian, name) != merged[name]]
        guardian.version += 1
    for name in GUARDIAN_FIELDS:
        if name in merged:
            setattr(guardian, name, merged[name])
    guardian.updated_by, guardian.updated_at = actor, now
    guardian.save()
    if changed:
        public = {name: merged[name] for name in changed if name in ("safe_to_contact", "contact_channel")}
        record_event(
            case,
            actor=actor,
            kind=EventKind.GUARDIAN_CHANGED,
            old={},
            new={"changed": changed, **public, "private": sorted(set(changed) & GUARDIAN_PRIVATE_FIELDS)},
        )
        reminders.guardian_preferences_changed(case, guardian)
    return guardian
