"""Referrals to partner organisations: proposing one, its status machine, and the regulator referral
that escalating an overdue takedown request makes.

Consent rules (issue 15): a referral to the police needs the victim's consent to sharing with the police
(403 with the reason otherwise); every referral needs her consent to be contacted or a recorded reason
why not. Both are checked when the referral is proposed, again when it is marked consented, and again
when it is sent, since the victim can withdraw consent through the portal meanwhile.

A referral carries victim details, so caseflow never e-mails one (no victim detail in e-mail): the
counsellor passes the chosen items through the partner's own channel and marks the referral sent, which
writes the access log row that says what left and to whom.
"""

from __future__ import annotations

import json
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from cases.actions.common import record_event, require_write
from cases.actions.errors import ActionError, NotAllowedError, TransitionError, stale
from cases.audit import log_access
from cases.models import (
    CONTACT_ITEMS,
    TAKEDOWN_ITEMS,
    AccessAction,
    Case,
    EventKind,
    Partner,
    PartnerKind,
    Referral,
    ReferralStatus,
    SharedItem,
    TakedownRequest,
)

# proposed -> consented -> sent -> accepted | declined -> completed
REFERRAL_TRANSITIONS: dict[str, frozenset[str]] = {
    ReferralStatus.PROPOSED: frozenset({ReferralStatus.CONSENTED}),
    ReferralStatus.CONSENTED: frozenset({ReferralStatus.SENT}),
    ReferralStatus.SENT: frozenset({ReferralStatus.ACCEPTED, ReferralStatus.DECLINED}),
    ReferralStatus.ACCEPTED: frozenset({ReferralStatus.COMPLETED}),
    ReferralStatus.DECLINED: frozenset({ReferralStatus.COMPLETED}),
    ReferralStatus.COMPLETED: frozenset(),
}
_STAMPS: dict[str, str] = {
    ReferralStatus.CONSENTED: "consented_at",
    ReferralStatus.SENT: "sent_at",
    ReferralStatus.ACCEPTED: "answered_at",
    ReferralStatus.DECLINED: "answered_at",
    ReferralStatus.COMPLETED: "completed_at",
}


def _check_consents(case: Case, *, kind: str, no_contact_reason: str, items: list[str]) -> None:
    """The consent rules, on the case as it is now (the victim may have changed them in the portal)."""
    if kind == PartnerKind.POLICE and not case.consent_share_with_police:
        raise NotAllowedError(
            _("The victim has not consented to sharing with the police: a referral to the police needs that consent.")
        )
    if not case.consent_contact:
        if not no_contact_reason.strip():
            raise ActionError(
                _("The victim has not consented to be contacted: record why the referral is made without it."),
                field="no_contact_reason",
            )
        if contact := sorted(set(items) & CONTACT_ITEMS):
            raise ActionError(
                _("Without the victim's consent to be contacted, her contact details are not shared (%(items)s).")
                % {"items": ", ".join(str(SharedItem(i).label) for i in contact)},
                field="shared_items",
            )


def _clean_items(items: list[str], *, takedown: TakedownRequest | None) -> list[str]:
    unknown = [i for i in items if i not in SharedItem.values]
    if unknown:
        raise ActionError(_("Unknown item: %(items)s") % {"items": ", ".join(unknown)}, field="shared_items")
    if takedown is None and set(items) & TAKEDOWN_ITEMS:
        raise ActionError(
            _("A takedown letter and its history are attached only by escalating the request."), field="shared_items"
        )
    # The order of the list of choices, each once.
    return [i for i in SharedItem.values if i in set(items)]


@transaction.atomic
def do_propose_referral(
    *,
    actor: User,
    case: Case,
    partner: Partner,
    reason: str,
    shared_items: list[str],
    no_contact_reason: str = "",
) -> Referral:
    """A counsellor proposes referring the victim to a partner of the centre, sharing only the items ticked."""
    case = require_write(actor, case)
    if partner.centre_id != case.centre_id or not partner.is_active:
        raise ActionError(_("Choose a partner from your centre's directory."), field="partner")
    if partner.kind == PartnerKind.REGULATOR:
        raise ActionError(_("The regulator is referred to by escalating an overdue takedown request."), field="partner")
    if not reason.strip():
        raise ActionError(_("Say why the victim is referred."), field="reason")
    items = _clean_items(shared_items, takedown=None)
    _check_consents(case, kind=partner.kind, no_contact_reason=no_contact_reason, items=items)
    referral = Referral.objects.create(
        case=case,
        centre_id=case.centre_id,
        partner=partner,
        kind=partner.kind,
        status=ReferralStatus.PROPOSED,
        reason=reason,
        shared_items=items,
        no_contact_reason=no_contact_reason if not case.consent_contact else "",
        created_by=actor,
    )
    record_event(
        case,
        actor=actor,
        kind=EventKind.REFERRAL_PROPOSED,
        old={},
        new={"referral": referral.pk, "partner": partner.name, "kind": partner.kind, "items": items},
    )
    return referral


def _lock_referral(referral: Referral, version: int | None) -> Referral:
    locked = Referral.objects.select_for_update().select_related("partner").get(pk=referral.pk)
    if version is not None and locked.version != version:
        raise stale(locked.version, version)
    return locked


def _sent_detail(referral: Referral) -> dict[str, Any]:
    """What the access log keeps of a referral that left: to whom and which items, never their values."""
    return {
        "referral": referral.pk,
        "partner": referral.partner_id,
        "partner_name": referral.partner.name,
        "kind": referral.kind,
        "items": list(referral.shared_items),
    }


