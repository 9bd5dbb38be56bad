"""A session that owes a code reaches only the sign-in and two-step pages: every other URL pattern refuses it."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.middleware import OPEN_NAMESPACES, OPEN_VIEWS
from accounts.models import User
from tests.caseflow.test_urls_signed_out import ALL


def _open(name: str) -> bool:
    return name in OPEN_VIEWS or name.split(":")[0] in OPEN_NAMESPACES


def test_it_opens_only_signing_in_and_the_two_step_pages() -> None:
    opened = sorted(name for name, _ in ALL if _open(name))
    assert [name for name in opened if not name.startswith("portal:")] == sorted(OPEN_VIEWS)


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "path"), [entry for entry in ALL if not _open(entry[0])])
@pytest.mark.parametrize("method", ["get", "post"])
def test_it_refuses_a_supervisor_who_has_not_entered_her_code(carol: User, name: str, path: str, method: str) -> None:
    client = Client()
    client.force_login(carol)
    response = getattr(client, method)(path)
    assert response.status_code == 403, f"{method.upper()} {name} {path} answered {response.status_code}"
