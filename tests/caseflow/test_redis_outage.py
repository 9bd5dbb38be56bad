"""With Redis down, counsellors keep working: the API answers, throttles fail open, nothing is lost.

caseflow runs as a real gunicorn process whose REDIS_URL (cache, throttles, broker) points at a
redis-server of the test's own, which the test stops; the machine's shared Redis is never touched.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from accounts.models import User
from cases.models import Case
from tests.notifications import conftest as notifications
from tests.notifications.conftest import RedisServer
from tests.services import WebServer, web_server

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

# The notifications tests' own redis-server fixture, on a free port, stopped afterwards.
own_redis = notifications.own_redis

VICTIM = "김outage지"


@pytest.fixture
def server(own_redis: RedisServer, tmp_path: Path) -> Iterator[WebServer]:
    with web_server(tmp_path / "gunicorn.log", extra_env={"REDIS_URL": own_redis.url}) as running:
        yield running


def _log_lines(server: WebServer) -> list[dict[str, object]]:
    lines = []
    for line in server.log.read_text(encoding="utf-8").splitlines():
        if line.startswith("{"):
            lines.append(json.loads(line))
    return lines


def _sign_in(server: WebServer, user: User, password: str) -> str:
    answer = server.call("POST", "/api/v1/auth/token/", body={"email": user.email, "password": password})
    assert answer.status == 200, answer.text
    return str(answer.json()["token"])


def test_it_keeps_the_api_working_while_redis_is_down(
    server: WebServer, own_redis: RedisServer, alice: User, password: str
) -> None:
    token = _sign_in(server, alice, password)
    assert server.call("GET", "/api/v1/cases/", token=token).status == 200
    own_redis.stop()

    listed = server.call("GET", "/api/v1/cases/", token=token)
    assert listed.status == 200, listed.text
    opened = server.call("POST", "/api/v1/cases/", token=token, body={"victim_name": VICTIM})
    assert opened.status == 201, opened.text
    case_id = opened.json()["id"]
    note = server.call("POST", f"/api/v1/cases/{case_id}/notes/", token=token, body={"body": "Called her back."})
    assert note.status == 201, note.text
    notes = server.call("GET", f"/api/v1/cases/{case_id}/notes/", token=token)
    assert notes.status == 200, notes.text
    assert [row["body"] for row in notes.json()["results"]] == ["Called her back."]
    due = (timezone.now() + timedelta(days=1)).isoformat()
    followup = server.call("POST", f"/api/v1/cases/{case_id}/followups/", token=token, body={"due_at": due})
    assert followup.status == 201, followup.text
    # The sign-in endpoint has a throttle of its own (scope "token"): it fails open too.
    assert _sign_in(server, alice, password)
    assert server.call("GET", "/accounts/login/").status == 200

    # Nothing was lost: the rows are in PostgreSQL.
    case = Case.objects.get(pk=case_id)
    assert case.notes.count() == 1
    assert case.followups.count() == 1


def test_it_warns_once_about_the_outage_without_victim_details(
    server: WebServer, own_redis: RedisServer, alice: User, password: str
) -> None:
    token = _sign_in(server, alice, password)
    own_redis.stop()
    for _ in range(20):
        assert server.call("POST", "/api/v1/cases/", token=token, body={"victim_name": VICTIM}).status == 201

    text = server.log.read_text(encoding="utf-8")
    assert VICTIM not in text
    assert alice.email not in text
    assert "Internal Server Error" not in text
    warnings = [line for line in _log_lines(server) if line["logger"] == "caseflow.cache"]
    # One warning for the outage, not one per request (the next comes a minute later at the earliest).
    assert len(warnings) == 1, warnings
    assert warnings[0]["level"] == "WARNING"
    assert warnings[0]["error"] == "ConnectionError"


def test_it_reports_the_cache_in_readiness_and_stays_in_service(server: WebServer, own_redis: RedisServer) -> None:
    ready = server.call("GET", "/readyz")
    assert ready.status == 200
    assert ready.json()["checks"] == {"database": "ok", "broker": "ok", "cache": "ok"}

    own_redis.stop()
    degraded = server.call("GET", "/readyz")
    # Still ready: requests are served without Redis, so a load balancer must keep sending them here.
    assert degraded.status == 200, degraded.text
    assert degraded.json()["status"] == "degraded"
    assert degraded.json()["checks"] == {"database": "ok", "broker": "failing", "cache": "failing"}
    assert degraded.json()["failing"] == ["broker", "cache"]

    own_redis.start()
    assert server.call("GET", "/readyz").json()["checks"]["cache"] == "ok"


def test_it_enforces_throttles_again_once_redis_is_back(
    own_redis: RedisServer, tmp_path: Path, alice: User, password: str
) -> None:
    env = {"REDIS_URL": own_redis.url, "THROTTLE_TOKEN": "3/min"}
    with web_server(tmp_path / "gunicorn.log", extra_env=env) as server:
        body = {"email": alice.email, "password": password}
        assert [server.call("POST", "/api/v1/auth/token/", body=body).status for _ in range(4)] == [200, 200, 200, 429]

        own_redis.stop()
        # Fails open: no counter can be read, so none is enforced.
        assert [server.call("POST", "/api/v1/auth/token/", body=body).status for _ in range(4)] == [200] * 4

        own_redis.start()  # empty: the counters start again from zero
        assert server.call("GET", "/readyz").json()["checks"]["cache"] == "ok"
        assert [server.call("POST", "/api/v1/auth/token/", body=body).status for _ in range(4)] == [200, 200, 200, 429]


def test_it_counts_each_users_api_calls_and_lets_them_through_while_redis_is_down(
    own_redis: RedisServer, tmp_path: Path, alice: User, bob: User, password: str
) -> None:
    """The per-user rate (caseflow/throttling.py: two counters in Redis) over real HTTP: the fourth call
    of three a minute is a 429 with the seconds to wait, another user is counted apart, and with
    Redis down nothing is counted and every call is answered."""
    env = {"REDIS_URL": own_redis.url, "THROTTLE_USER": "3/min"}
    with web_server(tmp_path / "gunicorn.log", extra_env=env) as server:
        token = _sign_in(server, alice, password)
        answers = [server.call("GET", "/api/v1/cases/", token=token) for _ in range(4)]
        assert [answer.status for answer in answers] == [200, 200, 200, 429]
        assert 0 < int(answers[-1].headers["Retry-After"]) <= 60
        assert server.call("GET", "/api/v1/cases/", token=_sign_in(server, bob, password)).status == 200

        own_redis.stop()
        assert [server.call("GET", "/api/v1/cases/", token=token).status for _ in range(4)] == [200] * 4

        own_redis.start()  # empty: counting starts again
        assert server.call("GET", "/readyz").json()["checks"]["cache"] == "ok"
        assert [server.call("GET", "/api/v1/cases/", token=token).status for _ in range(4)] == [200, 200, 200, 429]
