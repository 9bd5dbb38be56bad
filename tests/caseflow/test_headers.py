"""Every response carries the security headers; nothing a signed-in person sees is cached."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from accounts.models import User

pytestmark = pytest.mark.django_db


def test_it_sends_a_strict_content_security_policy(client: Client) -> None:
    policy = client.get("/accounts/login/")["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["default-src"] == "'self'"
    # No inline script: a nonce appears only where a page uses one.
    assert directives["script-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert "unsafe-inline" not in policy


def test_it_loads_nothing_from_another_host(client_as, alice: User) -> None:
    page = client_as(alice).get("/").content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert sources
    assert all(not re.match(r"^(https?:)?//", source) for source in sources), sources


def test_it_forbids_caching_of_signed_in_pages(client_as, alice: User) -> None:
    response = client_as(alice).get("/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_it_forbids_caching_of_api_responses(api_as, alice: User) -> None:
    assert "no-store" in api_as(alice).get("/api/v1/auth/me/")["Cache-Control"]


def test_it_sends_no_referrer_and_framing_headers(client: Client) -> None:
    response = client.get("/accounts/login/")
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_it_sends_hsts_over_https(client: Client, settings) -> None:
    settings.SECURE_HSTS_SECONDS = 31_536_000
    response = client.get("/accounts/login/", secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")


def test_it_marks_cookies_secure_and_http_only_in_production(
    client: Client, alice: User, password: str, settings
) -> None:
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    client.get("/accounts/login/", secure=True)
    response = client.post("/accounts/login/", {"username": alice.email, "password": password}, secure=True)
    session = response.cookies["caseflow_session"]
    assert session["secure"] and session["httponly"]
    assert session["samesite"] == "Lax"
    assert client.cookies["caseflow_csrf"]["secure"]


def test_it_refuses_a_body_over_one_megabyte_with_413(api_as, alice: User) -> None:
    body = '{"x": "' + "a" * (1024 * 1024) + '"}'
    response = api_as(alice).post("/api/v1/auth/token/", body, content_type="application/json")
    assert response.status_code == 413
    assert "1048576" in response.json()["detail"]
