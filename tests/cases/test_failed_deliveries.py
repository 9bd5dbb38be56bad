"""Supervisors see the messages given up after every retry, for their centre only."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from cases.actions.cases import do_open_case
from notifications import outbox
from notifications.models import Notification, State

pytestmark = pytest.mark.django_db


def _failed(**kwargs: Any) -> Notification:
    with transaction.atomic():
        row = outbox.enqueue(
            channel=kwargs.pop("channel", "inbox"),
            template_key=kwargs.pop("template_key", "case.followup_due"),
            language="ko",
            due_at=timezone.now(),
            **kwargs,
        )
    assert row is not None
    Notification.objects.filter(pk=row.pk).update(state=State.FAILED, attempts=6, last_error="smtp_refused")
    return row


def test_it_shows_a_supervisor_the_failures_of_her_centre(client_as, alice: User, carol: User, dave: User) -> None:
    case = do_open_case(actor=alice, victim_name="김민지", contact_phone="010-1234-5678")
    theirs = do_open_case(actor=dave, victim_name="최지우", contact_phone="010-2222-3333")
    _failed(recipient=alice, params={"case_id": case.pk}, dedupe_key="a", group_key=f"case:{case.pk}")
    _failed(
        address="010-1234-5678",
        channel="sms",
        template_key="victim.case_updated",
        params={"case_id": case.pk},
        dedupe_key="b",
        group_key=f"victim:case:{case.pk}",
    )
    _failed(recipient=dave, params={"case_id": theirs.pk}, dedupe_key="c", group_key=f"case:{theirs.pk}")
    _failed(
        address="010-2222-3333",
        channel="sms",
        template_key="victim.case_updated",
        params={"case_id": theirs.pk},
        dedupe_key="d",
        group_key=f"victim:case:{theirs.pk}",
    )
    page = client_as(carol).get("/deliveries/failed/", headers={"accept-language": "en"}).content.decode()
    assert page.count("smtp_refused") == 2
    assert "Alice Kim" in page and "the victim" in page
    assert "Dave Choi" not in page
    assert "010-1234-5678" not in page  # the address is never shown
    assert client_as(alice).get("/deliveries/failed/").status_code == 403
