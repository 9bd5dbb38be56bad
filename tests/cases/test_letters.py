"""Letters go out exactly as recorded: sent from the page in one step, e-mailed through a real SMTP
server from the centre's address with the request's token, retried, and never sent twice."""

from __future__ import annotations

import functools
import re
from datetime import timedelta
from email.utils import parseaddr

import pytest
from celery.exceptions import Retry
from django.test import Client
from django.utils import timezone

from accounts.models import Centre, User
from cases.actions import letters
from cases.actions.sightings import do_add_sightings
from cases.actions.takedowns import do_draft_takedowns
from cases.models import Case, CaseEvent, LetterAttempt, TakedownRequest
from cases.tasks import send_due_letters, send_letter
from notifications.models import Notification
from tests.smtp import SmtpServer, free_port

pytestmark = pytest.mark.django_db

# What a counsellor might type: Korean, a line that starts with "From ", a lone dot (SMTP's end of
# data), trailing spaces, a tab, and a line longer than SMTP allows (998), which forces an encoding.
EDITED_BODY = (
    "Telegram 담당자께,\r\n\r\n"
    "아래 주소의 게시물을 지체 없이 삭제해 주십시오.\r\n"
    "https://t.me/leak_room/12\r\n"
    "From the centre, with thanks.  \r\n"
    ".\r\n"
    "\tindented line\r\n" + "긴줄" * 600 + "\r\n"
    "끝"
)


@pytest.fixture
def letters_centre(centre: Centre) -> Centre:
    centre.letters_from = "letters@seoul-centre.test"
    centre.inbound_address = "replies@seoul-centre.test"
    centre.save()
    return centre


@pytest.fixture
def drafts(alice: User, alices_case: Case, letters_centre: Centre, platforms: None) -> dict[str, TakedownRequest]:
    """Alice's drafts by platform: Telegram (e-mail), X (web form) and an unknown site (e-mail, no address)."""
    do_add_sightings(
        actor=alice,
        case=alices_case,
        lines=["https://t.me/leak_room/12", "https://x.com/u/status/5", "https://leak.example/p/1"],
    )
    return {t.platform.name: t for t in do_draft_takedowns(actor=alice, case=alices_case)}


@pytest.fixture
def telegram(drafts: dict[str, TakedownRequest]) -> TakedownRequest:
    return drafts["Telegram"]


def _send(client: Client, takedown: TakedownRequest, **changes: str):
    data = {"do": "send", "subject": takedown.subject, "body": takedown.body, "version": takedown.version}
    data.update(changes)
    return client.post(f"/takedowns/{takedown.pk}/", data, headers={"accept-language": "en"})


def _queue(client: Client, takedown: TakedownRequest, **changes: str) -> TakedownRequest:
    assert _send(client, takedown, **changes).status_code == 302
    takedown.refresh_from_db()
    assert takedown.mail_state == "pending"
    return takedown


# --- Sending from the page -------------------------------------------------------------------------


def test_it_saves_and_sends_the_letter_in_one_step(
    client_as, alice: User, telegram: TakedownRequest, django_capture_on_commit_callbacks
) -> None:
    subject = f"Removal request ({telegram.token})"
    with django_capture_on_commit_callbacks() as callbacks:
        response = _send(client_as(alice), telegram, subject=subject, body=EDITED_BODY)
    assert response.status_code == 302
    telegram.refresh_from_db()
    # Saved and fixed at once: the draft's letter is the one kept as sent, with the browser's CRLF as
    # LF and the one final line end that every e-mailed text has.
    expected = EDITED_BODY.replace("\r\n", "\n") + "\n"
    assert (telegram.subject, telegram.body) == (subject, expected)
    assert (telegram.sent_subject, telegram.sent_body) == (subject, expected)
    assert telegram.sent_to == "abuse@telegram.org"
    assert re.fullmatch(rf"<{telegram.token.lower()}\.[0-9a-f]{{16}}@seoul-centre\.test>", telegram.message_id)
    # Still a draft: "sent" is recorded only once the mail server took the letter.
    assert (telegram.status, telegram.mail_state, telegram.version) == ("draft", "pending", 2)
    assert telegram.sent_at is None
    assert CaseEvent.objects.filter(case=telegram.case, kind="letter_queued", actor=alice).count() == 1
    # Handed to a worker only after the commit, by id.
    assert len(callbacks) == 1
    assert isinstance(callbacks[0], functools.partial)
    assert (callbacks[0].func, callbacks[0].args) == (letters._publish, (telegram.pk,))


