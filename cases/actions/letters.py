"""Sending a draft's letter in one step, and the worker that e-mails it.

The counsellor's "Send" saves the letter as it is on the page and fixes it as the copy kept as sent,
in the same transaction: what is recorded is what leaves. By e-mail, a worker then hands that copy
to the mail server, from the centre's address to the platform's, and the request becomes "sent"
only once the server accepted it. By a platform's web form, the counsellor pastes the letter there
and confirms that she submitted it, which records it as sent.

A letter carries content addresses, so it never goes through the notifications outbox (whose rows
carry ids only); it keeps that outbox's discipline on its own request row instead:
- the row is the truth and the broker carries ids only: beat's sweep (`queue_due_letters`) hands
  out every due letter again, so a lost message or a broker that was down loses nothing;
- a worker takes a letter only by a conditional UPDATE (pending and due, no claim yet): of two
  messages for one letter exactly one changes the row and sends, the other changes nothing;
- every attempt is a LetterAttempt row; failures are retried with backoff, up to LETTER_MAX_ATTEMPTS.
The window that remains is the outbox's: a worker that dies after the server accepted the letter but
before "sent" commits leaves a letter that is e-mailed again after the claim timeout. The repeat has
the same Message-ID, by which mail systems recognise a duplicate.
"""

from __future__ import annotations

import functools
import logging
import smtplib
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail.handler import DEFAULT_MAILER_ALIAS
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Centre, User
from caseflow.celery import app as celery_app
from cases import reminders
from cases.actions.common import record_event, require_write
from cases.actions.errors import ActionError, TransitionError
from cases.actions.takedowns import lock_takedown, record_sent, require_editable_letter
from cases.letters import as_mailed, letter_email, names_case_reference, new_message_id, normalise_body
from cases.models import (
    Case,
    EventKind,
    LetterAttempt,
    LetterOutcome,
    MailState,
    RequestChannel,
    TakedownRequest,
    TakedownStatus,
)

logger = logging.getLogger(__name__)

# Published by name: cases.tasks imports this module, so importing the task here would close a circle.
SEND_LETTER_TASK = "cases.tasks.send_letter"
# A worker holding a letter this long is gone (an SMTP exchange times out after seconds, not minutes).
CLAIM_TIMEOUT = timedelta(minutes=10)
WORKER_LOST = "worker_lost"


def max_attempts() -> int:
    return int(getattr(settings, "LETTER_MAX_ATTEMPTS", 6))


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt: 2, 4, 8 … minutes, at most an hour."""
    return min(timedelta(minutes=2 ** min(attempts, 20)), timedelta(hours=1))


def email_address_of(platform_contact: str) -> str:
    """The platform's contact if it is an e-mail address (it may be a web form's), else ""."""
    try:
        validate_email(platform_contact)
    except ValidationError:
        return ""
    return platform_contact


# --- The counsellor sends ------------------------------------------------------------------------


def _lock_draft(actor: User, case: Case, takedown: TakedownRequest, version: int) -> tuple[Case, TakedownRequest]:
    case = require_write(actor, case)
    if takedown.case_id != case.pk:
        raise ActionError(_("This request belongs to another case."))
    takedown = lock_takedown(takedown, version)
    require_editable_letter(takedown)
    if not case.is_open:
        raise TransitionError(_("Reopen the case before sending a request for it."), field="status")
    return case, takedown


def _refuse_reference(case: Case, takedown: TakedownRequest, subject: str, body: str) -> None:
    if names_case_reference(case, subject, body):
        raise ActionError(
            _(
                "The letter quotes the case reference, which is for the victim's portal only. "
                "Quote the request's token %(token)s instead."
            )
            % {"token": takedown.token},
            field="body",
        )


def _publish(takedown_id: int) -> None:
    """After commit: hands the letter to a worker. If the broker is down, beat's sweep does it later."""
    try:
        celery_app.send_task(SEND_LETTER_TASK, args=(takedown_id,))
    except Exception as exc:
        logger.warning(
            "letters: broker unavailable, the sweep will send the letter",
            extra={"takedown_id": takedown_id, "error": type(exc).__name__},
        )


