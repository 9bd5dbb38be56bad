"""The inbound SMTP server: platforms' replies to the centres' reply addresses (`manage.py run_inbound_smtp`).

Why an SMTP endpoint rather than IMAP polling: mail is pushed the moment it arrives (no minute of delay,
no beat job), caseflow holds no mailbox passwords, and the SMTP conversation itself enforces the rules:
recipients that are no centre's address are refused at RCPT (no open relay, nothing stored for nobody),
a message over INBOUND_MAX_BYTES is refused with 552 before it is stored, and 250 is answered only once
the reply is committed, so a sender whose message was not stored keeps it and tries again (451).

It runs in a process of its own (docker-compose `inbound`, `make run`), behind the relay that receives
the centres' mail (MX) and forwards it here; put no other mail through it.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP
from django.conf import settings
from django.db import connections

from cases.actions.replies import centres_for, receive_reply

logger = logging.getLogger(__name__)


def max_bytes() -> int:
    return int(getattr(settings, "INBOUND_MAX_BYTES", 10 * 1024 * 1024))


def _known_recipient(address: str) -> bool:
    try:
        return bool(centres_for([address]))
    finally:
        # Each call runs on a thread of asyncio's pool: its connection is not left open behind it.
        connections.close_all()


def _receive(raw: bytes, recipients: list[str]) -> int:
    try:
        return len(receive_reply(raw=raw, recipients=recipients))
    finally:
        connections.close_all()


class ReplyHandler:
    """aiosmtpd's handler: the database work runs in a thread, so the event loop keeps serving."""

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        try:
            known = await asyncio.to_thread(_known_recipient, address)
        except Exception as exc:
            logger.warning("inbound: recipient check failed", extra={"error": type(exc).__name__})
            return "451 4.3.0 Try again later"
        if not known:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Any, envelope: Any) -> str:  # noqa: N802
        raw = bytes(envelope.original_content or envelope.content or b"")
        if len(raw) > max_bytes():
            return "552 5.3.4 Message too big"
        try:
            stored = await asyncio.to_thread(_receive, raw, list(envelope.rcpt_tos))
        except Exception as exc:
            logger.warning("inbound: a reply could not be stored", extra={"error": type(exc).__name__})
            return "451 4.3.0 Try again later"
        logger.info("inbound: reply received", extra={"stored": stored, "size": len(raw)})
        return "250 2.0.0 Accepted"


def controller(host: str, port: int) -> Controller:
    """The server on host:port; SIZE is announced so that a sender refuses a message too big before DATA."""
    return Controller(
        ReplyHandler(),
        hostname=host,
        port=port,
        data_size_limit=max_bytes(),
        decode_data=False,
        server_hostname="caseflow-inbound",
    )
