"""Five failures for one account from one address lock that pair for 15 minutes, nothing more."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import lockout
from accounts.models import Role, User
from tests.factories import UserFactory

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


# --- The lockout counts the account, however its address is spelt ------------------------------

TOKEN = "/api/v1/auth/token/"
VICTIM = "kim-lock@seoul.test"
# Every spelling that signs in to the same account: case, surrounding spaces, and the Kelvin sign
# (U+212A), which passes e-mail validation and lower-cases to a plain "k".
SPELLINGS = [
    "KIM-LOCK@SEOUL.TEST",
    "Kim-Lock@Seoul.Test",
    "  kim-lock@seoul.test  ",
    " KIM-lock@SEOUL.test\t",
    "\u212aim-lock@seoul.test",
]


@pytest.fixture
def victim(centre) -> User:
    return UserFactory.create(email=VICTIM, full_name="Kim Lock", centre=centre, role=Role.COUNSELLOR)


def _token(email: str, password: str, address: str = "203.0.113.9"):
    return APIClient().post(TOKEN, {"email": email, "password": password}, format="json", REMOTE_ADDR=address)


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_it_keeps_the_account_locked_on_the_sign_in_page_whatever_the_spelling(
    victim: User, password: str, spelling: str
) -> None:
    assert _attempt(spelling, password, "10.7.7.7").status_code == 302  # the spelling does sign in
    _fail(5, email=VICTIM)
    locked = _attempt(spelling, password, "203.0.113.9")
    assert locked.status_code == 429
    assert "_auth_user_id" not in locked.client.session


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_it_keeps_the_account_locked_on_the_token_endpoint_whatever_the_spelling(
    victim: User, password: str, spelling: str
) -> None:
    assert _token(spelling, password, "10.7.7.7").status_code == 200  # the spelling does get a token
    for _ in range(5):
        _token(VICTIM, "not the password")
    locked = _token(spelling, password)
    assert locked.status_code == 429
    assert "token" not in locked.content.decode()


def test_it_counts_the_failures_of_every_spelling_together(victim: User, password: str) -> None:
    for spelling in SPELLINGS[:3]:
        _attempt(spelling, "not the password", "203.0.113.9")
    for spelling in SPELLINGS[3:]:
        _token(spelling, "not the password")
    assert _attempt(VICTIM, password, "203.0.113.9").status_code == 429
    assert _token(VICTIM.upper(), password).status_code == 429
    assert set(AccessAttempt.objects.values_list("username", flat=True)) == {VICTIM}


def test_it_resets_the_count_of_every_spelling_on_success(victim: User, password: str) -> None:
    for spelling in SPELLINGS[:4]:
        _attempt(spelling, "not the password", "203.0.113.9")
    assert _attempt(SPELLINGS[4], password, "203.0.113.9").status_code == 302
    assert not AccessAttempt.objects.exists()
    _fail(4, email=VICTIM.upper())
    assert _token(VICTIM, password).status_code == 200


def test_it_lets_no_full_width_spelling_in_or_count_it_apart(victim: User, password: str) -> None:
    full_width = "ｋｉｍ-ｌｏｃｋ@seoul.test"
    _fail(5, email=VICTIM)
    page = _attempt(full_width, password, "10.7.7.7")
    assert page.status_code == 200
    assert "_auth_user_id" not in page.client.session
    assert _token(full_width, password, "10.7.7.7").status_code == 400
    # Refused as malformed before any password check: no guess was made, and none is counted.
    assert _attempt(VICTIM, password, "10.7.7.7").status_code == 302


def test_it_answers_a_locked_api_client_in_json(victim: User, password: str) -> None:
    for _ in range(5):
        _token(VICTIM, "not the password")
    locked = _token(VICTIM, password)
    assert locked.status_code == 429
    assert locked["Content-Type"].startswith("application/json")
    assert "detail" in locked.json()
    assert "<html" not in locked.content.decode()


def test_it_lists_locked_accounts_by_their_address_in_the_admin(
    client_as, victim: User, erin: User, password: str
) -> None:
    for spelling in SPELLINGS:
        _attempt(spelling, "not the password", "203.0.113.9")
    page = client_as(erin).get("/admin/axes/accessattempt/").content.decode()
    assert VICTIM in page
    assert "KIM-LOCK" not in page and "Kim-Lock" not in page


# --- One address trying many accounts ------------------------------------------------------------


def in_the_middle_of_a_window(monkeypatch: pytest.MonkeyPatch) -> None:
    """The address's failures are counted in 15-minute windows of the clock: a test that spans the
    start of one would see its count begin again (one run in about 200 did). Held mid-window."""
    middle = (time.time() // 900) * 900 + 450
    monkeypatch.setattr(lockout, "clock", lambda: middle)


@pytest.fixture
def address_limit(settings, monkeypatch: pytest.MonkeyPatch) -> int:
    settings.SIGNIN_ADDRESS_FAILURE_LIMIT = 6
    in_the_middle_of_a_window(monkeypatch)
    return 6


def _spray(times: int, address: str) -> None:
    """One wrong password for each of many accounts, real or not: never five for one account."""
    for n in range(times):
        _attempt(f"someone{n}@seoul.test", "not the password", address)


def test_it_pauses_every_sign_in_from_an_address_that_fails_on_many_accounts(
    alice: User, password: str, address_limit: int
) -> None:
    _spray(address_limit - 1, "198.51.100.7")
    assert _attempt("alice@seoul.test", password, "198.51.100.7").status_code == 302
    _spray(1, "198.51.100.7")
    paused = _attempt("alice@seoul.test", password, "198.51.100.7")
    assert paused.status_code == 429
    assert "_auth_user_id" not in paused.client.session
    assert (
        "from this address"
        in Client()
        .post(
            LOGIN,
            {"username": "alice@seoul.test", "password": password},
            REMOTE_ADDR="198.51.100.7",
            headers={"accept-language": "en"},
        )
        .content.decode()
    )
    # Another address is not affected.
    assert _attempt("alice@seoul.test", password, "10.1.2.3").status_code == 302


def test_it_pauses_token_requests_and_the_admin_sign_in_from_that_address(
    alice: User, erin: User, password: str, address_limit: int
) -> None:
    for n in range(address_limit):
        _token(f"someone{n}@seoul.test", "not the password", "198.51.100.8")
    paused = _token("alice@seoul.test", password, "198.51.100.8")
    assert paused.status_code == 429
    assert paused["Content-Type"].startswith("application/json")
    admin = Client()
    admin.post("/admin/login/", {"username": erin.email, "password": password}, REMOTE_ADDR="198.51.100.8")
    assert "_auth_user_id" not in admin.session
    assert _token("alice@seoul.test", password, "10.1.2.4").status_code == 200


def test_it_counts_an_ipv6_client_by_its_network(alice: User, password: str, address_limit: int) -> None:
    for n in range(address_limit):
        _attempt(f"someone{n}@seoul.test", "not the password", f"2001:db8:1:2::{n + 1:x}")
    assert _attempt("alice@seoul.test", password, "2001:db8:1:2:ffff::1").status_code == 429
    assert _attempt("alice@seoul.test", password, "2001:db8:1:3::1").status_code == 302


def test_it_lets_the_address_in_again_after_the_window(
    alice: User, password: str, address_limit: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    start = (time.time() // 900 + 1) * 900  # the start of a 15-minute window
    monkeypatch.setattr(lockout, "clock", lambda: start + 60)
    _spray(address_limit, "198.51.100.9")
    monkeypatch.setattr(lockout, "clock", lambda: start + 899)
    assert _attempt("alice@seoul.test", password, "198.51.100.9").status_code == 429
    monkeypatch.setattr(lockout, "clock", lambda: start + 900)
    assert _attempt("alice@seoul.test", password, "198.51.100.9").status_code == 302
