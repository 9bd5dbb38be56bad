"""API tokens: exchanged for e-mail and password, used as `Authorization: Token …`, revoked."""

from __future__ import annotations

import pytest
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts.models import User

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"
ME = "/api/v1/auth/me/"


def _issue(api: APIClient, email: str, password: str, address: str = "10.0.0.1") -> str:
    response = api.post(TOKEN, {"email": email, "password": password}, format="json", REMOTE_ADDR=address)
    assert response.status_code == 200, response.content
    return str(response.json()["token"])


def test_it_issues_a_token_that_identifies_the_user(api: APIClient, alice: User, password: str) -> None:
    token = _issue(api, "alice@seoul.test", password)
    assert token.startswith("cf_")
    # Stored hashed: the token itself is nowhere in the table.
    assert not AuthToken.objects.filter(digest=token).exists()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = api.get(ME)
    assert me.status_code == 200
    assert me.json() == {
        "id": alice.pk,
        "email": "alice@seoul.test",
        "full_name": "Alice Kim",
        "role": "counsellor",
        "centre": "Seoul Centre",
        "preferred_language": "ko",
    }


def test_it_refuses_a_wrong_password_with_400(api: APIClient, alice: User) -> None:
    response = api.post(TOKEN, {"email": "alice@seoul.test", "password": "nope"}, format="json")
    assert response.status_code == 400
    assert "non_field_errors" in response.json()


def test_it_names_the_missing_fields(api: APIClient) -> None:
    response = api.post(TOKEN, {"email": "not-an-address"}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"email", "password"}


def test_it_revokes_one_token(api: APIClient, alice: User, password: str) -> None:
    first, second = _issue(api, "alice@seoul.test", password), _issue(api, "alice@seoul.test", password)
    api.credentials(HTTP_AUTHORIZATION=f"Token {first}")
    assert api.post("/api/v1/auth/token/revoke/").status_code == 204
    assert api.get(ME).status_code == 401
    api.credentials(HTTP_AUTHORIZATION=f"Token {second}")
    assert api.get(ME).status_code == 200


def test_it_revokes_every_token_of_the_user(api: APIClient, alice: User, bob: User, password: str) -> None:
    first, second = _issue(api, "alice@seoul.test", password), _issue(api, "alice@seoul.test", password)
    bobs = _issue(api, "bob@seoul.test", password)
    api.credentials(HTTP_AUTHORIZATION=f"Token {first}")
    assert api.post("/api/v1/auth/token/revoke-all/").status_code == 204
    for token, status in [(first, 401), (second, 401), (bobs, 200)]:
        api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        assert api.get(ME).status_code == status


def test_it_refuses_a_deactivated_user(api: APIClient, alice: User, password: str) -> None:
    token = _issue(api, "alice@seoul.test", password)
    User.objects.filter(pk=alice.pk).update(is_active=False)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get(ME).status_code == 401
    assert api.post(TOKEN, {"email": "alice@seoul.test", "password": password}, format="json").status_code == 400


def test_it_locks_token_requests_like_sign_ins(api: APIClient, alice: User, password: str) -> None:
    for _ in range(5):
        api.post(TOKEN, {"email": "alice@seoul.test", "password": "nope"}, format="json", REMOTE_ADDR="203.0.113.7")
    locked = api.post(
        TOKEN, {"email": "alice@seoul.test", "password": password}, format="json", REMOTE_ADDR="203.0.113.7"
    )
    assert locked.status_code == 429
    assert _issue(api, "alice@seoul.test", password, address="10.0.0.8")


def test_it_answers_401_without_credentials(api: APIClient) -> None:
    response = api.get(ME)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Token")


def test_it_keeps_at_most_the_token_limit(api, alice: User, password: str, settings) -> None:
    for _ in range(22):
        assert (
            api.post(
                "/api/v1/auth/token/",
                {"email": alice.email, "password": password},
                format="json",
                REMOTE_ADDR=f"10.0.{_}.1",
            ).status_code
            == 200
        )
    assert AuthToken.objects.filter(user=alice).count() == 20


def test_it_revokes_tokens_when_the_password_changes(api, alice: User, password: str) -> None:
    token = api.post("/api/v1/auth/token/", {"email": alice.email, "password": password}, format="json").json()["token"]
    alice.set_password("a completely new passphrase 9")
    alice.save()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/v1/auth/me/").status_code == 401