@transaction.atomic
def do_send_letter(
    *, actor: User, case: Case, takedown: TakedownRequest, subject: str, body: str, version: int, recipient: str = ""
) -> TakedownRequest:
    """E-mail: saves the letter as on the page, fixes it as the copy to send, and queues it for a
    worker. `recipient` is used only when the platform has no e-mail address of its own."""
    case, takedown = _lock_draft(actor, case, takedown, version)
    platform = takedown.platform
    if platform.channel != RequestChannel.EMAIL:
        raise ActionError(_("This platform takes requests through its own form, not by e-mail."), field="channel")
    centre = Centre.objects.get(pk=case.centre_id)
    if not centre.letters_from:
        raise ActionError(
            _("Your centre has no address to send letters from yet; an administrator sets it for the centre."),
            field="channel",
        )
    to = email_address_of(platform.contact) or recipient
    if not to:
        raise ActionError(_("Give the address this letter goes to (the site's abuse contact)."), field="recipient")
    body = as_mailed(body)
    _refuse_reference(case, takedown, subject, body)
    if takedown.token not in subject:
        raise ActionError(
            _("Keep the request's token %(token)s in the subject: replies are matched by it.")
            % {"token": takedown.token},
            field="subject",
        )
    takedown.subject = takedown.sent_subject = subject
    takedown.body = takedown.sent_body = body
    takedown.sent_to = to
    takedown.message_id = new_message_id(centre, takedown.token)
    takedown.mail_state = MailState.PENDING
    takedown.mail_due_at = timezone.now()
    takedown.mail_attempts = 0
    takedown.mail_error = ""
    takedown.mail_claim = None
    takedown.mail_claimed_at = None
    takedown.version += 1
    takedown.save(
        update_fields=[
            "subject",
            "body",
            "sent_subject",
            "sent_body",
            "sent_to",
            "message_id",
            "mail_state",
            "mail_due_at",
            "mail_attempts",
            "mail_error",
            "mail_claim",
            "mail_claimed_at",
            "version",
        ]
    )
    record_event(
        case,
        actor=actor,
        kind=EventKind.LETTER_QUEUED,
        old={},
        new={"takedown": takedown.pk, "platform": platform.name},
    )
    # robust: the letter is committed either way; a broker that refuses it now is the sweep's to cover.
    transaction.on_commit(functools.partial(_publish, takedown.pk), robust=True)
    return takedown


@transaction.atomic
def do_confirm_submitted(
    *,
    actor: User,
    case: Case,
    takedown: TakedownRequest,
    subject: str,
    body: str,
    version: int,
    ticket_number: str = "",
) -> TakedownRequest:
    """Web form (or API): the counsellor pasted the letter into the platform's own form and says she
    submitted it; the letter as on the page is saved and recorded as sent, with the deadline."""
    case, takedown = _lock_draft(actor, case, takedown, version)
    platform = takedown.platform
    if platform.channel == RequestChannel.EMAIL:
        raise ActionError(_("This platform takes requests by e-mail: send the letter from here."), field="channel")
    body = normalise_body(body)
    _refuse_reference(case, takedown, subject, body)
    takedown.subject = takedown.sent_subject = subject
    takedown.body = takedown.sent_body = body
    takedown.sent_to = platform.contact
    fields = ["subject", "body", "sent_subject", "sent_body", "sent_to", "status", "version"]
    fields += record_sent(takedown, case, channel=platform.channel, now=timezone.now())
    if ticket_number:
        takedown.ticket_number = ticket_number
        fields.append("ticket_number")
    takedown.status = TakedownStatus.SENT
    takedown.version += 1
    takedown.save(update_fields=fields)
    record_event(
        case,
        actor=actor,
        kind=EventKind.TAKEDOWN_CHANGED,
        old={"takedown": takedown.pk, "status": TakedownStatus.DRAFT},
        new={"takedown": takedown.pk, "status": TakedownStatus.SENT},
    )
    return takedown


# --- The worker e-mails ---------------------------------------------------------------------------


