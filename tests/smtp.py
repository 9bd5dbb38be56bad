"""A real SMTP server for tests (aiosmtpd, in a thread of the test process) and what it received.

Django's SMTP backend talks to it over a socket exactly as it talks to a production relay, so a test
sees the message as it left: headers, envelope and the body's bytes after transfer encoding.
"""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    """A port nothing listens on right now (also what a test uses for "the server is down")."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Received:
    """One message as the server took it: the envelope and the raw bytes of the DATA command."""

    mail_from: str
    rcpt_tos: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.raw, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed

    def body_bytes(self) -> bytes:
        """The body after transfer decoding, with the wire's CRLF line ends read back as LF."""
        payload = self.message.get_payload(decode=True)
        assert isinstance(payload, bytes)
        return payload.replace(b"\r\n", b"\n")


@dataclass
class Recorder:
    """The server's handler: keeps what it accepts; `refuse` answers RCPT (or DATA) with that reply."""

    received: list[Received] = field(default_factory=list)
    refuse_rcpt: str | None = None
    refuse_data: str | None = None

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any) -> str:  # noqa: N802
        if self.refuse_rcpt:
            return self.refuse_rcpt
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.refuse_data:
            return self.refuse_data
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content)))
        return "250 Message accepted for delivery"


@dataclass
class SmtpServer:
    host: str
    port: int
    recorder: Recorder

    @property
    def received(self) -> list[Received]:
        return self.recorder.received

    def mailers(self) -> dict[str, Any]:
        """settings.MAILERS for Django's SMTP backend pointed at this server."""
        return {
            "default": {
                "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "OPTIONS": {"host": self.host, "port": self.port, "timeout": 5},
            }
        }


@contextmanager
def smtp_server() -> Iterator[SmtpServer]:
    """Starts aiosmtpd on a free local port in a thread of its own; stops it on exit."""
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield SmtpServer("127.0.0.1", controller.port, recorder)
    finally:
        controller.stop()