def test_it_emails_from_the_centre_exactly_what_it_records(
    client_as, alice: User, alices_case: Case, telegram: TakedownRequest, smtp: SmtpServer
) -> None:
    subject = f"[삭제 요청] 2건 (요청 번호 {telegram.token})"
    _queue(client_as(alice), telegram, subject=subject, body=EDITED_BODY)
    assert letters.deliver_letter(telegram.pk) is None
    telegram.refresh_from_db()

    [received] = smtp.received
    message = received.message
    assert received.mail_from == "letters@seoul-centre.test"
    assert received.rcpt_tos == ["abuse@telegram.org"]
    assert parseaddr(str(message["From"]))[1] == "letters@seoul-centre.test"
    assert parseaddr(str(message["To"]))[1] == "abuse@telegram.org"
    assert parseaddr(str(message["Reply-To"]))[1] == "replies@seoul-centre.test"
    assert message["Message-ID"] == telegram.message_id
    assert str(message["Subject"]) == telegram.sent_subject == subject
    assert telegram.token in str(message["Subject"])
    # Byte for byte: what arrived is what is recorded as sent.
    assert received.body_bytes() == telegram.sent_body.encode()
    # Nothing of the victim, and not her reference, anywhere in what left (headers decoded too).
    everything = received.raw.decode("utf-8", "replace") + message.as_string() + received.body_bytes().decode()
    for secret in ("김민지", "010-1234-5678", "01012345678", "minji@example.kr", alices_case.reference):
        assert secret not in everything
    assert alices_case.display_reference not in everything

    assert (telegram.status, telegram.channel, telegram.mail_state, telegram.mail_attempts) == (
        "sent",
        "email",
        "sent",
        1,
    )
    assert telegram.sent_at is not None and telegram.deadline_at == telegram.sent_at + timedelta(hours=24)
    assert list(LetterAttempt.objects.filter(takedown=telegram).values_list("outcome", flat=True)) == ["sent"]
    # The system records the send; the deadline reminder is armed.
    assert CaseEvent.objects.filter(case=alices_case, kind="takedown_changed", actor=None).count() == 1
    assert Notification.objects.filter(template_key="takedown.deadline_passed", recipient=alice).exists()


def test_it_never_sends_a_letter_twice(client_as, alice: User, telegram: TakedownRequest, smtp: SmtpServer) -> None:
    _queue(client_as(alice), telegram)
    assert letters.deliver_letter(telegram.pk) is None
    # A second message for the same letter (a broker redelivery, the sweep): nothing to claim.
    assert letters.deliver_letter(telegram.pk) is None
    send_letter(telegram.pk)
    assert len(smtp.received) == 1
    assert LetterAttempt.objects.filter(takedown=telegram).count() == 1


def test_it_retries_later_when_the_mail_server_is_down(
    client_as, alice: User, telegram: TakedownRequest, settings
) -> None:
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": free_port(), "timeout": 2},
        }
    }
    _queue(client_as(alice), telegram)
    before = timezone.now()
    assert letters.deliver_letter(telegram.pk) == timedelta(minutes=2)
    telegram.refresh_from_db()
    # Nothing is marked sent; the row says when to try again.
    assert (telegram.status, telegram.mail_state, telegram.mail_attempts) == ("draft", "pending", 1)
    assert telegram.sent_at is None and telegram.deadline_at is None
    assert telegram.mail_error == "smtp_unreachable_ConnectionRefusedError"
    assert telegram.mail_due_at is not None and telegram.mail_due_at >= before + timedelta(minutes=2)
    [attempt] = LetterAttempt.objects.filter(takedown=telegram)
    assert (attempt.outcome, attempt.error) == ("failed", "smtp_unreachable_ConnectionRefusedError")
    # Not due yet: an early message for it sends nothing and counts no attempt.
    assert letters.deliver_letter(telegram.pk) is None
    assert LetterAttempt.objects.filter(takedown=telegram).count() == 1
    # The task hands the wait to Celery as a retry.
    TakedownRequest.objects.filter(pk=telegram.pk).update(mail_due_at=timezone.now())
    with pytest.raises(Retry):
        send_letter(telegram.pk)
    telegram.refresh_from_db()
    assert (telegram.mail_attempts, telegram.mail_due_at > timezone.now() + timedelta(minutes=3)) == (2, True)


