"""Bad input is a 400 naming the reason, never a 500: JSON nested too deep is refused before parsing."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from accounts.models import User

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"
CASES = "/api/v1/cases/"


def _arrays(depth: int) -> str:
    return "[" * depth + "]" * depth


def _objects(depth: int) -> str:
    return '{"a": ' * depth + "1" + "}" * depth


def _assert_refused_for_depth(response) -> None:
    assert response.status_code == 400, response.content[:200]
    assert response["Content-Type"] == "application/json"
    # "JSON nested deeper than 64 levels." (in the request's language)
    assert list(response.json()) == ["detail"]
    assert "JSON" in response.json()["detail"]
    assert "64" in response.json()["detail"]


@pytest.mark.parametrize("nest", [_arrays, _objects], ids=["arrays", "objects"])
@pytest.mark.parametrize("depth", [1_000, 10_000, 50_000])
def test_it_refuses_deep_json_signed_out(client: Client, nest, depth: int) -> None:
    _assert_refused_for_depth(client.post(TOKEN, nest(depth), content_type="application/json"))


@pytest.mark.parametrize("nest", [_arrays, _objects], ids=["arrays", "objects"])
@pytest.mark.parametrize("depth", [10_000, 50_000])
def test_it_refuses_deep_json_signed_in(api_as, alice: User, nest, depth: int) -> None:
    response = api_as(alice).post(CASES, nest(depth), content_type="application/json")
    _assert_refused_for_depth(response)


def test_it_accepts_64_levels_and_refuses_65(client: Client, alice: User, password: str) -> None:
    def sign_in(extra: str):
        # The request object is the first level; `extra` (ignored by the endpoint) holds the others.
        body = json.dumps({"email": alice.email, "password": password})[:-1] + ', "extra": ' + extra + "}"
        return client.post(TOKEN, body, content_type="application/json")

    assert sign_in(_arrays(63)).status_code == 200
    assert sign_in(_objects(63)).status_code == 200
    _assert_refused_for_depth(sign_in(_arrays(64)))
    _assert_refused_for_depth(sign_in(_objects(64)))


def test_it_does_not_count_brackets_inside_strings(api_as, alice: User) -> None:
    summary = "[" * 5_000 + "{" * 5_000 + ' \\" [[[ \\\\ {{{ ' + "}" * 7 + "]" * 9
    body = json.dumps({"victim_name": "[{김민지}]", "summary": summary})
    response = api_as(alice).post(CASES, body, content_type="application/json")
    assert response.status_code == 201, response.content[:300]
    assert response.json()["summary"] == summary


def test_it_sees_the_end_of_a_string_after_an_escaped_backslash(api_as, alice: User) -> None:
    # "x\\" ends the string: the brackets after it are structure and count.
    body = '{"victim_name": "x\\\\", "summary": ' + _arrays(100) + "}"
    assert json.loads(body)["victim_name"] == "x\\"
    _assert_refused_for_depth(api_as(alice).post(CASES, body, content_type="application/json"))


def test_it_keeps_an_escaped_quote_inside_the_string(api_as, alice: User) -> None:
    # "x\"[[[…" is one string: the escaped quote does not end it, so its brackets do not count.
    body = '{"victim_name": "x\\"' + "[" * 100 + '"}'
    response = api_as(alice).post(CASES, body, content_type="application/json")
    assert response.status_code == 201, response.content[:300]
    assert response.json()["victim_name"] == 'x"' + "[" * 100


def test_it_still_names_a_malformed_body(api_as, alice: User) -> None:
    for body in ['{"victim_name": ', '{"victim_name": "unterminated \\', "[" * 10 + '"open']:
        response = api_as(alice).post(CASES, body, content_type="application/json")
        assert response.status_code == 400
        assert response.json()["detail"].startswith("JSON parse error")


def test_it_accepts_ordinary_payloads(client: Client, api_as, alice: User, password: str) -> None:
    token = client.post(TOKEN, {"email": alice.email, "password": password}, content_type="application/json")
    assert token.status_code == 200
    case = {
        "victim_name": "김민지",
        "harm_types": ["synthetic", "distribution"],
        "consents": {"contact": True, "share_with_police": False, "hash_matching": True},
    }
    response = api_as(alice).post(CASES, case, content_type="application/json")
    assert response.status_code == 201
    assert response.json()["harm_types"] == ["distribution", "synthetic"]