@transaction.atomic
def do_transition_referral(
    *,
    actor: User,
    case: Case,
    referral: Referral,
    status: str,
    version: int | None = None,
    note: str = "",
    ip_address: str | None = None,
) -> Referral:
    """Moves a referral along its machine; sending checks the consents again and writes the access log."""
    case = require_write(actor, case)
    if referral.case_id != case.pk:
        raise ActionError(_("This referral belongs to another case."))
    referral = _lock_referral(referral, version)
    current = referral.status
    if status not in REFERRAL_TRANSITIONS or status not in REFERRAL_TRANSITIONS[current]:
        raise TransitionError(
            _("A referral cannot move from “%(current)s” to “%(requested)s”.")
            % {"current": current, "requested": status},
            field="status",
        )
    if status in (ReferralStatus.CONSENTED, ReferralStatus.SENT):
        _check_consents(
            case, kind=referral.kind, no_contact_reason=referral.no_contact_reason, items=referral.shared_items
        )
    if status == ReferralStatus.COMPLETED and not note.strip() and not referral.outcome_note:
        raise ActionError(_("Write what came of the referral."), field="note")
    now = timezone.now()
    fields = ["status", "version", _STAMPS[status]]
    setattr(referral, _STAMPS[status], now)
    if note.strip() and status in (ReferralStatus.ACCEPTED, ReferralStatus.DECLINED, ReferralStatus.COMPLETED):
        referral.outcome_note = note
        fields.append("outcome_note")
    referral.status = status
    referral.version += 1
    referral.save(update_fields=fields)
    if status == ReferralStatus.SENT:
        log_access(
            user=actor, case=case, ip_address=ip_address, action=AccessAction.REFERRAL, detail=_sent_detail(referral)
        )
    record_event(
        case,
        actor=actor,
        kind=EventKind.REFERRAL_CHANGED,
        old={"referral": referral.pk, "status": current},
        new={"referral": referral.pk, "status": status, "partner": referral.partner.name},
        reason=note,
    )
    return referral


def regulator_of(centre_id: int) -> Partner | None:
    """The regulator in the centre's directory (the first active one by name)."""
    return (
        Partner.objects.filter(centre_id=centre_id, kind=PartnerKind.REGULATOR, is_active=True).order_by("name").first()
    )


def takedown_dossier(takedown: TakedownRequest) -> str:
    """The request's letter as sent and its history, as attached to the regulator referral (JSON)."""
    history = [
        {"at": event.created_at.isoformat(), "from": event.old.get("status"), "to": event.new.get("status")}
        for event in takedown.case.events.filter(kind=EventKind.TAKEDOWN_CHANGED, new__takedown=takedown.pk).order_by(
            "created_at", "pk"
        )
    ]
    return json.dumps(
        {
            "token": takedown.token,
            "platform": takedown.platform.name,
            "sent_to": takedown.sent_to,
            "sent_at": takedown.sent_at.isoformat() if takedown.sent_at else None,
            "deadline_at": takedown.deadline_at.isoformat() if takedown.deadline_at else None,
            "ticket_number": takedown.ticket_number,
            "subject": takedown.sent_subject,
            "letter": takedown.sent_body,
            "history": history,
        },
        ensure_ascii=False,
    )


def require_regulator(case: Case, takedown: TakedownRequest) -> Partner:
    """Escalation's preconditions beyond the machine: the platform's directory entry says the regulator
    takes escalations about it, and the centre's directory has the regulator."""
    if not takedown.platform.regulator_escalation:
        raise TransitionError(
            _("The regulator does not take escalations about %(platform)s (its directory entry says so).")
            % {"platform": takedown.platform.name},
            field="status",
        )
    regulator = regulator_of(case.centre_id)
    if regulator is None:
        raise ActionError(
            _("Your centre's partner directory has no regulator; an administrator adds it first."), field="status"
        )
    return regulator


def refer_to_regulator(
    *, actor: User, case: Case, takedown: TakedownRequest, regulator: Partner, ip_address: str | None = None
) -> Referral:
    """Called by escalation, in its transaction: the regulator referral with the request's letter and history
    attached, recorded as sent (escalation is recorded once it went), and the access log row of what left.

    Nothing about the victim is shared: the letter names the content's addresses and the request's token only,
    so the victim's consent to be contacted is not needed; the reason says so."""
    now = timezone.now()
    referral = Referral.objects.create(
        case=case,
        centre_id=case.centre_id,
        partner=regulator,
        kind=PartnerKind.REGULATOR,
        status=ReferralStatus.SENT,
        reason=_("Escalation of the overdue takedown request %(token)s to %(platform)s.")
        % {"token": takedown.token, "platform": takedown.platform.name},
        shared_items=[SharedItem.TAKEDOWN_LETTER.value, SharedItem.TAKEDOWN_HISTORY.value],
        no_contact_reason=""
        if case.consent_contact
        else _("Only the takedown letter and its history are shared; nothing about the victim."),
        takedown=takedown,
        attachment=takedown_dossier(takedown),
        created_by=actor,
        consented_at=now,
        sent_at=now,
    )
    record_event(
        case,
        actor=actor,
        kind=EventKind.REFERRAL_PROPOSED,
        old={},
        new={
            "referral": referral.pk,
            "partner": regulator.name,
            "kind": PartnerKind.REGULATOR.value,
            "items": referral.shared_items,
            "takedown": takedown.pk,
            "status": ReferralStatus.SENT.value,
        },
    )
    log_access(
        user=actor, case=case, ip_address=ip_address, action=AccessAction.REFERRAL, detail=_sent_detail(referral)
    )
    return referral