def test_it_retries_when_the_server_says_try_later_and_then_sends_once(
    client_as, alice: User, telegram: TakedownRequest, smtp: SmtpServer
) -> None:
    _queue(client_as(alice), telegram)
    smtp.recorder.refuse_rcpt = "451 4.3.0 Try again later"
    assert letters.deliver_letter(telegram.pk) == timedelta(minutes=2)
    smtp.recorder.refuse_rcpt = None
    smtp.recorder.refuse_data = "452 4.3.1 Insufficient system storage"
    TakedownRequest.objects.filter(pk=telegram.pk).update(mail_due_at=timezone.now())
    assert letters.deliver_letter(telegram.pk) == timedelta(minutes=4)
    telegram.refresh_from_db()
    assert (telegram.status, telegram.mail_state, telegram.mail_error) == ("draft", "pending", "smtp_452")
    assert smtp.received == []

    smtp.recorder.refuse_data = None
    TakedownRequest.objects.filter(pk=telegram.pk).update(mail_due_at=timezone.now())
    assert letters.deliver_letter(telegram.pk) is None
    assert letters.deliver_letter(telegram.pk) is None
    telegram.refresh_from_db()
    assert (telegram.status, telegram.mail_state, telegram.mail_attempts) == ("sent", "sent", 3)
    assert len(smtp.received) == 1
    assert list(LetterAttempt.objects.filter(takedown=telegram).order_by("pk").values_list("outcome", "error")) == [
        ("failed", "smtp_recipient_refused"),
        ("failed", "smtp_452"),
        ("sent", ""),
    ]


def test_it_gives_up_on_a_refusal_and_tells_the_counsellor(
    client_as, alice: User, telegram: TakedownRequest, smtp: SmtpServer
) -> None:
    _queue(client_as(alice), telegram)
    smtp.recorder.refuse_rcpt = "550 5.1.1 No such user here"
    assert letters.deliver_letter(telegram.pk) is None
    telegram.refresh_from_db()
    assert (telegram.status, telegram.mail_state, telegram.mail_error) == ("draft", "failed", "smtp_recipient_refused")
    # Nothing left, so nothing is kept as sent, and the letter can be corrected and sent again.
    assert (telegram.sent_subject, telegram.sent_body) == ("", "")
    assert CaseEvent.objects.filter(case=telegram.case, kind="letter_failed").count() == 1
    assert Notification.objects.filter(
        recipient=alice, template_key="takedown.letter_failed", params__takedown_id=telegram.pk
    ).exists()
    page = client_as(alice).get(f"/takedowns/{telegram.pk}/", headers={"accept-language": "en"}).content.decode()
    assert "could not be e-mailed after 1 attempt" in page and 'id="send-letter"' in page
    timeline = client_as(alice).get(f"/cases/{telegram.case_id}/", headers={"accept-language": "en"}).content.decode()
    assert "Telegram letter on its way by e-mail" in timeline
    assert "Telegram letter could not be e-mailed (smtp_recipient_refused)" in timeline

    smtp.recorder.refuse_rcpt = None
    _queue(client_as(alice), telegram)
    assert letters.deliver_letter(telegram.pk) is None
    assert len(smtp.received) == 1


def test_it_gives_up_after_the_last_attempt(
    client_as, alice: User, telegram: TakedownRequest, smtp: SmtpServer, settings
) -> None:
    settings.LETTER_MAX_ATTEMPTS = 2
    smtp.recorder.refuse_rcpt = "421 4.7.0 Too busy"
    _queue(client_as(alice), telegram)
    assert letters.deliver_letter(telegram.pk) == timedelta(minutes=2)
    TakedownRequest.objects.filter(pk=telegram.pk).update(mail_due_at=timezone.now())
    assert letters.deliver_letter(telegram.pk) is None
    telegram.refresh_from_db()
    assert (telegram.mail_state, telegram.mail_attempts) == ("failed", 2)
    assert Notification.objects.filter(recipient=alice, template_key="takedown.letter_failed").count() == 1


