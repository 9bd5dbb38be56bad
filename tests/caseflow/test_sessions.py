"""Sessions end after 30 minutes without a request, and activity keeps them alive."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from accounts.models import User

pytestmark = pytest.mark.django_db


def _signed_in(client: Client, user: User, password: str) -> Session:
    client.post("/accounts/login/", {"username": user.email, "password": password})
    return Session.objects.get()


def test_it_expires_a_session_after_thirty_idle_minutes(client: Client, alice: User, password: str) -> None:
    session = _signed_in(client, alice, password)
    remaining = session.expire_date - timezone.now()
    assert timedelta(minutes=29) < remaining <= timedelta(minutes=30)
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() - timedelta(seconds=1))
    assert client.get("/").status_code == 302


def test_it_extends_the_session_while_the_counsellor_works(
    client: Client, alice: User, password: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = _signed_in(client, alice, password)
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() + timedelta(minutes=2))
    later = time.time() + 120
    monkeypatch.setattr(time, "time", lambda: later)
    assert client.get("/").status_code == 200
    session.refresh_from_db()
    assert session.expire_date - timezone.now() > timedelta(minutes=29)


def test_it_ends_the_session_when_the_browser_closes(client: Client, alice: User, password: str) -> None:
    client.get("/accounts/login/")
    response = client.post("/accounts/login/", {"username": alice.email, "password": password})
    assert response.cookies["caseflow_session"]["expires"] == ""
