"""Test-only e-mail backends for worker processes, chosen with EMAIL_BACKEND in the worker's environment.

A worker is another process, so Django's locmem outbox cannot be read from the test. These backends
append one JSON line per message to the file named by CASEFLOW_TEST_MAILBOX; BlockingBackend first
waits while the file named by CASEFLOW_TEST_BLOCK exists, after writing its process id next to it, so
that a test can kill the worker in the middle of a send.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend

MAILBOX_ENV = "CASEFLOW_TEST_MAILBOX"
BLOCK_ENV = "CASEFLOW_TEST_BLOCK"
# BlockingBackend lets this many messages through before it blocks (0: blocks at the first).
BLOCK_AFTER_ENV = "CASEFLOW_TEST_BLOCK_AFTER"


def held_path(flag: Path) -> Path:
    """Where BlockingBackend writes the id of the process that is blocked in a send."""
    return flag.with_name(flag.name + ".held")


def read_mailbox(path: Path) -> list[dict[str, Any]]:
    """The messages recorded so far, in order."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


class RecordingBackend(BaseEmailBackend):
    """Appends each message to the mailbox file; one write per line, so processes never interleave."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        fd = os.open(os.environ[MAILBOX_ENV], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            for message in email_messages:
                line = {
                    "to": list(message.to),
                    "from": message.from_email,
                    "subject": str(message.subject),
                    "body": str(message.body),
                    "pid": os.getpid(),
                }
                os.write(fd, (json.dumps(line, ensure_ascii=False) + "\n").encode())
        finally:
            os.close(fd)
        return len(email_messages)


class BlockingBackend(RecordingBackend):
    """Waits in the middle of a send while the block flag exists (at most two minutes), then records;
    with CASEFLOW_TEST_BLOCK_AFTER=n, only once the mailbox holds n messages."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        flag = Path(os.environ[BLOCK_ENV])
        let_through = int(os.environ.get(BLOCK_AFTER_ENV, "0"))
        if flag.exists() and len(read_mailbox(Path(os.environ[MAILBOX_ENV]))) >= let_through:
            held = held_path(flag)
            partial = held.with_name(held.name + ".tmp")
            partial.write_text(str(os.getpid()), encoding="utf-8")
            partial.rename(held)  # the test never reads a half-written id
            deadline = time.monotonic() + 120
            while flag.exists() and time.monotonic() < deadline:
                time.sleep(0.05)
        return super().send_messages(email_messages)
