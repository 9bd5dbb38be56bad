"""The client address comes from REMOTE_ADDR, or from our own proxies' entry in X-Forwarded-For."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from accounts.models import User
from caseflow.net import client_ip


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [
        (0, "10.0.0.9", "1.2.3.4", "10.0.0.9"),  # no proxy: a client-written header is ignored
        (1, "10.0.0.2", "203.0.113.7", "203.0.113.7"),
        (1, "10.0.0.2", "6.6.6.6, 203.0.113.7", "203.0.113.7"),  # the client prepended a fake entry
        (2, "10.0.0.2", "6.6.6.6, 203.0.113.7, 10.0.0.3", "203.0.113.7"),
        (1, "10.0.0.2", "", None),
        (1, "10.0.0.2", "not-an-address", None),
    ],
)
def test_it_trusts_only_our_proxies(settings, proxies: int, remote: str, forwarded: str, expected: str | None) -> None:
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


@pytest.mark.django_db
def test_it_locks_out_by_the_real_client_behind_a_proxy(client, settings, alice: User, password: str) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    for _ in range(5):
        client.post(
            "/accounts/login/",
            {"username": alice.email, "password": "wrong"},
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR="198.51.100.66",
        )
    # The attacker is locked out; alice, behind the same proxy, is not.
    locked = client.post(
        "/accounts/login/",
        {"username": alice.email, "password": password},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="198.51.100.66",
    )
    assert locked.status_code == 429
    ok = client.post(
        "/accounts/login/",
        {"username": alice.email, "password": password},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="203.0.113.5",
    )
    assert ok.status_code == 302
