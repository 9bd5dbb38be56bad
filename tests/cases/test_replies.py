"""Platforms' replies, end to end over SMTP: a letter e-mailed through Django's SMTP backend to a real
server, the platform's answer sent with smtplib to caseflow's own inbound SMTP server (aiosmtpd, on a
free local port), matched, stored encrypted, shown on the request and confirmed by the counsellor.

The inbound server stores from threads of its own (as in production, another connection), so these
tests commit (transaction=True) instead of running inside one rolled-back transaction.
"""

from __future__ import annotations

import smtplib
from collections.abc import Iterator
from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from django.db import connection

from accounts.models import Centre, User
from cases.actions import letters
from cases.actions.sightings import do_add_sightings
from cases.actions.takedowns import do_draft_takedowns
from cases.crypto import CASE_KEY_PREFIX
from cases.inbound import controller
from cases.models import AccessAction, AccessLog, Case, Platform, PlatformReply, TakedownRequest
from tests.cases.conftest import open_case
from tests.smtp import SmtpServer, free_port

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("platforms")]

INBOUND = "replies@seoul-centre.test"


@pytest.fixture
def inbound() -> Iterator[tuple[str, int]]:
    """caseflow's inbound SMTP server, as `manage.py run_inbound_smtp` runs it, on a free local port."""
    server = controller("127.0.0.1", free_port())
    server.start()
    try:
        yield "127.0.0.1", server.port
    finally:
        server.stop()


@pytest.fixture
def sent(alice: User, client_as, smtp: SmtpServer) -> TakedownRequest:
    """Alice's Telegram request, e-mailed (Django's SMTP backend to a real server) and recorded as sent."""
    Centre.objects.filter(pk=alice.centre_id).update(letters_from="letters@seoul-centre.test", inbound_address=INBOUND)
    case: Case = open_case(alice)
    do_add_sightings(actor=alice, case=case, lines=["https://t.me/leak_room/12"])
    [draft] = do_draft_takedowns(actor=alice, case=case)
    client_as(alice).post(
        f"/takedowns/{draft.pk}/",
        {"do": "send", "subject": draft.subject, "body": draft.body, "version": draft.version},
    )
    assert letters.deliver_letter(draft.pk) is None
    takedown = TakedownRequest.objects.get(pk=draft.pk)
    assert takedown.status == "sent"
    letter = smtp.received[0].message
    assert letter["Reply-To"] == INBOUND and takedown.token in letter["Subject"]
    return takedown


def reply_to(
    takedown: TakedownRequest,
    *,
    sender: str = "abuse@telegram.org",
    subject: str | None = None,
    in_reply_to: bool = True,
    text: str = "Hello,\n\nWe have received your report. Your ticket number is TG-48213.\n\nTelegram Abuse\n",
) -> EmailMessage:
    """The platform's answer as its mail client would write it: Re: subject, threading headers, the letter quoted."""
    message = EmailMessage()
    message["From"] = f"Telegram Abuse <{sender}>"
    message["To"] = INBOUND
    message["Subject"] = subject if subject is not None else f"Re: {takedown.sent_subject}"
    message["Message-ID"] = make_msgid(domain="telegram.org")
    if in_reply_to:
        message["In-Reply-To"] = takedown.message_id
        message["References"] = takedown.message_id
    quoted = "\n".join(f"> {line}" for line in takedown.sent_body.splitlines())
    message.set_content(f"{text}\nOn Monday, caseflow wrote:\n{quoted}\n")
    return message


