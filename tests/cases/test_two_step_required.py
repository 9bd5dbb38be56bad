"""Roles in MFA_REQUIRED_FOR read no case with a password alone: pages and API answer 403 with the way on."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import User
from cases.models import AccessLog, Case
from tests.accounts.two_step import code, code_step, enrol, password_step
from tests.factories import authenticator

pytestmark = pytest.mark.django_db


def _password_only(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def test_it_refuses_a_supervisors_password_only_session_a_case_page(carol: User, alices_case: Case) -> None:
    client = _password_only(Client(), carol)
    page = client.get(f"/cases/{alices_case.pk}/", headers={"accept-language": "ko"})
    assert page.status_code == 403
    text = page.content.decode()
    assert "인증 앱" in text and 'href="/accounts/mfa/"' in text
    assert "김민지" not in text
    assert not AccessLog.objects.filter(user=carol).exists()


def test_it_refuses_a_supervisors_password_only_session_the_api_in_json(carol: User, alices_case: Case) -> None:
    api = _password_only(APIClient(), carol)
    for url in [f"/api/v1/cases/{alices_case.pk}/", "/api/v1/cases/", f"/api/v1/cases/{alices_case.pk}/notes/"]:
        response = api.get(url)
        assert response.status_code == 403, url
        assert response.json()["enrol_url"] == "http://testserver/accounts/mfa/"
    assert not AccessLog.objects.filter(user=carol).exists()


def test_it_lets_a_counsellors_password_only_session_read_by_default(alice: User, alices_case: Case) -> None:
    assert _password_only(Client(), alice).get(f"/cases/{alices_case.pk}/").status_code == 200
    assert _password_only(APIClient(), alice).get(f"/api/v1/cases/{alices_case.pk}/").status_code == 200


def test_it_refuses_counsellors_too_when_the_centre_says_so(
    alice: User, carol: User, alices_case: Case, settings
) -> None:
    settings.MFA_REQUIRED_FOR = ["counsellor", "supervisor", "admin"]
    assert _password_only(Client(), alice).get(f"/cases/{alices_case.pk}/").status_code == 403
    response = _password_only(APIClient(), alice).get(f"/api/v1/cases/{alices_case.pk}/")
    assert response.status_code == 403
    assert response.json()["enrol_url"].endswith("/accounts/mfa/")
    assert _password_only(Client(), carol).get(f"/cases/{alices_case.pk}/").status_code == 403


def test_it_lets_a_verified_supervisor_read(client_as, api_as, carol: User, alices_case: Case) -> None:
    assert client_as(carol).get(f"/cases/{alices_case.pk}/").status_code == 200
    assert api_as(carol).get(f"/api/v1/cases/{alices_case.pk}/").status_code == 200


def test_it_takes_a_supervisor_from_her_password_to_setting_up_and_then_to_the_case(
    carol: User, alices_case: Case, password: str
) -> None:
    client = Client()
    assert password_step(client, carol, password)["Location"] == "/accounts/mfa/"
    assert client.get(f"/cases/{alices_case.pk}/").status_code == 403
    page = client.get("/accounts/mfa/", headers={"accept-language": "en"}).content.decode()
    assert "Your role signs in with a password and a code from an authenticator app." in page
    enrol(client, carol)
    assert client.get(f"/cases/{alices_case.pk}/").status_code == 200


def test_it_asks_a_supervisor_with_an_app_for_her_code_before_the_case(
    carol: User, alices_case: Case, password: str
) -> None:
    device = authenticator(carol)
    client = Client()
    case_url = f"/cases/{alices_case.pk}/"
    assert password_step(client, carol, password, next_url=case_url)["Location"] == "/accounts/mfa/verify/"
    assert client.get(case_url).status_code == 302  # not signed in at all yet
    assert code_step(client, code(device))["Location"] == case_url
    assert client.get(case_url).status_code == 200


def test_it_serves_an_api_token_even_beside_an_unverified_session(
    carol: User, alices_case: Case, password: str
) -> None:
    device = authenticator(carol)
    api = APIClient()
    issued = api.post("/api/v1/auth/token/", {"email": carol.email, "password": password, "otp": code(device)})
    assert issued.status_code == 200
    api.force_login(carol)  # a password-only session cookie as well
    assert api.get(f"/api/v1/cases/{alices_case.pk}/").status_code == 403
    api.credentials(HTTP_AUTHORIZATION=f"Token {issued.json()['token']}")
    assert api.get(f"/api/v1/cases/{alices_case.pk}/").status_code == 200
    api.credentials(HTTP_AUTHORIZATION="Token cf_not-a-token")
    assert api.get(f"/api/v1/cases/{alices_case.pk}/").status_code == 401
    api.credentials(HTTP_AUTHORIZATION="Basic Y2Fyb2w6eA==")
    assert api.get(f"/api/v1/cases/{alices_case.pk}/").status_code == 403


def test_it_refuses_a_supervisors_password_only_session_the_reports(client_as, carol: User) -> None:
    urls = ["/reports/", "/reports/workload/", "/api/v1/reports/workload/"]
    password_only = _password_only(Client(), carol)
    for url in urls:
        response = password_only.get(url)
        assert response.status_code == 403, url
    assert password_only.get("/api/v1/reports/workload/").json()["enrol_url"].endswith("/accounts/mfa/")
    verified = client_as(carol)
    assert [verified.get(url).status_code for url in urls] == [200, 200, 200]


@pytest.mark.parametrize("header", ["Token x", "token cf_not-a-token", "TOKEN "])
def test_it_checks_the_session_of_a_page_request_that_names_a_token(
    carol: User, alices_case: Case, password: str, header: str
) -> None:
    """A page reads no token: a header naming one must not let a password-only session past the code
    (it did: the check stepped aside for any request whose Authorization said Token)."""
    client = _password_only(Client(), carol)
    for url in [f"/cases/{alices_case.pk}/", "/cases/", "/", "/reports/"]:
        response = client.get(url, HTTP_AUTHORIZATION=header)
        assert response.status_code == 403, url
        assert "김민지" not in response.content.decode()
    assert not AccessLog.objects.filter(user=carol).exists()
    # The API still reads the token first: a bad one is a 401 there, not the session's answer.
    api = _password_only(APIClient(), carol)
    assert api.get(f"/api/v1/cases/{alices_case.pk}/", HTTP_AUTHORIZATION="Token cf_not-a-token").status_code == 401
