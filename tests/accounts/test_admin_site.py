"""What an administrator may do in Django's admin site: her own centre's accounts, never a password,
never a centre, never another centre (DESIGN.md, "Who uses it")."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from accounts.models import Centre, Role, User
from tests.cases.conftest import open_case

pytestmark = pytest.mark.django_db


@pytest.mark.xfail(
    strict=True,
    reason="the admin's add-user form lets an administrator choose the password of the account she creates, "
    "so she can create a supervisor, sign in as her and read every case of the centre",
)
def test_it_lets_no_administrator_sign_in_as_an_account_she_created(
    client_as: Callable[[User], Client], erin: User, alice: User
) -> None:
    case = open_case(alice)
    client_as(erin).post(
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
    supervisor = Client()
    supervisor.post(
        "/accounts/login/", {"username": "second.supervisor@seoul.test", "password": "chosen by the administrator 7"}
    )
    assert supervisor.get(f"/cases/{case.pk}/").status_code != 200


@pytest.mark.xfail(
    strict=True, reason="/admin/accounts/user/<id>/password/ lets an administrator set anybody's password"
)
def test_it_lets_no_administrator_set_a_password(
    client_as: Callable[[User], Client], erin: User, alice: User, password: str
) -> None:
    page = f"/admin/accounts/user/{alice.pk}/password/"
    admin = client_as(erin)
    assert admin.get(page).status_code == 403
    admin.post(page, {"password1": "set by the administrator 9", "password2": "set by the administrator 9"})
    alice.refresh_from_db()
    assert alice.check_password(password)


@pytest.mark.xfail(
    strict=True, reason="/admin/accounts/centre/add/ lets an administrator create centres (an operators' command)"
)
def test_it_lets_no_administrator_create_a_centre(client_as: Callable[[User], Client], erin: User) -> None:
    admin = client_as(erin)
    assert admin.get("/admin/accounts/centre/add/").status_code == 403
    admin.post("/admin/accounts/centre/add/", {"name": "Daegu Centre"})
    assert not Centre.objects.filter(name="Daegu Centre").exists()


@pytest.mark.xfail(
    strict=True,
    reason="the admin's user pages list and open the accounts of every centre, not only the administrator's own",
)
def test_it_shows_an_administrator_no_account_of_another_centre(
    client_as: Callable[[User], Client], erin: User, alice: User, dave: User
) -> None:
    admin = client_as(erin)
    listing = admin.get("/admin/accounts/user/").content.decode()
    assert alice.email in listing
    assert dave.email not in listing
    assert admin.get(f"/admin/accounts/user/{dave.pk}/change/").status_code != 200
