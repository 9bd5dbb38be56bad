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


# --- Answers produced before or around the views: redirects, refusals, errors -----------------------


def _assert_guarded(response) -> None:
    """The headers every answer carries, whichever layer produced it."""
    policy = response.get("Content-Security-Policy", "")
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy, response.headers
    assert response.get("X-Frame-Options") == "DENY", response.headers
    assert "no-store" in response.get("Cache-Control", ""), response.headers
    assert response.get("X-Content-Type-Options") == "nosniff", response.headers
    assert response.get("Referrer-Policy") == "no-referrer", response.headers


def _assert_json_error(response, status: int) -> None:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "application/json", response.content[:300]
    assert isinstance(response.json()["detail"], str) and response.json()["detail"]


@pytest.mark.parametrize("path", ["/api/v1/auth/token/", "/accounts/login/"])
def test_it_guards_the_413_for_a_body_too_large(client: Client, path: str) -> None:
    response = client.post(path, "x" * (1024 * 1024 + 1), content_type="application/octet-stream")
    assert response.status_code == 413
    _assert_guarded(response)


@pytest.mark.parametrize(
    ("path", "target"), [("/api/v1/cases", "/api/v1/cases/"), ("/accounts/login", "/accounts/login/")]
)
def test_it_guards_the_redirect_that_appends_a_slash(client: Client, path: str, target: str) -> None:
    response = client.get(path)
    assert response.status_code == 301
    assert response["Location"] == target
    _assert_guarded(response)


def test_it_guards_the_redirect_to_https(client: Client, settings) -> None:
    settings.SECURE_SSL_REDIRECT = True
    for path in ["/accounts/login/", "/api/v1/cases/"]:
        response = client.get(path)
        assert response.status_code == 301
        assert response["Location"] == f"https://testserver{path}"
        _assert_guarded(response)


def test_it_guards_the_400_for_a_host_not_allowed(client: Client) -> None:
    page = client.get("/accounts/login/", HTTP_HOST="evil.example")
    assert page.status_code == 400
    _assert_guarded(page)
    api = client.get("/api/v1/cases/", HTTP_HOST="evil.example")
    _assert_json_error(api, 400)
    _assert_guarded(api)


def test_it_guards_the_400_for_a_host_not_allowed_behind_the_https_redirect(client: Client, settings) -> None:
    settings.SECURE_SSL_REDIRECT = True
    response = client.post("/api/v1/auth/token/", {}, HTTP_HOST="evil.example")
    _assert_json_error(response, 400)
    _assert_guarded(response)


def test_it_answers_json_for_an_unknown_api_path(client: Client) -> None:
    response = client.get("/api/v1/no-such-thing/")
    _assert_json_error(response, 404)
    _assert_guarded(response)
    page = client.get("/no-such-page/")
    assert page.status_code == 404
    assert page["Content-Type"].startswith("text/html")
    _assert_guarded(page)


@pytest.mark.parametrize(("kind", "status"), [("forbidden", 403), ("suspicious", 400), ("broken", 500)])
def test_it_answers_json_for_errors_raised_outside_drf(settings, kind: str, status: int) -> None:
    settings.ROOT_URLCONF = "tests.caseflow.error_urls"
    client = Client(raise_request_exception=False)
    response = client.get(f"/api/v1/test-failure/{kind}/")
    _assert_json_error(response, status)
    assert "test of" not in response.content.decode()  # the exception's text stays in the log
    _assert_guarded(response)
    page = client.get(f"/test-failure/{kind}/")
    assert page.status_code == status
    assert page["Content-Type"].startswith("text/html")
    _assert_guarded(page)


def test_it_answers_json_for_a_locked_out_token_request(client: Client, alice: User, password: str) -> None:
    for _ in range(5):
        client.post("/api/v1/auth/token/", {"email": alice.email, "password": "nope"}, content_type="application/json")
    response = client.post(
        "/api/v1/auth/token/", {"email": alice.email, "password": password}, content_type="application/json"
    )
    _assert_json_error(response, 429)
    assert "15" in response.json()["detail"]  # the view's own answer: try again in 15 minutes
    _assert_guarded(response)


def test_it_still_shows_the_lockout_page_to_a_browser(client: Client, alice: User, password: str) -> None:
    for _ in range(5):
        client.post("/accounts/login/", {"username": alice.email, "password": "nope"})
    response = client.post("/accounts/login/", {"username": alice.email, "password": password})
    assert response.status_code == 429
    assert response["Content-Type"].startswith("text/html")
    assert "accounts/locked_out.html" in [template.name for template in response.templates]
    _assert_guarded(response)


def test_it_answers_json_for_a_refused_method(client: Client) -> None:
    response = client.delete("/api/v1/auth/token/")
    assert response.status_code in {401, 405}
    assert response["Content-Type"] == "application/json"
    _assert_guarded(response)
