"""What an administrator may do in Django's admin site: her own centre's accounts, never a password,
never a centre, never another centre (DESIGN.md, "Who uses it")."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from accounts.models import Centre, Role, User
from tests.cases.conftest import open_case

pytestmark = pytest.mark.django_db


def test_it_lets_no_administrator_sign_in_as_an_account_she_created(
    client_as: Callable[[User], Client], erin: User, alice: User
) -> None:
    """She may create a supervisor, but not choose her password: the password fields posted are ignored,
    so she cannot sign in as the supervisor and read every case of the centre."""
    case = open_case(alice)
    created = client_as(erin).post(
        "/admin/accounts/user/add/",
        {
            "email": "second.supervisor@seoul.test",
            "full_name": "Second Supervisor",
            "centre": erin.centre_id,
            "role": Role.SUPERVISOR,
            "preferred_language": "ko",
            "usable_password": "true",
            "password1": "chosen by the administrator 7",
            "password2": "chosen by the administrator 7",
        },
    )
    assert created.status_code == 302
    account = User.objects.get(email="second.supervisor@seoul.test")
    assert (account.role, account.has_usable_password()) == (Role.SUPERVISOR, False)
    supervisor = Client()
    supervisor.post(
        "/accounts/login/", {"username": "second.supervisor@seoul.test", "password": "chosen by the administrator 7"}
    )
    assert supervisor.get(f"/cases/{case.pk}/").status_code != 200


def test_it_lets_no_administrator_set_a_password(
    client_as: Callable[[User], Client], erin: User, alice: User, password: str
) -> None:
    """There is no password page: the admin's catch-all sends /password/ on to a change page of no such row."""
    page = f"/admin/accounts/user/{alice.pk}/password/"
    admin = client_as(erin)
    assert admin.get(page, follow=True).status_code == 404
    chosen = {"password1": "set by the administrator 9", "password2": "set by the administrator 9"}
    assert admin.post(page, chosen, follow=True).status_code == 404
    alice.refresh_from_db()
    assert alice.check_password(password)


def test_it_lets_no_administrator_create_a_centre(client_as: Callable[[User], Client], erin: User) -> None:
    admin = client_as(erin)
    assert admin.get("/admin/accounts/centre/add/").status_code == 403
    admin.post("/admin/accounts/centre/add/", {"name": "Daegu Centre"})
    assert not Centre.objects.filter(name="Daegu Centre").exists()


def test_it_shows_an_administrator_no_account_of_another_centre(
    client_as: Callable[[User], Client], erin: User, alice: User, dave: User
) -> None:
    admin = client_as(erin)
    listing = admin.get("/admin/accounts/user/").content.decode()
    assert alice.email in listing
    assert dave.email not in listing
    assert admin.get(f"/admin/accounts/user/{dave.pk}/change/").status_code == 404
