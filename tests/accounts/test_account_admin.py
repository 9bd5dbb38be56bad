"""Administrators manage the accounts of their own centre only, never set a password, and every change
they make to an account is recorded and told to the centre's supervisors and to the account itself."""

from __future__ import annotations

import re
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.test import Client
from knox.models import AuthToken

from accounts.models import AccountEvent, Centre, RecoveryCodeDevice, Role, TotpDevice, User
from notifications.models import Channel, Notification
from tests.accounts.two_step import enrol, password_step
from tests.factories import UserFactory, authenticator

pytestmark = pytest.mark.django_db

USERS = "/admin/accounts/user/"


@pytest.fixture
def fran(other_centre: Centre) -> User:
    """The supervisor of the other centre."""
    return UserFactory.create(email="fran@busan.test", full_name="Fran Seo", centre=other_centre, role=Role.SUPERVISOR)


@pytest.fixture
def gus(other_centre: Centre) -> User:
    """The administrator of the other centre."""
    return UserFactory.create(email="gus@busan.test", full_name="Gus Han", centre=other_centre, role=Role.ADMIN)


def _change(client: Client, user: User, **changes: Any):
    data = {
        "email": user.email,
        "full_name": user.full_name,
        "role": user.role,
        "preferred_language": user.preferred_language,
        "_save": "Save",
    }
    if user.is_active:
        data["is_active"] = "on"
    data.update({key: value for key, value in changes.items() if value is not None})
    if changes.get("is_active") is False:
        data.pop("is_active")
    return client.post(f"{USERS}{user.pk}/change/", data)


def _notices(user: User) -> set[tuple[str, str]]:
    return set(Notification.objects.filter(recipient=user).values_list("template_key", "channel"))


# --- Only the own centre ---------------------------------------------------------------------------


def test_it_lists_only_the_administrators_own_centre(
    client_as, erin: User, alice: User, dave: User, fran: User
) -> None:
    client = client_as(erin)
    page = client.get(USERS).content.decode()
    assert "alice@seoul.test" in page
    assert "dave@busan.test" not in page and "fran@busan.test" not in page
    assert "Busan" not in page  # not even the other centre's name in a filter
    searched = client.get(USERS, {"q": "busan"}).content.decode()
    assert "fran@busan.test" not in searched


@pytest.mark.parametrize("view", ["change/", "history/", "delete/", ""])
def test_it_answers_404_for_an_account_of_another_centre(client_as, erin: User, fran: User, view: str) -> None:
    response = client_as(erin).get(f"{USERS}{fran.pk}/{view}", follow=True)
    assert response.status_code == 404
    assert "fran@busan.test" not in response.content.decode()


def test_it_does_not_change_an_account_of_another_centre(client_as, erin: User, fran: User) -> None:
    response = _change(client_as(erin), fran, role=Role.COUNSELLOR, full_name="Taken Over")
    assert response.status_code == 404
    fran.refresh_from_db()
    assert (fran.role, fran.full_name) == (Role.SUPERVISOR, "Fran Seo")


def test_it_does_not_move_an_account_to_another_centre(
    client_as, erin: User, alice: User, other_centre: Centre
) -> None:
    response = _change(client_as(erin), alice, centre=other_centre.pk)
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.centre_id == erin.centre_id


