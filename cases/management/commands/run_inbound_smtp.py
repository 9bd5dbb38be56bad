"""Runs the inbound SMTP server that receives platforms' replies (cases/inbound.py) until stopped."""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from cases.inbound import controller, max_bytes


class Command(BaseCommand):
    help = "Receive platforms' replies to takedown letters by SMTP (the centres' reply addresses)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
        parser.add_argument("--port", type=int, default=2525, help="port to listen on (default 2525)")

    def handle(self, *args: Any, host: str, port: int, **options: Any) -> None:
        server = controller(host, port)
        server.start()
        self.stdout.write(f"caseflow inbound SMTP on {host}:{port} (messages up to {max_bytes()} bytes)")
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        try:
            stop.wait()
        finally:
            server.stop()
