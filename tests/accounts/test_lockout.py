"""Five failures for one account from one address lock that pair for 15 minutes, nothing more."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.utils import timezone

from accounts.models import User

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def _attempt(email: str, password: str, address: str):
    return Client().post(LOGIN, {"username": email, "password": password}, REMOTE_ADDR=address)


def _fail(times: int, email: str = "alice@seoul.test", address: str = "203.0.113.9") -> None:
    for _ in range(times):
        _attempt(email, "not the password", address)


def test_it_locks_the_account_at_that_address_after_five_failures(alice: User, password: str) -> None:
    _fail(4)
    assert _attempt("alice@seoul.test", password, "203.0.113.9").status_code == 302
    # A success resets the count.
    _fail(5)
    locked = _attempt("alice@seoul.test", password, "203.0.113.9")
    assert locked.status_code == 429
    assert "15" in locked.content.decode()


def test_it_still_lets_the_counsellor_in_from_her_own_desk(alice: User, password: str) -> None:
    _fail(10, address="198.51.100.66")  # an attacker elsewhere
    assert _attempt("alice@seoul.test", password, "10.1.2.3").status_code == 302


def test_it_does_not_lock_other_accounts_at_the_same_address(alice: User, bob: User, password: str) -> None:
    _fail(5, email="alice@seoul.test", address="10.9.9.9")
    assert _attempt("bob@seoul.test", password, "10.9.9.9").status_code == 302


def test_it_lifts_the_lock_after_fifteen_minutes(alice: User, password: str) -> None:
    _fail(5)
    assert _attempt("alice@seoul.test", password, "203.0.113.9").status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert _attempt("alice@seoul.test", password, "203.0.113.9").status_code == 302