def _claim(takedown_id: int, token: uuid.UUID, now: datetime) -> bool:
    """Takes a due letter for this worker: a conditional update that only one worker can win."""
    return bool(
        TakedownRequest.objects.filter(
            pk=takedown_id,
            status=TakedownStatus.DRAFT,
            mail_state=MailState.PENDING,
            mail_due_at__lte=now,
            mail_claim__isnull=True,
        ).update(mail_state=MailState.SENDING, mail_claim=token, mail_claimed_at=now)
    )


def _case_of(takedown: TakedownRequest) -> Case:
    # No victim detail is needed to send a letter: none is loaded or decrypted.
    return Case.objects.only("id", "status", "centre", "assigned_to").get(pk=takedown.case_id)


def _give_up(takedown: TakedownRequest, code: str, attempt: LetterAttempt) -> None:
    """After the last attempt: the request stays a draft, its letter editable, and its counsellor is told."""
    case = _case_of(takedown)
    record_event(case, actor=None, kind=EventKind.LETTER_FAILED, old={}, new={"takedown": takedown.pk, "error": code})
    reminders.letter_failed(takedown, case, attempt_id=attempt.pk)


def _record_failure(
    takedown: TakedownRequest, token: uuid.UUID, started_at: datetime, code: str, *, permanent: bool
) -> timedelta | None:
    attempts = takedown.mail_attempts + 1
    final = permanent or attempts >= max_attempts()
    with transaction.atomic():
        now = timezone.now()
        changes: dict[str, object] = {
            "mail_attempts": attempts,
            "mail_error": code,
            "mail_claim": None,
            "mail_claimed_at": None,
        }
        if final:
            # Nothing left: no copy is kept "as sent", and the draft's letter can be changed again.
            changes.update(mail_state=MailState.FAILED, mail_due_at=None, sent_subject="", sent_body="")
        else:
            changes.update(mail_state=MailState.PENDING, mail_due_at=now + backoff(attempts))
        ours = TakedownRequest.objects.filter(pk=takedown.pk, mail_claim=token).update(**changes)
        attempt = LetterAttempt.objects.create(
            takedown_id=takedown.pk, outcome=LetterOutcome.FAILED, error=code, started_at=started_at, finished_at=now
        )
        if final and ours:
            _give_up(takedown, code, attempt)
    logger.warning(
        "letters: e-mail failed",
        extra={"takedown_id": takedown.pk, "error": code, "attempts": attempts, "final": final},
    )
    return None if final else backoff(attempts)


def _record_sent(takedown_id: int, token: uuid.UUID, started_at: datetime) -> None:
    with transaction.atomic():
        now = timezone.now()
        # Ours while we hold the claim; also if the sweep took it back but no other worker holds it
        # yet (the message queued for it then finds nothing to claim).
        still_ours = Q(mail_claim=token) | Q(mail_claim__isnull=True, mail_state=MailState.PENDING)
        takedown = (
            TakedownRequest.objects.select_for_update()
            .select_related("platform")
            .filter(still_ours, pk=takedown_id, status=TakedownStatus.DRAFT)
            .first()
        )
        LetterAttempt.objects.create(
            takedown_id=takedown_id, outcome=LetterOutcome.SENT, started_at=started_at, finished_at=now
        )
        if takedown is None:
            # The at-least-once window of the module docstring: this send outlived the claim timeout.
            logger.warning("letters: sent after losing the claim", extra={"takedown_id": takedown_id})
            return
        case = _case_of(takedown)
        fields = record_sent(takedown, case, channel=RequestChannel.EMAIL, now=now)
        takedown.status = TakedownStatus.SENT
        takedown.mail_state = MailState.SENT
        takedown.mail_attempts += 1
        takedown.mail_error = ""
        takedown.mail_due_at = takedown.mail_claim = takedown.mail_claimed_at = None
        takedown.version += 1
        takedown.save(
            update_fields=[
                *fields,
                "status",
                "mail_state",
                "mail_attempts",
                "mail_error",
                "mail_due_at",
                "mail_claim",
                "mail_claimed_at",
                "version",
            ]
        )
        record_event(
            case,
            actor=None,
            kind=EventKind.TAKEDOWN_CHANGED,
            old={"takedown": takedown.pk, "status": TakedownStatus.DRAFT},
            new={"takedown": takedown.pk, "status": TakedownStatus.SENT},
        )


