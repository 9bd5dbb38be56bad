"""Each user has one role in one centre; administrators manage accounts and see no case content."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client

from accounts.models import Role, User
from notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_it_gives_each_user_a_role(alice: User, carol: User, erin: User) -> None:
    assert (alice.role, carol.role, erin.role) == (Role.COUNSELLOR, Role.SUPERVISOR, Role.ADMIN)
    assert alice.is_counsellor and carol.is_supervisor and erin.is_admin
    assert not alice.is_supervisor and not carol.is_admin


def test_it_lets_only_administrators_into_the_admin_site(client_as, alice: User, carol: User, erin: User) -> None:
    for user in (alice, carol):
        response = client_as(user).get("/admin/")
        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]
    assert client_as(erin).get("/admin/accounts/user/").status_code == 200


def test_it_limits_administrators_to_accounts_and_reference_data(client_as, erin: User) -> None:
    assert erin.has_perm("accounts.change_user")
    assert erin.has_perm("cases.change_platform")
    assert erin.has_perm("cases.change_lettertemplate")
    for perm in ["cases.view_case", "cases.view_note", "cases.view_sighting", "cases.view_takedownrequest"]:
        assert not erin.has_perm(perm)
    client = client_as(erin)
    assert client.get("/admin/cases/platform/").status_code == 200
    assert client.get("/admin/cases/case/").status_code == 404  # not even registered


def test_it_gives_other_roles_no_admin_permission(carol: User) -> None:
    assert not carol.is_staff
    assert not carol.has_perm("accounts.change_user")


def test_it_lets_an_administrator_create_a_user_in_the_admin(
    client_as, erin: User, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as(erin).post(
            "/admin/accounts/user/add/",
            {
                "email": "New.Counsellor@Seoul.test",
                "full_name": "New Counsellor",
                "role": "counsellor",
                "preferred_language": "en",
            },
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(email="new.counsellor@seoul.test")
    assert user.role == Role.COUNSELLOR
    assert user.centre_id == erin.centre_id
    # The administrator sets no password: the person chooses one through a link sent to her own address.
    assert not user.has_usable_password()
    assert [message.to for message in mail.outbox] == [["new.counsellor@seoul.test"]]


def test_it_creates_a_user_from_the_command_line(centre, monkeypatch: pytest.MonkeyPatch, password: str) -> None:
    monkeypatch.setenv("CASEFLOW_PASSWORD", password)
    call_command("create_user", "Sup@Seoul.test", name="Su Park", centre="Seoul Centre", role="supervisor")
    user = User.objects.get(email="sup@seoul.test")
    assert (user.role, user.centre, user.full_name) == (Role.SUPERVISOR, centre, "Su Park")
    assert user.password.startswith("argon2")
    assert Client().post("/accounts/login/", {"username": "sup@seoul.test", "password": password}).status_code == 302


def test_it_refuses_a_weak_password_on_the_command_line(centre, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASEFLOW_PASSWORD", "12345")
    with pytest.raises(CommandError, match="Password refused"):
        call_command("create_user", "x@seoul.test", name="X", centre="Seoul Centre", role="counsellor")
    assert not User.objects.filter(email="x@seoul.test").exists()


def test_it_refuses_an_unknown_centre_unless_asked_to_create_it(
    db, monkeypatch: pytest.MonkeyPatch, password: str
) -> None:
    monkeypatch.setenv("CASEFLOW_PASSWORD", password)
    with pytest.raises(CommandError, match="No centre is named"):
        call_command("create_user", "y@new.test", name="Y", centre="New Centre", role="counsellor")
    call_command("create_user", "y@new.test", name="Y", centre="New Centre", role="counsellor", create_centre=True)
    assert User.objects.get(email="y@new.test").centre.name == "New Centre"


def test_it_refuses_a_duplicate_address(alice: User, monkeypatch: pytest.MonkeyPatch, password: str) -> None:
    monkeypatch.setenv("CASEFLOW_PASSWORD", password)
    with pytest.raises(CommandError, match="already exists"):
        call_command("create_user", "ALICE@seoul.test", name="A", centre="Seoul Centre", role="counsellor")


def test_it_hashes_passwords_with_argon2(settings) -> None:
    assert settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_it_stops_an_administrator_promoting_herself(client_as, erin: User) -> None:
    client = client_as(erin)
    page = client.get(f"/admin/accounts/user/{erin.pk}/change/")
    assert page.status_code == 200
    client.post(
        f"/admin/accounts/user/{erin.pk}/change/",
        {
            "email": erin.email,
            "full_name": erin.full_name,
            "preferred_language": "ko",
            "role": "supervisor",
            "centre": erin.centre_id,
            "is_active": "on",
        },
    )
    erin.refresh_from_db()
    assert erin.role == Role.ADMIN


def test_it_never_deletes_users_from_the_admin(client_as, erin: User, alice: User) -> None:
    assert client_as(erin).get(f"/admin/accounts/user/{alice.pk}/delete/").status_code in {302, 403}
    assert User.objects.filter(pk=alice.pk).exists()


def test_it_records_a_user_created_on_the_command_line(
    carol: User, monkeypatch: pytest.MonkeyPatch, password: str
) -> None:
    monkeypatch.setenv("CASEFLOW_PASSWORD", password)
    call_command("create_user", "sup2@seoul.test", name="Su Two", centre="Seoul Centre", role="supervisor")
    event = User.objects.get(email="sup2@seoul.test").account_events.get()
    assert (event.kind, event.new, event.actor) == ("created", "supervisor", None)
    assert Notification.objects.filter(recipient=carol, template_key="account.created").count() == 2
