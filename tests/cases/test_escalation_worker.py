"""The escalation of an immediate risk with a real Celery worker, PostgreSQL, Redis, an SMS webhook on
127.0.0.1 and e-mail recorded by the worker process: called at once, called again when the next
round is due, and nothing more once a supervisor acknowledged."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone

from accounts.models import User
from caseflow.celery import app as celery_app
from cases.models import Case, Escalation, EscalationState, OnCallShift
from notifications import outbox
from notifications.models import Channel, Notification, State
from tests.cases.conftest import open_case
from tests.notifications.mailbox import MAILBOX_ENV, read_mailbox
from tests.services import celery_worker, wait_until

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

DUTY_PHONE = "+82 10-5555-0109"
SWEEP = "cases.tasks.repeat_escalations"  # what beat sends every minute


class Gateway:
    """A stand-in for the SMS gateway's webhook: records every text it is sent."""

    def __init__(self) -> None:
        self.texts: list[dict[str, Any]] = []
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                gateway.texts.append(json.loads(body))
                self.send_response(200)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms"


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    gateway = Gateway()
    thread = threading.Thread(target=gateway.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield gateway
    finally:
        gateway.server.shutdown()
        gateway.server.server_close()


def _escalation_rows(state: str) -> int:
    return Notification.objects.filter(template_key="case.risk_escalated", state=state).count()


def test_it_calls_the_on_call_supervisor_every_round_until_she_acknowledges(
    alice: User,
    carol: User,
    client_as: Callable[[User], Client],
    gateway: Gateway,
    tmp_path: Path,
) -> None:
    for day in range(7):
        OnCallShift.objects.create(
            centre_id=carol.centre_id,
            supervisor=carol,
            weekday=day,
            start_hour=0,
            end_hour=24,
            phone=DUTY_PHONE,
            created_by=carol,
        )
    case: Case = open_case(alice)
    mailbox = tmp_path / "mailbox.jsonl"
    env = {
        "EMAIL_BACKEND": "tests.notifications.mailbox.RecordingBackend",
        MAILBOX_ENV: str(mailbox),
        "SMS_WEBHOOK_URL": gateway.url,
        "SMS_WEBHOOK_TOKEN": "test-token-0123456789",
    }

    def delivered(rounds: int) -> bool:
        # Each round: one e-mail to her account, one text to the duty phone, one inbox notice.
        return (
            len(read_mailbox(mailbox)) == rounds
            and len(gateway.texts) == rounds
            and _escalation_rows(State.SENT) == 3 * rounds
        )

    with celery_worker(extra_env=env):
        counsellor, supervisor = client_as(alice), client_as(carol)
        answer = counsellor.post(
            f"/cases/{case.pk}/risk/",
            {"level": "immediate", "asked": "오늘 스스로를 해칠 계획이 있나요?", "answer": "있다고 했다"},
        )
        assert answer.status_code == 302
        # Round 1 at once: the assessment asked a worker to dispatch, no beat needed.
        assert wait_until(lambda: delivered(1), timeout=60), (read_mailbox(mailbox), gateway.texts)
        escalation = Escalation.objects.get(case=case)

        # Fifteen minutes pass without an answer: the next round is due, and beat's sweep sends it.
        Escalation.objects.filter(pk=escalation.pk).update(next_round_at=timezone.now() - timedelta(seconds=1))
        celery_app.send_task(SWEEP)
        assert wait_until(lambda: delivered(2), timeout=60), (read_mailbox(mailbox), gateway.texts)

        # A sweep before the next round is due sends nothing. Wait until the worker has run it, or it
        # could run after the next line makes round 3 due and rightly send it before Carol acknowledges.
        celery_app.send_task(SWEEP)
        settled = _sentinel(carol)
        assert wait_until(lambda: Notification.objects.get(pk=settled).state == State.SENT, timeout=60)
        assert delivered(2), (read_mailbox(mailbox), gateway.texts)

        # The third round is due when Carol acknowledges from the case page.
        Escalation.objects.filter(pk=escalation.pk).update(next_round_at=timezone.now() - timedelta(seconds=1))
        assert supervisor.post(f"/cases/{case.pk}/escalations/{escalation.pk}/acknowledge/").status_code == 302
        escalation.refresh_from_db()
        assert escalation.state == EscalationState.ACKNOWLEDGED

        # However often beat sweeps after that, no round follows.
        for _ in range(3):
            celery_app.send_task(SWEEP)
        celery_app.send_task("notifications.tasks.dispatch_due")
        # A last task through the same single worker: once it ran, every sweep before it has too.
        with_sentinel = _sentinel(carol)
        assert wait_until(lambda: Notification.objects.get(pk=with_sentinel).state == State.SENT, timeout=60)

    assert delivered(2)
    mails = read_mailbox(mailbox)
    assert {tuple(mail["to"]) for mail in mails} == {(carol.email,)}
    assert {text["to"] for text in gateway.texts} == {DUTY_PHONE}
    # Neutral: nothing of the case in what left the building.
    for text in [*(mail["subject"] + mail["body"] for mail in mails), *(t["text"] for t in gateway.texts)]:
        assert case.reference not in text and case.display_reference not in text and "김민지" not in text
        assert "긴급" in text
    assert Notification.objects.filter(channel=Channel.INBOX, recipient=carol, state=State.SENT).count() >= 2


def _sentinel(user: User) -> int:
    """An inbox row due now, dispatched by the worker: it is sent once the worker reached it."""
    with transaction.atomic():
        row = outbox.enqueue(
            recipient=user,
            channel=Channel.INBOX,
            template_key="case.followup_due",
            params={"case_id": 1},
            language="ko",
            due_at=timezone.now(),
            dedupe_key=f"test:sentinel:{timezone.now().timestamp()}",
        )
    assert row is not None
    celery_app.send_task("notifications.tasks.dispatch_due")
    return row.pk


def test_it_records_the_risk_and_its_round_while_the_broker_is_down(
    alice: User, carol: User, client_as: Callable[[User], Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Redis down: the assessment and the round's messages still commit; beat hands them out later."""
    case: Case = open_case(alice)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = f"redis://127.0.0.1:{sock.getsockname()[1]}/0"
    monkeypatch.setattr(celery_app.conf, "broker_write_url", dead)
    monkeypatch.setattr(celery_app.conf, "broker_url", dead)
    answer = client_as(alice).post(f"/cases/{case.pk}/risk/", {"level": "high", "asked": "안전한가요?"})
    assert answer.status_code == 302
    escalation = Escalation.objects.get(case=case)
    assert escalation.state == EscalationState.RAISED
    pending = Notification.objects.filter(group_key=f"escalation:{escalation.pk}", state=State.PENDING)
    assert set(pending.values_list("recipient_id", flat=True)) == {carol.pk}