def _smtp_failure(exc: Exception) -> tuple[str, bool]:
    """A short code for an SMTP failure and whether it is permanent. Never the server's text: it can
    echo an address or part of the letter."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _text in exc.recipients.values()]
        return "smtp_recipient_refused", bool(codes) and all(code >= 500 for code in codes)
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"smtp_{exc.smtp_code}", exc.smtp_code >= 500
    if isinstance(exc, smtplib.SMTPException):
        return f"smtp_{type(exc).__name__}", False
    if isinstance(exc, OSError):
        return f"smtp_unreachable_{type(exc).__name__}", False
    return f"error_{type(exc).__name__}", False


def deliver_letter(takedown_id: int) -> timedelta | None:
    """Claims a due letter, e-mails the copy kept as sent and records the attempt.

    Returns how long to wait before the next try after a failure that may pass; None once the letter
    was sent, was given up, or was not this worker's to send (another took it, or it is not due).
    """
    token = uuid.uuid4()
    started_at = timezone.now()
    if not _claim(takedown_id, token, started_at):
        # Another worker has it, it was sent or given up, or its retry is not due yet: sending now
        # would send twice, or early.
        return None
    takedown = TakedownRequest.objects.get(pk=takedown_id)
    centre = Centre.objects.get(pk=takedown.centre_id)
    if not _case_of(takedown).is_open:
        return _record_failure(takedown, token, started_at, "case_closed", permanent=True)
    if not centre.letters_from:
        return _record_failure(takedown, token, started_at, "no_sending_address", permanent=True)
    try:
        letter_email(takedown, centre).send(using=DEFAULT_MAILER_ALIAS)
    except Exception as exc:
        code, permanent = _smtp_failure(exc)
        return _record_failure(takedown, token, started_at, code, permanent=permanent)
    _record_sent(takedown_id, token, started_at)
    return None


def _take_back_lost(now: datetime) -> int:
    """Letters a worker claimed and never finished (it died): an attempt each, tried again at once."""
    with transaction.atomic():
        lost = list(
            TakedownRequest.objects.select_for_update(skip_locked=True)
            .filter(mail_state=MailState.SENDING, mail_claimed_at__lt=now - CLAIM_TIMEOUT)
            .only("id", "case_id", "mail_attempts", "mail_claimed_at")[:100]
        )
        for takedown in lost:
            attempts = takedown.mail_attempts + 1
            final = attempts >= max_attempts()
            TakedownRequest.objects.filter(pk=takedown.pk, mail_state=MailState.SENDING).update(
                mail_state=MailState.FAILED if final else MailState.PENDING,
                mail_due_at=None if final else now,
                mail_attempts=F("mail_attempts") + 1,
                mail_error=WORKER_LOST,
                mail_claim=None,
                mail_claimed_at=None,
            )
            attempt = LetterAttempt.objects.create(
                takedown_id=takedown.pk,
                outcome=LetterOutcome.LOST,
                error=WORKER_LOST,
                started_at=takedown.mail_claimed_at or now,
                finished_at=now,
            )
            if final:
                _give_up(takedown, WORKER_LOST, attempt)
    if lost:
        logger.warning("letters: taken back from a lost worker", extra={"count": len(lost)})
    return len(lost)


def queue_due_letters(*, now: datetime | None = None) -> list[int]:
    """Run every minute by beat: takes back letters of lost workers and hands every due letter to a
    worker. A letter handed out twice is sent once: only one worker's claim succeeds."""
    now = now or timezone.now()
    _take_back_lost(now)
    due = list(
        TakedownRequest.objects.filter(mail_state=MailState.PENDING, mail_due_at__lte=now)
        .order_by("mail_due_at")
        .values_list("pk", flat=True)[:500]
    )
    handed_out = []
    try:
        for pk in due:
            # Expires before the next sweep, so messages do not pile up while workers are down.
            celery_app.send_task(SEND_LETTER_TASK, args=(pk,), expires=50)
            handed_out.append(pk)
    except Exception as exc:
        logger.warning(
            "letters: broker unavailable, letters left for the next sweep", extra={"error": type(exc).__name__}
        )
    return handed_out
