"""Liveness checks: a place's address is looked at by the server, against local HTTP servers started
here (never the internet): 200, 404, 410, a removal notice on a 200 page, redirects to private or
loopback addresses, a server that hangs, one that sends 10 MB. Private addresses are refused before
anything is sent; what a check sees is recorded and moves the place (removed, reappeared)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from accounts.models import User
from caseflow.safe_fetch import address_allowed, fetch
from cases.actions.sightings import do_add_sightings
from cases.actions.takedowns import do_draft_takedowns, do_transition_takedown
from cases.liveness import check, due_sightings
from cases.models import Case, CaseEvent, Platform, Sighting, SightingCheck, TakedownRequest

pytestmark = pytest.mark.django_db

NOTICE = "Sorry, this content isn't available right now"


class Platforms(BaseHTTPRequestHandler):
    """Plays the platforms: one path per kind of answer; records every request it gets."""

    seen: list[tuple[str, str, dict[str, str]]] = []
    sent_bytes: list[int] = []

    def log_message(self, *args: object) -> None:  # quiet
        pass

    def _answer(self, body: bool) -> None:
        Platforms.seen.append((self.command, self.path, {k.lower(): v for k, v in self.headers.items()}))
        port = getattr(self.server, "server_port", 0)
        path = self.path
        if path == "/ok":
            self._send(200, b"<html>still here</html>", body)
        elif path == "/gone":
            self._send(404, b"not found", body)
        elif path == "/g410":
            self._send(410, b"gone", body)
        elif path == "/notice":
            self._send(200, f"<html><h1>{NOTICE}</h1></html>".encode(), body)
        elif path == "/no-head":
            if self.command == "HEAD":
                self._send(405, b"", False)
            else:
                self._send(404, b"not found", body)
        elif path.startswith("/to/"):
            targets = {
                "private": "http://10.0.0.5/x",
                "metadata": "http://169.254.169.254/latest/meta-data/",
                "loopback": f"http://127.0.0.2:{port}/ok",
                "ipv6-loopback": f"http://[::1]:{port}/ok",
                "ok": "/ok",
                "loop": path,
            }
            self.send_response(302)
            self.send_header("Location", targets[path.removeprefix("/to/")])
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif path == "/hang":
            time.sleep(6)
            self._send(200, b"late", body)
        elif path == "/big":
            self.send_response(200)
            self.send_header("Content-Length", str(10 * 1024 * 1024))
            self.end_headers()
            sent = 0
            try:
                if body:
                    for _ in range(10 * 1024):
                        self.wfile.write(b"x" * 1024)
                        sent += 1024
            except OSError:
                pass
            Platforms.sent_bytes.append(sent)
        else:
            self._send(500, b"?", body)

    def _send(self, status: int, content: bytes, body: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        if body:
            self.wfile.write(content)

    def do_HEAD(self) -> None:
        self._answer(body=False)

    def do_GET(self) -> None:
        self._answer(body=True)


@pytest.fixture
def server(settings) -> Iterator[str]:
    """A local server on 127.0.0.1, the one address the tests allow (LIVENESS_ALLOWED_ADDRESSES)."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Platforms)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    Platforms.seen, Platforms.sent_bytes = [], []
    settings.LIVENESS_ALLOWED_ADDRESSES = ["127.0.0.1"]
    settings.LIVENESS_TIMEOUT_SECONDS = 1
    settings.LIVENESS_DEADLINE_SECONDS = 3
    settings.LIVENESS_HOST_INTERVAL_SECONDS = 0
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.0.0.2",
        "::1",
        "10.0.0.1",
        "172.16.5.4",
        "192.168.0.10",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",  # noqa: S104 - the address being refused
        "224.0.0.1",
        "::ffff:10.0.0.1",
        "::ffff:127.0.0.1",
        "fe80::1",
        "fc00::1",
        "192.0.2.1",
    ],
)
def test_it_refuses_every_non_public_address(address: str) -> None:
    assert address_allowed(address) is False


@pytest.mark.parametrize("address", ["8.8.8.8", "1.1.1.1", "2001:4860:4860::8888", "203.0.114.1"])
def test_it_allows_public_addresses(address: str) -> None:
    assert address_allowed(address) is True


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/",
        "http://[::1]/",
        "http://127.0.0.2/",
        "http://167772161/",  # 10.0.0.1 written as one number
        "http://0x7f000002/",  # 127.0.0.2 in hex
        "http://[::ffff:192.168.0.1]/",
        "ftp://127.0.0.1/",
        "file:///etc/passwd",
        "http://user:secret@127.0.0.1/",
    ],
)
def test_it_sends_nothing_to_a_private_address(server: str, url: str) -> None:
    started = time.monotonic()
    assert fetch(url, want_body=True).problem == "blocked"
    assert time.monotonic() - started < 1
    assert Platforms.seen == []


@pytest.mark.parametrize("target", ["private", "metadata", "loopback", "ipv6-loopback"])
def test_it_follows_no_redirect_to_a_private_address(server: str, target: str) -> None:
    result = fetch(f"{server}/to/{target}", want_body=False)
    assert result.problem == "blocked" and result.status is None
    assert [path for _m, path, _h in Platforms.seen] == [f"/to/{target}"]


def test_it_follows_a_public_redirect_and_stops_a_loop(server: str, settings) -> None:
    assert fetch(f"{server}/to/ok", want_body=False).status == 200
    settings.LIVENESS_MAX_REDIRECTS = 3
    Platforms.seen = []
    assert fetch(f"{server}/to/loop", want_body=False).problem == "redirects"
    assert len(Platforms.seen) == 4


def test_it_gives_up_on_a_server_that_hangs(server: str) -> None:
    started = time.monotonic()
    assert fetch(f"{server}/hang", want_body=False).problem == "timeout"
    assert time.monotonic() - started < 3


