"""Staff sign in and out through the server-rendered pages, in Korean or English."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from accounts.models import User, normalize_address

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def _login(client: Client, email: str, password: str, address: str = "10.0.0.1"):
    return client.post(LOGIN, {"username": email, "password": password}, REMOTE_ADDR=address)


def test_it_shows_the_login_page_in_korean(client: Client) -> None:
    response = client.get(LOGIN, headers={"accept-language": "ko"})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'lang="ko"' in page
    assert "로그인" in page


def test_it_shows_the_login_page_in_english(client: Client) -> None:
    response = client.get(LOGIN, headers={"accept-language": "en"})
    page = response.content.decode()
    assert 'lang="en"' in page
    assert "Sign in to caseflow" in page
    assert "로그인" not in page


def test_it_signs_in_and_shows_the_empty_dashboard(client: Client, alice: User, password: str) -> None:
    response = _login(client, "ALICE@seoul.test", password)
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:dashboard")
    page = client.get(response["Location"], headers={"accept-language": "en"}).content.decode()
    assert "Alice Kim" in page
    assert "No cases are assigned to you." in page


def test_it_refuses_a_wrong_password_without_saying_which_part_was_wrong(client: Client, alice: User) -> None:
    response = _login(client, "alice@seoul.test", "wrong password", address="10.0.0.2")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    # The same page for an unknown address and a wrong password: no account enumeration.
    other = _login(Client(), "nobody@seoul.test", "wrong password", address="10.0.0.2")
    assert response.content.decode().count("errors") == other.content.decode().count("errors")


def test_it_signs_out_with_post_only(client: Client, alice: User) -> None:
    client.force_login(alice)
    assert client.get("/accounts/logout/").status_code == 405
    assert "_auth_user_id" in client.session
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert client.get(reverse("cases:dashboard")).status_code == 302


def test_it_requires_a_csrf_token_to_sign_in(alice: User, password: str) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(LOGIN, {"username": "alice@seoul.test", "password": password})
    assert response.status_code == 403


def test_it_switches_language_with_the_header_form(client: Client, alice: User) -> None:
    client.force_login(alice)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "Dashboard" in client.get("/").content.decode()
    client.post("/i18n/setlang/", {"language": "ko", "next": "/"})
    assert "대시보드" in client.get("/").content.decode()


def _csrf_client() -> tuple[Client, str]:
    client = Client(enforce_csrf_checks=True)
    client.get(LOGIN, secure=True)
    return client, client.cookies["caseflow_csrf"].value


def test_it_accepts_a_same_site_form_sent_under_no_referrer(alice: User, password: str) -> None:
    # What Chromium sends for a same-site form POST under `Referrer-Policy: no-referrer`.
    client, token = _csrf_client()
    response = client.post(
        LOGIN,
        {"username": alice.email, "password": password, "csrfmiddlewaretoken": token},
        secure=True,
        headers={"origin": "null", "sec-fetch-site": "same-origin"},
    )
    assert response.status_code == 302


@pytest.mark.parametrize(
    "headers",
    [
        {"origin": "null", "sec-fetch-site": "cross-site"},
        {"origin": "null"},
        {"origin": "https://evil.example", "sec-fetch-site": "same-origin"},
    ],
)
def test_it_refuses_a_form_from_another_site(alice: User, password: str, headers: dict[str, str]) -> None:
    client, token = _csrf_client()
    response = client.post(
        LOGIN,
        {"username": alice.email, "password": password, "csrfmiddlewaretoken": token},
        secure=True,
        headers=headers,
    )
    assert response.status_code == 403


@pytest.mark.parametrize("spelling", ["ALICE@SEOUL.TEST", "  Alice@Seoul.Test ", "alice@seoul.test"])
def test_it_signs_in_with_any_spelling_of_the_address(alice: User, password: str, spelling: str) -> None:
    assert _login(Client(), spelling, password).status_code == 302


@settings(deadline=None, database=None)  # a stall of a loaded VM is not a slow normalisation
@given(st.text(max_size=40))
def test_it_normalises_an_address_once_and_for_all(value: str) -> None:
    # Stored addresses are normalised twice (create_user, then clean()); sign-in normalises once.
    once = normalize_address(value)
    assert normalize_address(once) == once
