"""Exporting the evidence pack for the police: only with the victim's consent to sharing with the
police (403 with the reason otherwise), with a reason, written to the access log and the case's
history (the manifest's SHA-256, so the pack handed over can be matched later)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from cases import police_pack
from cases.actions.common import record_event, require_write
from cases.actions.errors import ActionError, NotAllowedError
from cases.audit import log_access
from cases.models import AccessAction, Case, EventKind


@transaction.atomic
def do_export_police_pack(*, actor: User, case: Case, reason: str, ip_address: str | None) -> bytes:
    """The signed pack (ZIP bytes) of the case."""
    case = require_write(actor, case)
    if not case.consent_share_with_police:
        raise NotAllowedError(
            _("The victim has not consented to sharing with the police, so no evidence pack can be made."),
            field="consents",
        )
    reason = reason.strip()
    if not reason:
        raise ActionError(_("Say why the pack is exported (for example, the police report number)."), field="reason")
    pack, digest = police_pack.build(case, exported_by=actor, reason=reason)
    log_access(user=actor, case=case, ip_address=ip_address, action=AccessAction.EXPORT)
    record_event(
        case, actor=actor, kind=EventKind.POLICE_PACK_EXPORTED, old={}, new={"manifest_sha256": digest}, reason=reason
    )
    return pack
