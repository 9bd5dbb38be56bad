"""The layout's navigation (caseflow/nav.py), built once per language and role: each reader gets her
own role's links in her own language, however the requests before hers were answered."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from accounts.models import User
from notifications.models import Channel, Notification, State

pytestmark = pytest.mark.django_db

SUPERVISOR_ONLY = ["/deliveries/failed/", "/replies/", "/reports/", "/access-log/", "/on-call/"]


def nav(html: str) -> str:
    found = re.search(r'<nav class="topnav">(.*?)</nav>', html, re.S)
    assert found is not None
    return found.group(1)


def test_each_reader_gets_her_role_links_in_her_language(client_as, alice: User, carol: User, erin: User) -> None:
    # English, then Korean, then English again in one process: the cache is per language.
    for language, cases_label, inbox_label in [
        ("en", ">Cases<", ">Inbox"),
        ("ko", ">사건<", ">알림함"),
        ("en", ">Cases<", ">Inbox"),
    ]:
        counsellor = nav(client_as(alice).get("/", HTTP_ACCEPT_LANGUAGE=language).content.decode())
        supervisor = nav(client_as(carol).get("/", HTTP_ACCEPT_LANGUAGE=language).content.decode())
        assert cases_label in counsellor and inbox_label in counsellor, language
        assert cases_label in supervisor and inbox_label in supervisor, language
        for path in SUPERVISOR_ONLY:
            assert f'href="{path}"' in supervisor, (language, path)
            assert f'href="{path}"' not in counsellor, (language, path)
    administrator = nav(client_as(erin).get("/on-call/", HTTP_ACCEPT_LANGUAGE="en").content.decode())
    assert 'href="/on-call/"' in administrator
    assert "inbox-link" not in administrator and 'href="/cases/"' not in administrator


def test_the_unread_count_is_hers_and_current(client_as, alice: User, bob: User) -> None:
    assert 'id="inbox-unread"' not in nav(client_as(alice).get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode())
    for number in range(3):
        Notification.objects.create(
            recipient=alice,
            channel=Channel.INBOX,
            template_key="case.assigned",
            due_at=timezone.now(),
            dedupe_key=f"nav-test:{number}",
            state=State.SENT,
        )
    page = nav(client_as(alice).get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode())
    assert '<span class="badge urgent" id="inbox-unread">3</span>' in page
    assert 'id="inbox-unread"' not in nav(client_as(bob).get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode())