def test_it_reads_a_few_kb_of_a_10_mb_answer(server: str) -> None:
    started = time.monotonic()
    result = fetch(f"{server}/big", want_body=True)
    assert result.status == 200 and len(result.body) <= 8 * 1024
    assert time.monotonic() - started < 3


def test_it_sends_an_honest_user_agent_and_no_cookie(server: str, settings) -> None:
    fetch(f"{server}/ok", want_body=True)
    methods = [m for m, _p, _h in Platforms.seen]
    assert methods == ["HEAD", "GET"]
    for _m, _p, headers in Platforms.seen:
        assert headers["user-agent"] == settings.LIVENESS_USER_AGENT and "cookie" not in headers


def _outcome(sighting_id: int) -> str:
    recorded = check(sighting_id)
    assert isinstance(recorded, SightingCheck), recorded
    return recorded.outcome


def _place(user: User, case: Case, url: str, platform: Platform | None = None) -> Sighting:
    """A place recorded through the action, then pointed at the local server (which the action would
    refuse as a private address, rightly)."""
    result = do_add_sightings(actor=user, case=case, lines=[f"https://example-leak.site/{url.rsplit('/', 1)[1]}"])[0]
    assert result.sighting is not None
    changes: dict[str, object] = {"url": url, "host": "127.0.0.1"}
    if platform is not None:
        changes["platform"] = platform
    Sighting.objects.filter(pk=result.sighting.pk).update(**changes)
    return Sighting.objects.get(pk=result.sighting.pk)


@pytest.mark.parametrize(("path", "outcome"), [("/gone", "removed"), ("/g410", "removed"), ("/no-head", "removed")])
def test_it_verifies_a_place_removed(server: str, alice: User, alices_case: Case, platforms, path, outcome) -> None:
    place = _place(alice, alices_case, server + path)
    recorded = check(place.pk)
    assert isinstance(recorded, SightingCheck) and recorded.outcome == outcome
    place.refresh_from_db()
    assert place.state == "removed" and place.removed_at is not None
    event = CaseEvent.objects.filter(case=alices_case, kind="sighting_changed").latest("pk")
    assert event.actor_kind == "system" and event.new["state"] == "removed"


def test_it_reads_a_platforms_removal_notice_on_a_200_page(server, alice: User, alices_case: Case, platforms) -> None:
    platform = Platform.objects.create(name="Notice Site", channel="email", removed_marker=NOTICE.upper())
    place = _place(alice, alices_case, server + "/notice", platform)
    assert _outcome(place.pk) == "removed"
    ordinary = _place(alice, alices_case, server + "/ok", platform)
    assert _outcome(ordinary.pk) == "online"


def test_it_settles_a_sent_request_whose_places_are_all_gone(server, alice: User, alices_case: Case, platforms) -> None:
    place = _place(alice, alices_case, server + "/gone")
    takedown = do_draft_takedowns(actor=alice, case=alices_case)[0]
    do_transition_takedown(actor=alice, case=alices_case, takedown=takedown, status="sent", channel="email")
    check(place.pk)
    takedown = TakedownRequest.objects.get(pk=takedown.pk)
    assert takedown.status == "removed" and takedown.closed_at is not None


def test_it_marks_a_removed_place_reappeared_and_drafts_a_new_request(
    server, alice: User, alices_case: Case, platforms
) -> None:
    place = _place(alice, alices_case, server + "/ok")
    Sighting.objects.filter(pk=place.pk).update(state="removed")
    assert _outcome(place.pk) == "online"
    place.refresh_from_db()
    assert place.state == "reappeared"
    assert TakedownRequest.objects.filter(case=alices_case, status="draft", items__sighting=place).count() == 1


@pytest.mark.parametrize(("path", "outcome"), [("/hang", "timeout"), ("/to/metadata", "blocked")])
def test_it_records_a_check_that_learnt_nothing_without_moving_the_place(
    server, alice: User, alices_case: Case, platforms, path, outcome
) -> None:
    place = _place(alice, alices_case, server + path)
    assert _outcome(place.pk) == outcome
    place.refresh_from_db()
    assert place.state == "online" and SightingCheck.objects.filter(sighting=place).count() == 1


def test_it_checks_one_host_at_a_time(server, settings, alice: User, alices_case: Case, platforms) -> None:
    settings.LIVENESS_HOST_INTERVAL_SECONDS = 60
    first = _place(alice, alices_case, server + "/ok")
    second = _place(alice, alices_case, server + "/gone")
    assert _outcome(first.pk) == "online"
    assert check(second.pk) == "busy"
    assert not SightingCheck.objects.filter(sighting=second).exists()


def test_it_queues_places_by_their_platforms_interval(alice: User, alices_case: Case, platforms) -> None:
    from datetime import timedelta

    from django.utils import timezone

    fresh = do_add_sightings(actor=alice, case=alices_case, lines=["https://t.me/room/1"])[0].sighting
    stale = do_add_sightings(actor=alice, case=alices_case, lines=["https://t.me/room/2"])[0].sighting
    assert fresh is not None and stale is not None
    Sighting.objects.filter(pk=stale.pk).update(last_checked_at=timezone.now() - timedelta(hours=25))
    assert due_sightings(limit=10) == [stale.pk]
    Platform.objects.filter(pk=stale.platform_id).update(check_interval_hours=48)
    assert due_sightings(limit=10) == []


def test_it_shows_the_checks_on_the_case_page(server, client_as, alice: User, alices_case: Case, platforms) -> None:
    place = _place(alice, alices_case, server + "/gone")
    check(place.pk)
    page = client_as(alice).get(f"/cases/{alices_case.pk}/").content.decode()
    assert 'class="last-check' in page and "404" in page
