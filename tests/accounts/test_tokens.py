"""API tokens: exchanged for e-mail and password, used as `Authorization: Token …`, revoked."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts.models import User
from tests.accounts.two_step import code, enrol, wrong_code
from tests.factories import authenticator

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


# --- Two-step sign-in ------------------------------------------------------------------------------


def _ask(api: APIClient, user: User, password: str, address: str = "10.0.0.1", **extra: str):
    return api.post(TOKEN, {"email": user.email, "password": password, **extra}, format="json", REMOTE_ADDR=address)


def test_it_asks_an_account_with_an_app_for_its_code(api: APIClient, alice: User, password: str) -> None:
    device = authenticator(alice)
    missing = _ask(api, alice, password)
    assert missing.status_code == 400
    assert list(missing.json()) == ["otp"]
    wrong = _ask(api, alice, password, otp=wrong_code(device))
    assert wrong.status_code == 400
    assert "otp" in wrong.json()
    assert not AuthToken.objects.filter(user=alice).exists()
    # Both count as failed sign-ins for the lockout, like a wrong password.
    assert AccessAttempt.objects.get(username=alice.email).failures_since_start == 2


def test_it_issues_a_token_for_the_right_code_once(api: APIClient, alice: User, password: str, settings) -> None:
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # the replay below is refused for being used, not for coming too soon
    device = authenticator(alice)
    current = code(device)
    assert _ask(api, alice, password, otp=current).status_code == 200
    replayed = _ask(api, alice, password, otp=current)
    assert replayed.status_code == 400
    assert replayed.json()["otp"] == ["코드가 틀렸거나 이미 사용되었습니다."]
    assert AuthToken.objects.filter(user=alice).count() == 1


def test_it_issues_a_token_for_a_recovery_code_and_records_its_use(
    api: APIClient, client_as, alice: User, password: str
) -> None:
    _device, codes = enrol(client_as(alice), alice)
    assert _ask(api, alice, password, otp=codes[0]).status_code == 200
    assert alice.account_events.filter(kind="recovery_used").count() == 1
    assert _ask(api, alice, password, otp=codes[0]).status_code == 400


def test_it_gives_no_token_to_a_role_that_must_set_up_an_app_first(api: APIClient, carol: User, password: str) -> None:
    response = _ask(api, carol, password, otp="123456")
    assert response.status_code == 403
    assert response.json()["enrol_url"] == "http://testserver/accounts/mfa/"
    assert not AuthToken.objects.filter(user=carol).exists()
    token = _ask(api, carol, password, otp=code(authenticator(carol))).json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get(ME).json()["role"] == "supervisor"


def test_it_asks_counsellors_too_when_the_centre_says_so(api: APIClient, alice: User, password: str, settings) -> None:
    settings.MFA_REQUIRED_FOR = ["counsellor", "supervisor", "admin"]
    assert _ask(api, alice, password).status_code == 403
    settings.MFA_REQUIRED_FOR = ["supervisor", "admin"]
    assert _ask(api, alice, password).status_code == 200


def test_it_locks_the_account_after_five_wrong_codes(api: APIClient, alice: User, password: str, settings) -> None:
    # The app's own wait after wrong codes, which holds at every address, is tested in test_mfa.py.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    device = authenticator(alice)
    answers = [_ask(api, alice, password, address="203.0.113.5", otp=wrong_code(device)).status_code for _ in range(5)]
    assert answers == [400, 400, 400, 400, 429]
    locked = _ask(api, alice, password, address="203.0.113.5", otp=code(device))
    assert locked.status_code == 429
    assert locked["Content-Type"].startswith("application/json")
    assert _ask(api, alice, password, address="10.0.0.9", otp=code(device)).status_code == 200


def test_it_refuses_a_token_that_only_shares_the_key_or_is_not_text(api: APIClient, alice: User, password: str) -> None:
    """The stored key is the token's first characters; only the whole token's digest admits, and an
    expired token is refused and deleted (accounts.auth reads them by hand-written SQL)."""
    token = _issue(api, "alice@seoul.test", password)
    forged = token[:-1] + ("0" if token[-1] != "0" else "1")
    for header in (f"Token {forged}".encode(), b"Token cf_\xff\xfe\x80", f"Token {token[:15]}".encode()):
        response = api.get(ME, HTTP_AUTHORIZATION=header)
        assert response.status_code == 401, header
    assert api.get(ME, HTTP_AUTHORIZATION=f"Token {token}").status_code == 200
    AuthToken.objects.filter(user=alice).update(expiry=timezone.now() - timedelta(seconds=1))
    assert api.get(ME, HTTP_AUTHORIZATION=f"Token {token}").status_code == 401
    assert not AuthToken.objects.filter(user=alice).exists()