def test_it_creates_an_account_in_the_administrators_own_centre_whatever_is_posted(
    client_as, erin: User, other_centre: Centre, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as(erin).post(
            f"{USERS}add/",
            {
                "email": "New.Sup@Seoul.test",
                "full_name": "New Supervisor",
                "centre": other_centre.pk,
                "role": Role.SUPERVISOR,
                "preferred_language": "en",
            },
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    created = User.objects.get(email="new.sup@seoul.test")
    assert created.centre_id == erin.centre_id
    assert not other_centre.users.filter(email="new.sup@seoul.test").exists()


def test_it_shows_other_centres_neither_as_centres_nor_as_choices(client_as, erin: User, other_centre: Centre) -> None:
    client = client_as(erin)
    assert "Busan" not in client.get("/admin/accounts/centre/").content.decode()
    assert client.get(f"/admin/accounts/centre/{other_centre.pk}/change/", follow=True).status_code == 404
    assert client.get("/admin/accounts/centre/add/").status_code == 403
    assert "Busan" not in client.get(f"{USERS}add/").content.decode()


def test_it_keeps_the_lockout_list_to_the_own_centre(client_as, erin: User, alice: User, dave: User) -> None:
    for email in ("alice@seoul.test", "dave@busan.test"):
        Client().post("/accounts/login/", {"username": email, "password": "wrong"}, REMOTE_ADDR="203.0.113.4")
    assert AccessAttempt.objects.count() == 2
    page = client_as(erin).get("/admin/axes/accessattempt/").content.decode()
    assert "alice@seoul.test" in page
    assert "dave@busan.test" not in page
    dave_attempt = AccessAttempt.objects.get(username="dave@busan.test")
    assert client_as(erin).get(f"/admin/axes/accessattempt/{dave_attempt.pk}/change/", follow=True).status_code == 404


def test_it_never_lets_an_administrator_issue_an_api_token(client_as, erin: User, carol: User, fran: User) -> None:
    AuthToken.objects.create(fran)
    AuthToken.objects.create(carol)
    client = client_as(erin)
    assert client.get("/admin/knox/authtoken/add/").status_code == 403
    response = client.post("/admin/knox/authtoken/add/", {"user": carol.pk, "expiry": ""})
    assert response.status_code == 403
    assert AuthToken.objects.filter(user=carol).count() == 1
    page = client.get("/admin/knox/authtoken/").content.decode()
    assert "carol@seoul.test" in page or "Carol Park" in page
    assert "fran@busan.test" not in page and "Fran Seo" not in page


# --- No password set by another person --------------------------------------------------------------


@pytest.mark.parametrize("whose", ["carol", "fran", "erin"])
def test_it_has_no_password_page_for_any_account(client_as, erin: User, carol: User, fran: User, whose: str) -> None:
    target = {"carol": carol, "fran": fran, "erin": erin}[whose]
    client = client_as(erin)
    for method in (client.get, client.post):
        response = method(
            f"{USERS}{target.pk}/password/", {"password1": "x new passphrase 9", "password2": "x new passphrase 9"}
        )
        while response.status_code == 302:
            response = client.get(response["Location"])
        assert response.status_code == 404
    target.refresh_from_db()
    assert not target.check_password("x new passphrase 9")


def test_it_shows_no_password_field_or_link_on_the_account_page(client_as, erin: User, carol: User) -> None:
    page = client_as(erin).get(f"{USERS}{carol.pk}/change/").content.decode()
    assert "password/" not in page
    assert 'name="password' not in page
    assert "send-password-link/" in page


def test_it_creates_an_account_without_a_password_and_mails_the_person_a_link(
    client_as, erin: User, carol: User, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as(erin).post(
            f"{USERS}add/",
            {
                "email": "new.counsellor@seoul.test",
                "full_name": "New Counsellor",
                "role": Role.COUNSELLOR,
                "preferred_language": "en",
                "password1": "chosen by the admin 77",
                "password2": "chosen by the admin 77",
            },
        )
    assert response.status_code == 302
    created = User.objects.get(email="new.counsellor@seoul.test")
    assert not created.has_usable_password()
    assert [message.to for message in mail.outbox] == [["new.counsellor@seoul.test"]]
    _set_password_through_the_link(str(mail.outbox[0].body), "my own passphrase 123")
    signed_in = Client().post(
        "/accounts/login/", {"username": "new.counsellor@seoul.test", "password": "my own passphrase 123"}
    )
    assert signed_in.status_code == 302


def _set_password_through_the_link(body: str, new_password: str) -> None:
    match = re.search(r"https?://[^/\s]+(/accounts/reset/[^\s]+/)", body)
    assert match, body
    client = Client()
    form = client.get(match.group(1), follow=True)
    assert form.status_code == 200
    assert 'name="new_password1"' in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0], {"new_password1": new_password, "new_password2": new_password}, follow=True
    )
    assert done.status_code == 200
    assert done.redirect_chain[-1][0] == "/accounts/reset/done/"


def test_it_mails_a_reset_link_to_the_accounts_own_address_only(
    client_as, erin: User, alice: User, carol: User, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as(erin).post(f"{USERS}{alice.pk}/send-password-link/")
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["alice@seoul.test"] and not message.cc and not message.bcc
    text = f"{message.subject}\n{message.body}"
    for other in (erin, carol):
        assert other.email not in text and other.full_name not in text
    _set_password_through_the_link(str(message.body), "alice chose this one 4")
    alice.refresh_from_db()
    assert alice.check_password("alice chose this one 4")


def test_it_sends_the_reset_link_on_post_only_and_never_to_another_centre(
    client_as, erin: User, alice: User, fran: User
) -> None:
    client = client_as(erin)
    assert client.get(f"{USERS}{alice.pk}/send-password-link/").status_code == 405
    assert client.post(f"{USERS}{fran.pk}/send-password-link/").status_code == 404
    assert mail.outbox == []


# --- Recorded and told -----------------------------------------------------------------------------


def test_it_records_and_announces_a_role_change(
    client_as, erin: User, alice: User, bob: User, carol: User, fran: User
) -> None:
    response = _change(client_as(erin), alice, role=Role.SUPERVISOR)
    assert response.status_code == 302
    event = alice.account_events.get()
    assert (event.kind, event.old, event.new) == ("role_changed", Role.COUNSELLOR, Role.SUPERVISOR)
    assert (event.actor, event.centre_id) == (erin, erin.centre_id)
    assert _notices(carol) == {("account.role_changed", Channel.INBOX), ("account.role_changed", Channel.EMAIL)}
    assert _notices(alice) == {("account.yours_changed", Channel.INBOX), ("account.yours_changed", Channel.EMAIL)}
    for bystander in (bob, erin, fran):
        assert _notices(bystander) == set()
    assert all(set(n.params) <= {"account_event_id"} for n in Notification.objects.all())


def test_it_records_and_announces_a_reactivation(client_as, erin: User, bob: User, carol: User) -> None:
    User.objects.filter(pk=bob.pk).update(is_active=False)
    bob.refresh_from_db()
    client = client_as(erin)
    assert _change(client, bob, is_active="on").status_code == 302
    assert list(bob.account_events.values_list("kind", flat=True)) == ["reactivated"]
    assert ("account.reactivated", Channel.INBOX) in _notices(carol)
    assert ("account.yours_changed", Channel.EMAIL) in _notices(bob)


def test_it_records_a_deactivation_and_tells_the_supervisors(client_as, erin: User, bob: User, carol: User) -> None:
    assert _change(client_as(erin), bob, is_active=False).status_code == 302
    bob.refresh_from_db()
    assert not bob.is_active
    assert list(bob.account_events.values_list("kind", flat=True)) == ["deactivated"]
    assert ("account.deactivated", Channel.INBOX) in _notices(carol)
    assert _notices(bob) == set()


def test_it_records_and_announces_a_supervisor_created(
    client_as, erin: User, carol: User, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        client_as(erin).post(
            f"{USERS}add/",
            {"email": "sup2@seoul.test", "full_name": "Sup Two", "role": Role.SUPERVISOR, "preferred_language": "ko"},
        )
    created = User.objects.get(email="sup2@seoul.test")
    event = created.account_events.get()
    assert (event.kind, event.new, event.actor) == ("created", Role.SUPERVISOR, erin)
    assert ("account.created", Channel.EMAIL) in _notices(carol)


def test_it_records_and_announces_a_password_link(
    client_as, erin: User, alice: User, carol: User, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        client_as(erin).post(f"{USERS}{alice.pk}/send-password-link/")
    assert list(alice.account_events.values_list("kind", "actor")) == [("password_reset", erin.pk)]
    assert ("account.password_reset", Channel.INBOX) in _notices(carol)
    assert ("account.yours_changed", Channel.INBOX) in _notices(alice)


def test_it_tells_the_old_address_when_an_address_changes(client_as, erin: User, alice: User, carol: User) -> None:
    assert _change(client_as(erin), alice, email="alice.kim@elsewhere.test").status_code == 302
    event = alice.account_events.get()
    assert (event.kind, event.old, event.new) == ("email_changed", "alice@seoul.test", "alice.kim@elsewhere.test")
    to_old = Notification.objects.get(recipient=None, channel=Channel.EMAIL)
    assert to_old.address == "alice@seoul.test"
    assert ("account.email_changed", Channel.INBOX) in _notices(carol)


def test_it_records_nothing_when_nothing_that_matters_changed(client_as, erin: User, alice: User) -> None:
    assert _change(client_as(erin), alice, full_name="Alice Kim-Lee").status_code == 302
    assert not alice.account_events.exists()
    assert not Notification.objects.exists()


def test_it_shows_a_recorded_change_to_the_centres_supervisors_and_the_account_only(
    client_as, erin: User, alice: User, bob: User, carol: User, dave: User, fran: User
) -> None:
    _change(client_as(erin), alice, role=Role.SUPERVISOR)
    event = alice.account_events.get()
    url = f"/accounts/changes/{event.pk}/"
    page = client_as(carol).get(url, headers={"accept-language": "en"})
    assert page.status_code == 200
    assert "Alice Kim" in page.content.decode() and "Erin Jung" in page.content.decode()
    assert client_as(alice).get(url).status_code == 200
    for outsider in (bob, dave, fran):
        assert client_as(outsider).get(url).status_code == 404


def test_it_lists_recorded_changes_to_administrators_of_the_centre_only(
    client_as, erin: User, alice: User, gus: User
) -> None:
    _change(client_as(erin), alice, role=Role.SUPERVISOR)
    assert "Alice Kim" in client_as(erin).get("/admin/accounts/accountevent/").content.decode()
    assert "Alice Kim" not in client_as(gus).get("/admin/accounts/accountevent/").content.decode()


def test_it_stops_the_reported_walk_from_an_administrator_to_another_centres_cases(
    client_as, erin: User, other_centre: Centre, django_capture_on_commit_callbacks
) -> None:
    """The test report's steps: create a supervisor in another centre with a known password, sign in as it."""
    with django_capture_on_commit_callbacks(execute=True):
        client_as(erin).post(
            f"{USERS}add/",
            {
                "email": "plant@busan.test",
                "full_name": "Plant",
                "centre": other_centre.pk,
                "role": Role.SUPERVISOR,
                "preferred_language": "ko",
                "usable_password": "true",
                "password1": "known to the admin 55",
                "password2": "known to the admin 55",
            },
        )
    assert not User.objects.filter(centre=other_centre, role=Role.SUPERVISOR).exists()
    client = Client()
    signed_in = client.post("/accounts/login/", {"username": "plant@busan.test", "password": "known to the admin 55"})
    assert signed_in.status_code == 200
    assert "_auth_user_id" not in client.session
    # The link went to the address typed, and the account it sets up is in the administrator's own centre.
    assert User.objects.get(email="plant@busan.test").centre_id == erin.centre_id


@pytest.mark.parametrize(
    ("language", "subject", "phrase"),
    [("ko", "caseflow 비밀번호를 정해 주세요", "3일 안에"), ("en", "Choose your caseflow password", "within 3 days")],
)
def test_it_writes_the_password_link_in_the_accounts_language(
    client_as, erin: User, django_capture_on_commit_callbacks, language: str, subject: str, phrase: str
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        client_as(erin).post(
            f"{USERS}add/",
            {"email": "new@seoul.test", "full_name": "New", "role": Role.COUNSELLOR, "preferred_language": language},
            headers={"accept-language": "en" if language == "ko" else "ko"},
        )
    [message] = mail.outbox
    assert message.subject == subject
    assert phrase in str(message.body)
    assert "Erin" not in str(message.body) and "Seoul Centre" not in str(message.body)


# --- The centre's own settings ---------------------------------------------------------------------


def test_it_lets_the_administrator_set_the_centres_letter_addresses_and_phone(
    client_as, erin: User, centre: Centre
) -> None:
    url = f"/admin/accounts/centre/{centre.pk}/change/"
    data = {
        "name": centre.name,
        "letters_from": "letters@seoul-centre.test",
        "inbound_address": "replies@seoul-centre.test",
        "phone": "02-735-8994",
        "_save": "Save",
    }
    assert client_as(erin).post(url, data).status_code == 302
    centre.refresh_from_db()
    assert (centre.letters_from, centre.inbound_address, centre.phone) == (
        "letters@seoul-centre.test",
        "replies@seoul-centre.test",
        "02-735-8994",
    )
    refused = client_as(erin).post(url, {**data, "letters_from": "not an address", "phone": "call me"})
    assert refused.status_code == 200
    centre.refresh_from_db()
    assert centre.letters_from == "letters@seoul-centre.test"


# --- Lost phone and lost codes: the administrator resets ------------------------------------------


def test_it_lets_an_administrator_reset_two_step_sign_in_of_her_centre(
    client_as, erin: User, carol: User, password: str
) -> None:
    signed_in = client_as(carol)  # verified by an app ("Test phone") that is about to go
    enrol(signed_in, carol, name="Work phone")
    admin = client_as(erin)
    page = admin.get(f"{USERS}{carol.pk}/change/", headers={"accept-language": "en"}).content.decode()
    assert "reset-two-step/" in page
    assert admin.get(f"{USERS}{carol.pk}/reset-two-step/").status_code == 405
    assert admin.post(f"{USERS}{carol.pk}/reset-two-step/").status_code == 302
    assert not TotpDevice.objects.filter(user=carol).exists()
    assert not RecoveryCodeDevice.objects.filter(user=carol).exists()
    event = AccountEvent.objects.get(kind="mfa_reset")
    assert (event.actor, event.subject, event.old) == (erin, carol, "Test phone, Work phone")
    assert ("account.yours_mfa_reset", Channel.EMAIL) in _notices(carol)
    # Her old session is no longer verified; her password leads her to set up a new app.
    assert signed_in.get("/").status_code == 403
    assert password_step(Client(), carol, password)["Location"] == "/accounts/mfa/"


def test_it_lets_no_administrator_reset_her_own_or_another_centres(client_as, erin: User, fran: User) -> None:
    authenticator(fran)
    admin = client_as(erin)  # has an app of her own: she is an administrator
    assert "reset-two-step/" not in admin.get(f"{USERS}{erin.pk}/change/").content.decode()
    assert admin.post(f"{USERS}{erin.pk}/reset-two-step/").status_code == 403
    assert admin.post(f"{USERS}{fran.pk}/reset-two-step/").status_code == 404
    assert TotpDevice.objects.filter(user__in=[erin, fran]).count() == 2
    assert not AccountEvent.objects.filter(kind="mfa_reset").exists()
