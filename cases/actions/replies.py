"""Platforms' replies: receiving one (the inbound SMTP server calls this), and what staff do with it.

A reply is matched to its request by a token it quotes (the subject, or our Message-ID in In-Reply-To or
References) and stored encrypted. It changes nothing by itself: the counsellor confirms the outcome it
suggests on the request's page, which moves the request as her own click would.

A reply waits in the centre's queue, changing nothing, when it quotes no token (unmatched), quotes a token
that is no request of the centre's, or comes from a domain that is not the platform's (suspicious: anyone
can write a platform's token into a subject, so the sender's domain must agree), or cannot be read.
The From header is what this checks; it is as good as the relay in front of caseflow, which should
reject mail that fails the sender domain's DMARC policy (DKIM/SPF) before it reaches the inbound server.
"""

from __future__ import annotations

import base64

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Centre, User
from cases import replies
from cases.actions.common import record_event, require_write
from cases.actions.errors import ActionError, NotAllowedError, TransitionError
from cases.actions.letters import email_address_of
from cases.actions.takedowns import TAKEDOWN_TRANSITIONS, do_transition_takedown, lock_takedown
from cases.models import (
    REPLY_OUTCOMES,
    EventKind,
    PlatformDomain,
    PlatformReply,
    ReplyAttachment,
    ReplyStatus,
    TakedownRequest,
)


def centres_for(recipients: list[str]) -> list[Centre]:
    """The centres whose reply address (or, without one, sending address) is among the recipients."""
    wanted = {r.strip().lower() for r in recipients}
    found = []
    for centre in Centre.objects.exclude(inbound_address="", letters_from=""):
        address = (centre.inbound_address or centre.letters_from).lower()
        if address in wanted:
            found.append(centre)
    return found


def platform_domains(takedown: TakedownRequest) -> set[str]:
    """Where a genuine reply may come from: the platform's domains and the domain its letter went to."""
    domains = set(PlatformDomain.objects.filter(platform_id=takedown.platform_id).values_list("domain", flat=True))
    for address in (email_address_of(takedown.platform.contact), takedown.sent_to):
        if "@" in address:
            domains.add(address.rpartition("@")[2].lower())
    return domains


def _match(centre: Centre, parsed: replies.ParsedReply) -> tuple[TakedownRequest | None, str, list[str]]:
    tokens, looks_like = replies.tokens_in(parsed)
    if parsed.malformed:
        # Still matched if possible, so the queue says which request it may concern; never applied.
        takedown = TakedownRequest.objects.filter(centre=centre, token__in=tokens).first() if tokens else None
        return takedown, ReplyStatus.MALFORMED, ["malformed"]
    if not tokens:
        return (
            None,
            (ReplyStatus.SUSPICIOUS if looks_like else ReplyStatus.UNMATCHED),
            ["unknown_token" if looks_like else "no_token"],
        )
    takedown = (
        TakedownRequest.objects.select_related("platform")
        .filter(centre=centre, token__in=tokens, sent_at__isnull=False)
        .order_by("-sent_at")
        .first()
    )
    if takedown is None:
        return None, ReplyStatus.SUSPICIOUS, ["unknown_token"]
    if not replies.domain_matches(parsed.from_domain, platform_domains(takedown)):
        return takedown, ReplyStatus.SUSPICIOUS, ["from_domain"]
    return takedown, ReplyStatus.MATCHED, []


def receive_reply(*, raw: bytes, recipients: list[str]) -> list[PlatformReply]:
    """Stores one received message for each centre it was addressed to; returns the rows stored (none for a
    repeat of a message already stored). Called by the inbound SMTP server, which answers 250 only after
    this committed, so that nothing accepted is lost."""
    parsed = replies.parse(raw)
    stored = []
    for centre in centres_for(recipients):
        row = _store(centre, parsed, size=len(raw))
        if row is not None:
            stored.append(row)
    return stored


def _store(centre: Centre, parsed: replies.ParsedReply, *, size: int) -> PlatformReply | None:
    try:
        with transaction.atomic():
            takedown, status, flags = _match(centre, parsed)
            suggestion = replies.suggested_outcome(parsed) if status == ReplyStatus.MATCHED else ""
            pattern = takedown.platform.ticket_pattern if takedown is not None else ""
            reply = PlatformReply.objects.create(
                centre=centre,
                takedown=takedown,
                # Its texts are then sealed with the case's key; a queued reply's with the master keys.
                case_id=takedown.case_id if takedown is not None else None,
                status=status,
                flags=flags,
                message_id=parsed.message_id,
                from_address=parsed.from_address,
                subject=parsed.subject,
                text=parsed.text,
                ticket_number=replies.ticket_number(parsed, pattern) if status == ReplyStatus.MATCHED else "",
                suggested_status=suggestion,
                attachments=[{"name": a.filename, "type": a.content_type, "size": a.size} for a in parsed.attachments],
                size=size,
            )
            keep = status == ReplyStatus.MATCHED and takedown is not None and takedown.keep_reply_attachments
            if keep and takedown is not None:
                ReplyAttachment.objects.bulk_create(
                    [
                        ReplyAttachment(
                            reply=reply,
                            case_id=takedown.case_id,
                            filename=a.filename,
                            content_type=a.content_type[:100],
                            content=base64.b64encode(a.content).decode("ascii"),
                            size=a.size,
                        )
                        for a in parsed.attachments
                    ]
                )
            if takedown is not None and status == ReplyStatus.MATCHED:
                record_event(
                    takedown.case,
                    actor=None,
                    kind=EventKind.REPLY_RECEIVED,
                    old={},
                    new={"takedown": takedown.pk, "reply": reply.pk, "suggested": suggestion},
                )
            return reply
    except IntegrityError:
        # The same Message-ID again (the sending server retried after losing our 250): stored already.
        return None