def test_the_sweep_hands_out_due_letters_and_takes_back_a_lost_worker(
    client_as, alice: User, drafts: dict[str, TakedownRequest]
) -> None:
    client = client_as(alice)
    due = _queue(client, drafts["Telegram"])
    lost = _queue(client, drafts["Unknown site / 기타 사이트"], recipient="abuse@leak.example")
    now = timezone.now()
    # A worker claimed this one eleven minutes ago and never finished.
    TakedownRequest.objects.filter(pk=lost.pk).update(mail_state="sending", mail_claimed_at=now - timedelta(minutes=11))
    handed_out = letters.queue_due_letters(now=now)
    assert sorted(handed_out) == sorted([due.pk, lost.pk])
    lost.refresh_from_db()
    assert (lost.mail_state, lost.mail_attempts, lost.mail_error) == ("pending", 1, "worker_lost")
    assert LetterAttempt.objects.get(takedown=lost).outcome == "lost"
    # A retry not due yet is left alone.
    TakedownRequest.objects.filter(pk=due.pk).update(mail_due_at=now + timedelta(minutes=5))
    assert send_due_letters() == 1


def test_it_sends_to_the_address_given_for_a_site_without_one(
    client_as, alice: User, drafts: dict[str, TakedownRequest], smtp: SmtpServer
) -> None:
    unknown = drafts["Unknown site / 기타 사이트"]
    client = client_as(alice)
    missing = _send(client, unknown)
    assert missing.status_code == 400
    assert "Give the address this letter goes to" in missing.content.decode()
    _queue(client, unknown, recipient="abuse@leak.example")
    letters.deliver_letter(unknown.pk)
    assert smtp.received[0].rcpt_tos == ["abuse@leak.example"]


def test_it_refuses_a_letter_that_quotes_the_case_reference(
    client_as, alice: User, alices_case: Case, telegram: TakedownRequest, django_capture_on_commit_callbacks
) -> None:
    client = client_as(alice)
    body = f"Please quote {alices_case.display_reference.lower()} in your answer."
    with django_capture_on_commit_callbacks() as callbacks:
        response = _send(client, telegram, body=body)
        no_token = _send(client, telegram, subject="Removal request")
    assert response.status_code == 400
    page = response.content.decode()
    assert "case reference" in page and telegram.token in page
    assert body in page  # the letter stays as typed
    assert no_token.status_code == 400 and "Keep the request&#x27;s token" in no_token.content.decode()
    telegram.refresh_from_db()
    assert (telegram.mail_state, telegram.version) == ("", 1)
    assert callbacks == []


def test_it_sends_nothing_without_the_centres_address(
    client_as, alice: User, telegram: TakedownRequest, letters_centre: Centre
) -> None:
    letters_centre.letters_from = ""
    letters_centre.save()
    client = client_as(alice)
    page = client.get(f"/takedowns/{telegram.pk}/", headers={"accept-language": "en"}).content.decode()
    assert "Not set: an administrator sets the centre" in page
    response = _send(client, telegram)
    assert response.status_code == 302
    telegram.refresh_from_db()
    assert telegram.mail_state == "" and telegram.status == "draft"


def test_it_lets_only_those_who_may_write_the_case_send(
    client_as, bob: User, carol: User, dave: User, erin: User, telegram: TakedownRequest
) -> None:
    for user, status in [(bob, 404), (dave, 404), (erin, 403)]:
        assert _send(client_as(user), telegram).status_code == status
    telegram.refresh_from_db()
    assert telegram.mail_state == ""
    _queue(client_as(carol), telegram)  # the supervisor may


def test_it_keeps_a_letter_on_its_way_unchanged(client_as, api_as, alice: User, telegram: TakedownRequest) -> None:
    _queue(client_as(alice), telegram)
    saved = client_as(alice).post(
        f"/takedowns/{telegram.pk}/", {"do": "save", "subject": "x", "body": "y", "version": 2}
    )
    assert saved.status_code == 302
    api = api_as(alice)
    assert (
        api.patch(f"/api/v1/takedowns/{telegram.pk}/", {"subject": "x", "body": "y", "version": 2}, format="json")
    ).status_code == 400
    marked = api.post(f"/api/v1/takedowns/{telegram.pk}/transition/", {"status": "sent", "version": 2}, format="json")
    assert marked.status_code == 400
    telegram.refresh_from_db()
    assert (telegram.subject, telegram.status, telegram.version) == (telegram.sent_subject, "draft", 2)
    page = client_as(alice).get(f"/takedowns/{telegram.pk}/", headers={"accept-language": "en"}).content.decode()
    assert "Letter being e-mailed" in page and 'id="letter-form"' not in page


