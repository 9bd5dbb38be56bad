"""`make run` (DJANGO_DEBUG=1) shows the product's own 403 and 404 pages, never Django's debug pages."""

from __future__ import annotations

import pytest

from accounts.models import User

pytestmark = pytest.mark.django_db


def test_it_shows_its_own_404_in_debug(settings, client_as, alice: User) -> None:
    settings.DEBUG = True
    response = client_as(alice).get("/no-such-page/")
    page = response.content.decode()
    assert response.status_code == 404
    assert "Page not found at" not in page and "URLconf" not in page
    assert 'class="card narrow"' in page


def test_it_shows_its_own_403_in_debug(settings, client_as, erin: User, alice: User) -> None:
    from tests.cases.conftest import open_case

    case = open_case(alice)
    settings.DEBUG = True
    response = client_as(erin).get(f"/cases/{case.pk}/")
    assert response.status_code == 403
    assert "Traceback" not in response.content.decode() and "card narrow" in response.content.decode()


def test_it_keeps_json_errors_for_api_clients_in_debug(settings, api_as, alice: User) -> None:
    settings.DEBUG = True
    response = api_as(alice).get("/api/v1/cases/999999/")
    assert response.status_code == 404 and response["Content-Type"].startswith("application/json")
