"""The SMS channel against a real HTTP server on 127.0.0.1 standing in for the gateway's webhook."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone
from pytest_django import DjangoCaptureOnCommitCallbacks

from notifications.dispatcher import deliver, dispatch_due
from notifications.messages import TEMPLATES
from notifications.models import Channel, Notification, State
from tests.notifications.conftest import Collector, add, free_port

pytestmark = pytest.mark.django_db

TOKEN = "test-sms-token-0123456789"
PHONE = "+821012345678"


@dataclass
class Gateway:
    """What the webhook received, and the statuses it answers with (200 once the list runs out)."""

    url: str
    statuses: list[int] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    state = Gateway(url=f"http://127.0.0.1:{server.server_address[1]}/sms/send")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.requests.append(
                {"path": self.path, "headers": dict(self.headers.items()), "body": body.decode("utf-8")}
            )
            status = state.statuses.pop(0) if state.statuses else 200
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"id": "gw-1"}')

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server.RequestHandlerClass = Handler
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with override_settings(SMS_WEBHOOK_URL=state.url, SMS_WEBHOOK_TOKEN=TOKEN):
            yield state
    finally:
        server.shutdown()
        server.server_close()


def _text_to_victim(language: str = "ko") -> Notification:
    return add(
        address=PHONE,
        channel=Channel.SMS,
        template_key="victim.case_updated",
        params={"case_id": 12},
        language=language,
        group_key="case:12",
    )


def _dispatch(capture: DjangoCaptureOnCommitCallbacks, **kwargs: Any) -> list[int]:
    with capture(execute=True):
        return dispatch_due(publish=Collector(), **kwargs).handed_out


def test_it_posts_the_neutral_text_with_the_bearer_token(
    gateway: Gateway, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    notification = _text_to_victim(language="en")
    _dispatch(django_capture_on_commit_callbacks)

    assert deliver(notification.pk) == State.SENT

    (request,) = gateway.requests
    assert request["path"] == "/sms/send"
    assert request["headers"]["Authorization"] == f"Bearer {TOKEN}"
    assert request["headers"]["Content-Type"] == "application/json"
    assert request["headers"]["Idempotency-Key"] == f"caseflow-notification-{notification.pk}"
    # Exactly the number and the template's text: nothing else of the case travels to the gateway.
    assert json.loads(request["body"]) == {"to": PHONE, "text": TEMPLATES["victim.case_updated"]["en"].body}
    notification.refresh_from_db()
    assert notification.state == State.SENT
    assert notification.address is None


def test_it_sends_korean_to_a_victim_who_chose_korean(
    gateway: Gateway, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    notification = _text_to_victim(language="ko")
    _dispatch(django_capture_on_commit_callbacks)
    deliver(notification.pk)

    assert json.loads(gateway.requests[0]["body"])["text"] == "새 소식이 있습니다. 로그인해서 확인해 주세요."


def test_it_retries_after_a_server_error_with_backoff(
    gateway: Gateway, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    gateway.statuses = [500]
    notification = _text_to_victim()
    _dispatch(django_capture_on_commit_callbacks)

    assert deliver(notification.pk) == State.PENDING
    notification.refresh_from_db()
    assert (notification.attempts, notification.last_error) == (1, "http_500")
    wait = notification.due_at - timezone.now()
    assert timedelta(minutes=1, seconds=55) < wait <= timedelta(minutes=2)
    # The address is kept for the retry, still encrypted.
    assert notification.address == PHONE

    # Not before the backoff has passed; then it goes out.
    assert _dispatch(django_capture_on_commit_callbacks) == []
    assert _dispatch(django_capture_on_commit_callbacks, now=notification.due_at) == [notification.pk]
    assert deliver(notification.pk) == State.SENT
    assert len(gateway.requests) == 2
    assert list(notification.delivery_attempts.order_by("pk").values_list("outcome", "error")) == [
        ("failed", "http_500"),
        ("sent", ""),
    ]


def test_it_gives_up_at_once_when_the_gateway_refuses_the_request(
    gateway: Gateway, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    gateway.statuses = [400]
    notification = _text_to_victim()
    _dispatch(django_capture_on_commit_callbacks)

    assert deliver(notification.pk) == State.FAILED
    notification.refresh_from_db()
    assert (notification.state, notification.last_error, notification.address) == (State.FAILED, "http_400", None)


def test_it_retries_when_the_gateway_is_rate_limiting(
    gateway: Gateway, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    gateway.statuses = [429]
    notification = _text_to_victim()
    _dispatch(django_capture_on_commit_callbacks)

    assert deliver(notification.pk) == State.PENDING


def test_it_retries_when_the_gateway_is_unreachable(
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    notification = _text_to_victim()
    _dispatch(django_capture_on_commit_callbacks)

    # Nothing listens on this port.
    with override_settings(SMS_WEBHOOK_URL=f"http://127.0.0.1:{free_port()}/sms", SMS_WEBHOOK_TOKEN=TOKEN):
        assert deliver(notification.pk) == State.PENDING
    notification.refresh_from_db()
    assert notification.last_error.startswith("sms_unreachable")


def test_it_waits_for_the_webhook_to_be_configured(
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    notification = _text_to_victim()
    _dispatch(django_capture_on_commit_callbacks)

    with override_settings(SMS_WEBHOOK_URL=None):
        assert deliver(notification.pk) == State.PENDING
    notification.refresh_from_db()
    assert notification.last_error == "sms_not_configured"


def test_it_never_posts_to_a_webhook_that_is_not_http(
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    notification = _text_to_victim()
    _dispatch(django_capture_on_commit_callbacks)

    # urllib would read a local file for file://; the setting is refused before any request.
    with override_settings(SMS_WEBHOOK_URL="file:///etc/passwd"):
        assert deliver(notification.pk) == State.PENDING
    notification.refresh_from_db()
    assert notification.last_error == "error_ImproperlyConfigured"
