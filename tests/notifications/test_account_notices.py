"""Account changes reach people through the outbox: accounts sends a signal, notifications queues the messages."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.core import mail

from accounts.models import Role, User
from notifications.dispatcher import deliver, dispatch_due
from notifications.models import Channel, Notification, State
from tests.notifications.conftest import Collector

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def _promote(client_as, admin: User, user: User) -> None:
    response = client_as(admin).post(
        f"/admin/accounts/user/{user.pk}/change/",
        {
            "email": user.email,
            "full_name": user.full_name,
            "role": Role.SUPERVISOR,
            "preferred_language": user.preferred_language,
            "is_active": "on",
        },
    )
    assert response.status_code == 302


def test_it_links_the_supervisors_inbox_message_to_the_recorded_change(
    client_as, erin: User, alice: User, carol: User
) -> None:
    _promote(client_as, erin, alice)
    event = alice.account_events.get()
    Notification.objects.filter(recipient=carol, channel=Channel.INBOX).update(state=State.SENT)
    inbox = client_as(carol).get("/inbox/", headers={"accept-language": "en"}).content.decode()
    assert "A role was changed in your centre" in inbox
    [item] = Notification.objects.filter(recipient=carol, channel=Channel.INBOX)
    assert f'href="/inbox/{item.pk}/open/"' in inbox
    assert client_as(carol).get(f"/inbox/{item.pk}/open/")["Location"] == f"/accounts/changes/{event.pk}/"


def test_it_delivers_the_e_mails_without_any_detail_of_the_change(
    client_as, erin: User, alice: User, carol: User, django_capture_on_commit_callbacks
) -> None:
    _promote(client_as, erin, alice)
    collector = Collector()
    with django_capture_on_commit_callbacks(execute=True):
        dispatch_due(publish=collector)
    assert all(deliver(pk) == State.SENT for pk in collector.ids)
    assert sorted(message.to[0] for message in mail.outbox) == ["alice@seoul.test", "carol@seoul.test"]
    for message in mail.outbox:
        text = f"{message.subject}\n{message.body}"
        for detail in ("Alice", "Erin", "alice@", "erin@", "Seoul Centre", "counsellor"):
            assert detail not in text


def test_it_keeps_accounts_free_of_cases_and_notifications() -> None:
    imported = set()
    for path in (ROOT / "accounts").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module.split(".")[0])
            elif isinstance(node, ast.Import):
                imported.update(alias.name.split(".")[0] for alias in node.names)
    assert not imported & {"cases", "notifications"}


def test_it_keeps_notifications_free_of_cases() -> None:
    for path in (ROOT / "notifications").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        modules = [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module]
        assert not [m for m in modules if m.split(".")[0] == "cases"], path
