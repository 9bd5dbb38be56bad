"""The OpenAPI schema and its browsable docs are for signed-in staff only."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import User

pytestmark = pytest.mark.django_db


def test_it_hides_the_schema_from_signed_out_visitors(client: Client) -> None:
    assert client.get("/api/schema/").status_code in {401, 403}
    assert client.get("/api/docs/").status_code in {401, 403}


def test_it_serves_an_openapi_schema_to_staff(client_as, alice: User) -> None:
    response = client_as(alice).get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert {"/api/v1/auth/token/", "/api/v1/auth/me/"} <= set(schema["paths"])


def test_it_describes_each_schema_by_its_own_docstring_only(client_as, alice: User) -> None:
    from caseflow.api import FieldsBuiltOnce

    schemas = client_as(alice).get("/api/schema/", {"format": "json"}).json()["components"]["schemas"]
    inner = (FieldsBuiltOnce.__doc__ or "").split()[:8]
    leaked = [name for name, schema in schemas.items() if schema.get("description", "").split()[:8] == inner]
    assert not leaked, f"described by a base class's docstring: {leaked}"
    assert schemas["RiskAssessment"]["description"].startswith("One assessment of the risk of harm")


def test_it_serves_the_docs_from_this_host(client_as, alice: User) -> None:
    page = client_as(alice).get("/api/docs/").content.decode()
    assert "swagger-ui" in page
    assert "cdn.jsdelivr" not in page and "unpkg" not in page


def test_it_runs_no_inline_script_on_the_docs_page(client_as, alice: User) -> None:
    client = client_as(alice)
    response = client.get("/api/docs/")
    page = response.content.decode()
    assert "<script>" not in page
    assert "script-src 'self'" in response["Content-Security-Policy"]
    init = client.get("/api/docs/", {"script": ""})
    assert init.status_code == 200
    assert init["Content-Type"].startswith("application/javascript")
