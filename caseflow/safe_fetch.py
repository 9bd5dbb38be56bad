"""Fetching a public address without becoming a way into the private network (SSRF).

Used by the liveness checks (cases/liveness.py): a HEAD, then when needed a GET of at most a few KB,
with strict timeouts, no cookies, an honest User-Agent, and at most a few redirects. Each hop's host is
resolved once, every address it resolves to must be public (not loopback, RFC 1918, link-local such as
169.254.169.254, carrier-grade NAT, multicast, reserved, nor IPv6's equivalents and IPv4-mapped forms),
and the connection goes to that checked address: an answer of DNS that changes between the check and
the connection (DNS rebinding) is never used. TLS still verifies the certificate for the host name.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from django.conf import settings

REDIRECTS = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True)
class Fetched:
    """What one check saw: the final HTTP status (None if no answer), the first bytes of the body
    (only when asked for), and why there was no answer: "blocked", "timeout", "error", "redirects"."""

    status: int | None
    body: bytes = b""
    problem: str = ""


class Blocked(Exception):  # noqa: N818 - a refusal, not a failure
    """The address is not public: nothing is sent to it."""


def address_allowed(address: str) -> bool:
    """Whether a resolved address may be connected to."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if address in settings.LIVENESS_ALLOWED_ADDRESSES:
        # Tests only: the local HTTP servers that play the platforms (empty in production).
        return True
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def resolve_public(host: str, port: int) -> str:
    """The address to connect to: every address the host resolves to must be public."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise OSError("name not resolved") from error
    addresses = [str(info[4][0]) for info in infos]
    if not addresses or not all(address_allowed(a) for a in addresses):
        raise Blocked(host)
    return addresses[0]


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, address: str, host: str, port: int, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, address: str, host: str, port: int, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


def _request(url: str, method: str, deadline: float, max_bytes: int) -> tuple[int, str | None, bytes]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password:
        raise Blocked(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    address = resolve_public(parts.hostname, port)
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise TimeoutError
    timeout = min(settings.LIVENESS_TIMEOUT_SECONDS, remaining)
    connection_class = _PinnedHTTPS if parts.scheme == "https" else _PinnedHTTP
    conn = connection_class(address, parts.hostname, port, timeout)
    try:
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        conn.request(
            method,
            target,
            headers={"User-Agent": settings.LIVENESS_USER_AGENT, "Accept": "*/*", "Connection": "close"},
        )
        response = conn.getresponse()
        body = b""
        if method == "GET":
            # A few KB at most, one read at a time, within the deadline: a 10 MB page or a server that
            # drips one byte a second costs no more than that.
            while len(body) < max_bytes and time.monotonic() < deadline:
                chunk = response.read1(max_bytes - len(body))
                if not chunk:
                    break
                body += chunk
        return response.status, response.getheader("Location"), body
    finally:
        conn.close()


def fetch(url: str, *, want_body: bool) -> Fetched:
    """HEAD `url` (then GET a few KB when the body is wanted or HEAD is refused), following at most
    LIVENESS_MAX_REDIRECTS redirects, each to a public address, within LIVENESS_DEADLINE_SECONDS."""
    deadline = time.monotonic() + settings.LIVENESS_DEADLINE_SECONDS
    max_bytes = settings.LIVENESS_MAX_BODY_BYTES
    try:
        for _hop in range(settings.LIVENESS_MAX_REDIRECTS + 1):
            status, location, body = _request(url, "HEAD", deadline, max_bytes)
            if status in (405, 501) or (want_body and 200 <= status < 300):
                status, location, body = _request(url, "GET", deadline, max_bytes)
            if status in REDIRECTS and location:
                url = urljoin(url, location)
                continue
            return Fetched(status=status, body=body)
        return Fetched(status=None, problem="redirects")
    except Blocked:
        return Fetched(status=None, problem="blocked")
    except TimeoutError:
        return Fetched(status=None, problem="timeout")
    except (OSError, http.client.HTTPException, ValueError):
        return Fetched(status=None, problem="error")