def test_it_drafts_new_places_apart_from_a_letter_on_its_way(
    client_as, alice: User, alices_case: Case, telegram: TakedownRequest
) -> None:
    _queue(client_as(alice), telegram)
    do_add_sightings(actor=alice, case=alices_case, lines=["https://t.me/leak_room/99"])
    [fresh] = do_draft_takedowns(actor=alice, case=alices_case)
    assert fresh.pk != telegram.pk
    telegram.refresh_from_db()
    assert telegram.items.count() == 1


# --- Web forms -------------------------------------------------------------------------------------


def test_it_shows_a_web_form_as_a_link_with_copy_buttons(client_as, alice: User, drafts) -> None:
    x = drafts["X (Twitter)"]
    page = client_as(alice).get(f"/takedowns/{x.pk}/", headers={"accept-language": "en"}).content.decode()
    assert '<a href="https://help.x.com/forms" target="_blank" rel="noreferrer noopener"' in page
    assert 'data-copy="id_subject"' in page and 'data-copy="id_body"' in page
    assert 'id="confirm-submitted"' in page and 'id="send-letter"' not in page
    assert '<script src="/static/caseflow/staff.js" defer></script>' in page
    assert '<form method="post" novalidate id="letter-form" data-unsaved-warning>' in page


def test_it_records_a_submitted_web_form_as_sent(
    client_as, alice: User, drafts, django_capture_on_commit_callbacks
) -> None:
    x = drafts["X (Twitter)"]
    with django_capture_on_commit_callbacks() as callbacks:
        response = client_as(alice).post(
            f"/takedowns/{x.pk}/",
            {
                "do": "submitted",
                "subject": f"Report {x.token}",
                "body": "Pasted\r\ninto the form",
                "version": 1,
                "ticket_number": "X-123",
            },
        )
    assert response.status_code == 302
    x.refresh_from_db()
    assert (x.status, x.channel, x.ticket_number) == ("sent", "web_form", "X-123")
    assert (x.sent_subject, x.sent_body, x.sent_to) == (
        f"Report {x.token}",
        "Pasted\ninto the form",
        x.platform.contact,
    )
    assert x.deadline_at == x.sent_at + timedelta(hours=48)
    assert x.mail_state == "" and not LetterAttempt.objects.exists() and callbacks == []


def test_it_does_not_email_a_web_form_platform(client_as, alice: User, drafts) -> None:
    x = drafts["X (Twitter)"]
    assert _send(client_as(alice), x).status_code == 302
    x.refresh_from_db()
    assert (x.status, x.mail_state) == ("draft", "")


# --- Templates and the centre ---------------------------------------------------------------------


def test_the_seeded_templates_quote_the_token_and_never_the_reference(platforms: None) -> None:
    import importlib

    from cases.models import LetterTemplate

    migration = importlib.import_module("cases.migrations.0011_letters_quote_the_request_token")
    seed = importlib.import_module("cases.migrations.0003_seed_platforms_and_letters")
    for template in LetterTemplate.objects.all():
        assert "$reference" not in template.subject + template.body
        assert "$token" in template.subject and "$token" in template.body
    korean = LetterTemplate.objects.get(platform=None, language="ko")
    assert "요청 번호($token)를" in korean.body
    for subject, body, _basis in seed.LETTERS.values():
        assert migration.to_reference(migration.to_token(body)) == body
        assert migration.to_reference(migration.to_token(subject)) == subject
    assert migration.to_token("ref ${reference}, $$reference") == "ref $token, $$reference"


def test_the_portal_shows_the_centres_phone(alice: User, alices_case: Case, centre: Centre) -> None:
    from cases.actions.portal import do_issue_portal_access

    centre.phone = "02-735-8994"
    centre.save()
    issued = do_issue_portal_access(actor=alice, case=alices_case)
    client = Client()
    client.post("/portal/", {"reference": issued.reference, "passphrase": issued.passphrase})
    page = client.get("/portal/case/").content.decode()
    assert '<a href="tel:02-735-8994">02-735-8994</a>' in page
