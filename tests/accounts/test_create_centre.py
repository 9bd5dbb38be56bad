"""Operators create a centre and its first administrator, who chooses her own password through a link."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client

from accounts.models import Centre, Role, User
from tests.accounts.two_step import enrol, password_step

pytestmark = pytest.mark.django_db

SITE = "https://caseflow.example.org"


def _create_centre(name: str, email: str, capture, **options: str) -> str:
    out = StringIO()
    with capture(execute=True):
        call_command(
            "create_centre", name, admin_email=email, admin_name="First Admin", site_url=SITE, stdout=out, **options
        )
    return out.getvalue()


def test_it_creates_a_centre_and_its_first_administrator(django_capture_on_commit_callbacks) -> None:
    _create_centre("Daegu Centre", " First.Admin@Daegu.test ", django_capture_on_commit_callbacks, language="en")
    admin = User.objects.get(email="first.admin@daegu.test")
    assert (admin.centre.name, admin.role, admin.preferred_language) == ("Daegu Centre", Role.ADMIN, "en")
    assert not admin.has_usable_password()
    assert list(admin.account_events.values_list("kind", "actor")) == [("created", None)]
    [message] = mail.outbox
    assert message.to == ["first.admin@daegu.test"]
    link = re.search(r"https://caseflow\.example\.org(/accounts/reset/\S+/)", str(message.body))
    assert link, message.body
    client = Client()
    form = client.get(link.group(1), follow=True)
    client.post(
        form.redirect_chain[-1][0], {"new_password1": "daegu admin pass 31", "new_password2": "daegu admin pass 31"}
    )
    # The admin site signs in through the staff page; an administrator sets up two-step sign-in first.
    assert client.get("/admin/")["Location"] == "/admin/login/?next=/admin/"
    assert client.get("/admin/login/?next=/admin/")["Location"] == "/accounts/login/?next=/admin/"
    signed_in = password_step(client, admin, "daegu admin pass 31", next_url="/admin/")
    assert signed_in["Location"] == "/accounts/mfa/"
    assert client.get("/admin/accounts/user/").status_code == 403
    enrol(client, admin)
    assert client.get("/admin/accounts/user/").status_code == 200


def test_it_changes_nothing_when_the_centre_has_an_administrator(django_capture_on_commit_callbacks) -> None:
    _create_centre("Daegu Centre", "first.admin@daegu.test", django_capture_on_commit_callbacks)
    mail.outbox.clear()
    out = _create_centre("Daegu Centre", "second.admin@daegu.test", django_capture_on_commit_callbacks)
    assert "already has an administrator" in out
    assert not User.objects.filter(email="second.admin@daegu.test").exists()
    assert Centre.objects.filter(name="Daegu Centre").count() == 1
    assert mail.outbox == []


def test_it_gives_an_existing_centre_without_administrator_its_first_one(
    alice: User, django_capture_on_commit_callbacks
) -> None:
    _create_centre("Seoul Centre", "admin@seoul.test", django_capture_on_commit_callbacks)
    assert User.objects.get(email="admin@seoul.test").centre == alice.centre


def test_it_refuses_an_address_that_is_taken_and_creates_nothing(dave: User) -> None:
    with pytest.raises(CommandError, match="already exists"):
        call_command("create_centre", "Daegu Centre", admin_email="DAVE@busan.test", admin_name="X", site_url=SITE)
    assert not Centre.objects.filter(name="Daegu Centre").exists()


@pytest.mark.parametrize("site_url", ["caseflow.example.org", "ftp://caseflow.example.org", f"{SITE}/admin/"])
def test_it_refuses_a_site_url_that_cannot_make_a_link(db, site_url: str) -> None:
    with pytest.raises(CommandError, match="site-url"):
        call_command("create_centre", "Daegu Centre", admin_email="a@daegu.test", admin_name="A", site_url=site_url)