def _stored(reply_id: int) -> tuple:
    """The reply's case and its sender, subject and text as the database holds them."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT case_id, from_address, subject, text FROM cases_platformreply WHERE id = %s", [reply_id])
        return cursor.fetchone()


def send(server: tuple[str, int], message: EmailMessage | bytes, *, to: str = INBOUND) -> None:
    with smtplib.SMTP(*server, timeout=10) as client:
        if isinstance(message, bytes):
            client.sendmail("abuse@telegram.org", [to], message)
        else:
            client.send_message(message, to_addrs=[to])


def test_it_matches_a_reply_by_its_token_and_applies_it_after_one_click(
    inbound, sent: TakedownRequest, alice: User, client_as
) -> None:
    send(inbound, reply_to(sent))
    reply = PlatformReply.objects.get()
    assert (reply.takedown_id, reply.status, reply.suggested_status, reply.ticket_number) == (
        sent.pk,
        "matched",
        "acknowledged",
        "TG-48213",
    )
    # Encrypted at rest: the database holds neither the text nor the sender.
    with connection.cursor() as cursor:
        cursor.execute("SELECT text, from_address, subject FROM cases_platformreply WHERE id = %s", [reply.pk])
        stored = " ".join(cursor.fetchone())
    assert "received your report" not in stored and "telegram.org" not in stored and sent.token not in stored
    # Nothing changed yet: the counsellor confirms.
    assert TakedownRequest.objects.get(pk=sent.pk).status == "sent"
    browser = client_as(alice)
    page = browser.get(f"/takedowns/{sent.pk}/", headers={"accept-language": "en"}).content.decode()
    assert "We have received your report" in page and f'id="confirm-reply-{reply.pk}"' in page
    done = browser.post(f"/replies/{reply.pk}/", {"do": "confirm", "status": "acknowledged", "version": sent.version})
    assert done.status_code == 302
    takedown = TakedownRequest.objects.get(pk=sent.pk)
    assert (takedown.status, takedown.ticket_number) == ("acknowledged", "TG-48213")
    assert PlatformReply.objects.get().status == "applied"
    # Confirmed once: a second click changes nothing.
    again = browser.post(f"/replies/{reply.pk}/", {"do": "confirm", "status": "acknowledged", "version": 99})
    assert again.status_code == 302 and TakedownRequest.objects.get(pk=sent.pk).version == takedown.version


def test_it_matches_by_in_reply_to_when_the_subject_lost_the_token(inbound, sent: TakedownRequest) -> None:
    send(inbound, reply_to(sent, subject="Re: your request", text="The content has been removed.\n"))
    reply = PlatformReply.objects.get()
    assert (reply.takedown_id, reply.status, reply.suggested_status) == (sent.pk, "matched", "removed")


def test_it_reads_a_refusal_in_korean_and_ignores_the_quoted_letter(inbound, sent: TakedownRequest) -> None:
    send(
        inbound, reply_to(sent, text="요청하신 게시물은 약관 위반이 아니어서 삭제가 어렵습니다. 접수번호: 2026-1182\n")
    )
    reply = PlatformReply.objects.get()
    assert (reply.suggested_status, reply.ticket_number) == ("refused", "2026-1182")


def test_it_uses_the_platforms_own_ticket_pattern(inbound, sent: TakedownRequest) -> None:
    Platform.objects.filter(pk=sent.platform_id).update(ticket_pattern=r"\[TGA-(\d{6})\]")
    send(inbound, reply_to(sent, subject=f"[TGA-004211] Re: {sent.sent_subject}"))
    assert PlatformReply.objects.get().ticket_number == "004211"


def test_it_queues_mail_without_a_token_and_changes_nothing(
    inbound, sent: TakedownRequest, alice: User, carol: User, client_as
) -> None:
    send(inbound, reply_to(sent, subject="A question about your centre", in_reply_to=False))
    reply = PlatformReply.objects.get()
    assert (reply.status, reply.takedown_id, reply.flags) == ("unmatched", None, ["no_token"])
    # Of no case yet: under the master keys (rotate_field_keys re-encrypts it), no case key to use.
    case_id, *stored = _stored(reply.pk)
    assert case_id is None and all(value and not value.startswith(CASE_KEY_PREFIX) for value in stored)
    assert TakedownRequest.objects.get(pk=sent.pk).status == "sent"
    # The supervisor's queue shows it; a counsellor has no queue and cannot open it.
    queue = client_as(carol).get("/replies/")
    assert queue.status_code == 200 and f"/replies/{reply.pk}/" in queue.content.decode()
    assert client_as(alice).get("/replies/").status_code == 403
    assert client_as(alice).get(f"/replies/{reply.pk}/").status_code == 404
    # The supervisor recognises it and attaches it by the request's token (in any letter case).
    attached = client_as(carol).post(f"/replies/{reply.pk}/", {"do": "attach", "token": sent.token.lower()})
    assert attached.status_code == 302
    assert PlatformReply.objects.get().status == "matched"
    assert TakedownRequest.objects.get(pk=sent.pk).status == "sent"
    # Attached, it belongs to the case: sealed again with the case's key, and still reads the same.
    case_id, *stored = _stored(reply.pk)
    assert case_id == sent.case_id and all(value.startswith(CASE_KEY_PREFIX) for value in stored)
    assert PlatformReply.objects.get().subject == "A question about your centre"


@pytest.mark.parametrize(
    ("sender", "flag"),
    [
        ("support@telegram.org.evil.example", "from_domain"),
        ("abuse@evil.example", "from_domain"),
        ("abuse@telegram.org", "unknown_token"),
    ],
)
def test_it_holds_a_forged_reply_in_the_queue(
    inbound, sent: TakedownRequest, alice: User, client_as, sender: str, flag: str
) -> None:
    subject = f"Re: {sent.sent_subject}"
    if flag == "unknown_token":
        subject = "Re: Removal request TD-ZZZZZZZZZZ"
    send(inbound, reply_to(sent, sender=sender, subject=subject, in_reply_to=False, text="Content removed.\n"))
    reply = PlatformReply.objects.get()
    assert (reply.status, reply.flags, reply.suggested_status) == ("suspicious", [flag], "")
    takedown = TakedownRequest.objects.get(pk=sent.pk)
    assert (takedown.status, takedown.version) == ("sent", sent.version)
    # Not on the counsellor's request page, and not confirmable by her.
    page = client_as(alice).get(f"/takedowns/{sent.pk}/").content.decode()
    assert "Content removed" not in page
    confirm = client_as(alice).post(
        f"/replies/{reply.pk}/", {"do": "confirm", "status": "removed", "version": sent.version}
    )
    assert confirm.status_code == 404
    assert TakedownRequest.objects.get(pk=sent.pk).status == "sent"


def test_it_treats_another_centres_token_as_unknown(inbound, sent: TakedownRequest, dave: User) -> None:
    # Dave's centre shares nothing with alice's: its inbound address never matches alice's requests.
    Centre.objects.filter(pk=dave.centre_id).update(inbound_address="replies@busan-centre.test")
    send(inbound, reply_to(sent), to="replies@busan-centre.test")
    reply = PlatformReply.objects.get()
    assert (reply.centre_id, reply.status, reply.takedown_id) == (dave.centre_id, "suspicious", None)


def test_it_refuses_a_message_of_ten_megabytes(inbound, sent: TakedownRequest) -> None:
    big = reply_to(sent)
    big.add_attachment(b"\0" * (10 * 1024 * 1024), maintype="application", subtype="octet-stream", filename="x.bin")
    # smtplib announces the size (SIZE=…), and the server refuses before the data is sent.
    with pytest.raises(smtplib.SMTPSenderRefused) as refused:
        send(inbound, big)
    assert refused.value.smtp_code == 552
    assert not PlatformReply.objects.exists()


def test_it_refuses_a_message_too_big_after_its_data(sent: TakedownRequest, settings) -> None:
    """A sender that does not announce the size is refused once the data passes the limit (a smaller limit
    here, so that a loaded machine sends it in time; the same code path as ten megabytes)."""
    settings.INBOUND_MAX_BYTES = 200_000
    server = controller("127.0.0.1", free_port())
    server.start()
    big = reply_to(sent)
    big.add_attachment(b"\0" * 300_000, maintype="application", subtype="octet-stream", filename="x.bin")
    try:
        with smtplib.SMTP("127.0.0.1", server.port, timeout=60) as client:
            client.ehlo()
            client.mail("abuse@telegram.org")
            client.rcpt(INBOUND)
            # smtplib sends bytes as they are: the lines must already end with CRLF, as on the wire.
            code, _message = client.data(big.as_bytes(policy=big.policy.clone(linesep="\r\n")))
    finally:
        server.stop()
    assert code == 552
    assert not PlatformReply.objects.exists()


def test_it_refuses_recipients_that_are_no_centres_address(inbound, sent: TakedownRequest) -> None:
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        send(inbound, reply_to(sent), to="someone@elsewhere.example")
    assert not PlatformReply.objects.exists()


MALFORMED = [
    # A multipart message whose boundary never appears.
    b"From: abuse@telegram.org\r\nTo: " + INBOUND.encode() + b"\r\nSubject: Re: TD-BROKEN\r\n"
    b'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="nothere"\r\n\r\nno parts at all\r\n',
    # Base64 that is not, in a charset that does not exist, with a header of raw bytes.
    b"From: \xff\xfe@\xc3\r\nTo: " + INBOUND.encode() + b"\r\nSubject: =?x-unknown?B?####?=\r\n"
    b"Content-Type: text/plain; charset=x-unknown\r\nContent-Transfer-Encoding: base64\r\n\r\n@@@not base64@@@\r\n",
    # No blank line between headers and body, and a NUL in the body.
    b"From: abuse@telegram.org\r\nTo: " + INBOUND.encode() + b"\r\nthis is no header\r\nbody\x00with nul\r\n",
]


@pytest.mark.parametrize("raw", MALFORMED, ids=["no-boundary", "bad-encoding", "no-separator"])
def test_it_keeps_malformed_mail_in_the_queue_without_an_error(
    inbound, sent: TakedownRequest, carol: User, client_as, raw: bytes
) -> None:
    send(inbound, raw)
    reply = PlatformReply.objects.get()
    assert reply.status in ("malformed", "unmatched", "suspicious") and reply.in_queue
    assert TakedownRequest.objects.get(pk=sent.pk).status == "sent"
    supervisor = client_as(carol)
    assert supervisor.get("/replies/").status_code == 200
    assert supervisor.get(f"/replies/{reply.pk}/").status_code == 200
    assert supervisor.get(f"/api/v1/replies/{reply.pk}/").status_code == 200


def test_it_marks_a_broken_multipart_message_malformed(inbound, sent: TakedownRequest) -> None:
    send(inbound, MALFORMED[0])
    assert PlatformReply.objects.get().flags == ["malformed"]


def test_it_stores_a_message_delivered_twice_once(inbound, sent: TakedownRequest) -> None:
    message = reply_to(sent)
    send(inbound, message)
    send(inbound, message)
    assert PlatformReply.objects.count() == 1


def test_it_keeps_attachments_only_when_the_counsellor_asked(
    inbound, sent: TakedownRequest, alice: User, dave: User, client_as
) -> None:
    with_file = reply_to(sent)
    with_file.add_attachment(b"%PDF-1.4 receipt", maintype="application", subtype="pdf", filename="receipt.pdf")
    send(inbound, with_file)
    first = PlatformReply.objects.get()
    assert first.attachments == [{"name": "receipt.pdf", "type": "application/pdf", "size": 16}]
    assert not first.kept_attachments.exists()
    browser = client_as(alice)
    takedown = TakedownRequest.objects.get(pk=sent.pk)
    assert (
        browser.post(f"/takedowns/{sent.pk}/keep-attachments/", {"keep": "on", "version": takedown.version}).status_code
        == 302
    )
    again = reply_to(sent)
    again.add_attachment(b"%PDF-1.4 second", maintype="application", subtype="pdf", filename="second.pdf")
    send(inbound, again)
    second = PlatformReply.objects.exclude(pk=first.pk).get()
    [kept] = second.kept_attachments.all()
    with connection.cursor() as cursor:
        cursor.execute("SELECT case_id, filename, content FROM cases_replyattachment WHERE id = %s", [kept.pk])
        kept_case, *kept_values = cursor.fetchone()
    assert kept_case == sent.case_id and all(value.startswith(CASE_KEY_PREFIX) for value in kept_values)
    download = browser.get(f"/replies/{second.pk}/attachments/{kept.pk}/")
    assert download.status_code == 200 and download.content == b"%PDF-1.4 second"
    assert download["Content-Type"] == "application/octet-stream"
    assert AccessLog.objects.filter(user=alice, action=AccessAction.EXPORT).count() == 1
    assert client_as(dave).get(f"/replies/{second.pk}/attachments/{kept.pk}/").status_code == 404


def test_it_confirms_a_reply_through_the_api(inbound, sent: TakedownRequest, alice: User, api_as) -> None:
    send(inbound, reply_to(sent, text="We have removed the reported content.\n"))
    reply = PlatformReply.objects.get()
    api = api_as(alice)
    listed = api.get("/api/v1/replies/").json()["results"]
    assert [r["id"] for r in listed] == [reply.pk] and "text" not in listed[0]
    wrong = api.post(f"/api/v1/replies/{reply.pk}/confirm/", {"status": "escalated", "version": 1}, format="json")
    assert wrong.status_code == 400 and "status" in wrong.json()
    stale = api.post(f"/api/v1/replies/{reply.pk}/confirm/", {"status": "removed", "version": 1}, format="json")
    assert stale.status_code == 409
    version = TakedownRequest.objects.get(pk=sent.pk).version
    done = api.post(f"/api/v1/replies/{reply.pk}/confirm/", {"status": "removed", "version": version}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "applied"
    assert TakedownRequest.objects.get(pk=sent.pk).status == "removed"


def _test_database_url() -> str:
    settings = connection.settings_dict
    return f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"


@pytest.mark.services(needs=("postgresql",))
def test_it_serves_smtp_from_its_own_process() -> None:
    """`manage.py run_inbound_smtp`, as docker-compose and `make run` start it: it answers EHLO with the
    size it takes, and stops on SIGTERM."""
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    port = free_port()
    root = Path(__file__).resolve().parents[2]
    process = subprocess.Popen(
        [sys.executable, "manage.py", "run_inbound_smtp", "--port", str(port)],
        cwd=root,
        # The test's own database, not the one DATABASE_URL names (which the test run does not create).
        env={**os.environ, "DJANGO_DEBUG": "1", "DATABASE_URL": _test_database_url()},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with smtplib.SMTP("127.0.0.1", port, timeout=5) as client:
                    client.ehlo()
                    assert client.esmtp_features["size"] == str(10 * 1024 * 1024)
                break
            except (ConnectionRefusedError, smtplib.SMTPServerDisconnected):
                assert process.poll() is None, process.stderr.read() if process.stderr else ""
                assert time.monotonic() < deadline, "the inbound server did not start"
                time.sleep(0.5)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    assert process.returncode == 0