def _lock_reply(reply: PlatformReply) -> PlatformReply:
    return PlatformReply.objects.select_for_update().get(pk=reply.pk)


@transaction.atomic
def do_confirm_reply(
    *, actor: User, reply: PlatformReply, status: str, version: int, ip_address: str | None = None
) -> TakedownRequest:
    """The counsellor confirms what a matched reply says: the request moves as her own click would, with
    the ticket number the reply quoted."""
    reply = _lock_reply(reply)
    if reply.status != ReplyStatus.MATCHED or reply.takedown_id is None:
        raise TransitionError(_("This reply was already dealt with, or is not matched to a request."), field="reply")
    if status not in REPLY_OUTCOMES:
        raise ActionError(_("Choose acknowledged, removed or refused."), field="status")
    takedown = TakedownRequest.objects.select_related("case", "platform").get(pk=reply.takedown_id)
    if status not in TAKEDOWN_TRANSITIONS[takedown.status]:
        raise TransitionError(
            _("A takedown request cannot move from “%(current)s” to “%(requested)s”.")
            % {"current": takedown.status, "requested": status},
            field="status",
        )
    moved = do_transition_takedown(
        actor=actor,
        case=takedown.case,
        takedown=takedown,
        status=status,
        version=version,
        ticket_number="" if takedown.ticket_number else reply.ticket_number,
        removed_sightings=None,
        ip_address=ip_address,
    )
    reply.status = ReplyStatus.APPLIED
    reply.decided_by = actor
    reply.decided_at = timezone.now()
    reply.save(update_fields=["status", "decided_by", "decided_at"])
    return moved


@transaction.atomic
def do_set_keep_attachments(*, actor: User, takedown: TakedownRequest, keep: bool, version: int) -> TakedownRequest:
    """The counsellor asks that attachments of this request's replies be kept (or no longer)."""
    case = require_write(actor, takedown.case)
    takedown = lock_takedown(takedown, version)
    takedown.keep_reply_attachments = keep
    takedown.version += 1
    takedown.save(update_fields=["keep_reply_attachments", "version"])
    record_event(
        case,
        actor=actor,
        kind=EventKind.TAKEDOWN_EDITED,
        old={},
        new={"takedown": takedown.pk, "keep_attachments": keep},
    )
    return takedown


def _require_supervisor(actor: User) -> None:
    if not actor.is_supervisor:
        raise NotAllowedError(_("Only supervisors deal with the centre's queue of replies."))


@transaction.atomic
def do_dismiss_reply(*, actor: User, reply: PlatformReply) -> PlatformReply:
    """A supervisor sets a queued reply aside (spam, a forgery); it stays recorded, changing nothing."""
    _require_supervisor(actor)
    reply = _lock_reply(reply)
    if not reply.in_queue:
        raise TransitionError(_("Only a reply waiting in the queue can be dismissed."), field="reply")
    reply.status = ReplyStatus.DISMISSED
    reply.decided_by = actor
    reply.decided_at = timezone.now()
    reply.save(update_fields=["status", "decided_by", "decided_at"])
    return reply


@transaction.atomic
def do_attach_reply(*, actor: User, reply: PlatformReply, token: str) -> PlatformReply:
    """A supervisor who recognises a queued reply attaches it to the request it answers (by its token); it
    then waits on that request's page for the counsellor's confirmation, like a matched reply."""
    _require_supervisor(actor)
    reply = _lock_reply(reply)
    if not reply.in_queue:
        raise TransitionError(_("Only a reply waiting in the queue can be attached."), field="reply")
    takedown = (
        TakedownRequest.objects.select_related("case")
        .filter(centre_id=reply.centre_id, token=token.strip().upper(), sent_at__isnull=False)
        .first()
    )
    if takedown is None:
        raise ActionError(_("No request of your centre that was sent has this token."), field="token")
    parsed = replies.ParsedReply(subject=reply.subject, text=reply.text)
    # From the master keys to the case's key: the texts are set again, so saving seals them with it.
    sender, subject, text = str(reply.from_address), str(reply.subject), str(reply.text)
    reply.case_id = takedown.case_id
    reply.from_address, reply.subject, reply.text = sender, subject, text
    reply.takedown = takedown
    reply.status = ReplyStatus.MATCHED
    reply.suggested_status = replies.suggested_outcome(parsed)
    reply.ticket_number = reply.ticket_number or replies.ticket_number(parsed, takedown.platform.ticket_pattern)
    reply.decided_by = actor
    reply.decided_at = timezone.now()
    reply.save(
        update_fields=[
            "takedown",
            "case",
            "from_address",
            "subject",
            "text",
            "status",
            "suggested_status",
            "ticket_number",
            "decided_by",
            "decided_at",
        ]
    )
    record_event(
        takedown.case,
        actor=actor,
        kind=EventKind.REPLY_RECEIVED,
        old={},
        new={"takedown": takedown.pk, "reply": reply.pk, "suggested": reply.suggested_status},
    )
    return reply
