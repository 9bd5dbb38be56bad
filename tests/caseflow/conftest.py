"""Alice's case with one of everything a case holds, for the proofs that walk every route and operation."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from knox.models import AuthToken

from accounts.models import User
from cases.actions.cases import do_add_note
from cases.actions.followups import do_set_followup
from cases.actions.referrals import do_propose_referral
from cases.actions.sightings import do_add_sightings
from cases.actions.takedowns import do_draft_takedowns
from cases.models import (
    Case,
    FollowUp,
    Note,
    Partner,
    PlatformReply,
    Referral,
    ReplyAttachment,
    Sighting,
    TakedownRequest,
)
from tests.cases.conftest import open_case


@dataclass(frozen=True)
class World:
    """Alice's case and its children, each made by the real action."""

    case: Case
    note: Note
    sighting: Sighting
    takedown: TakedownRequest
    followup: FollowUp
    partner: Partner
    referral: Referral
    reply: PlatformReply  # a platform's reply matched to the takedown request, with a kept attachment
    attachment: ReplyAttachment


@pytest.fixture
def world(alice: User, platforms: None) -> World:
    case = open_case(alice)
    note = do_add_note(actor=alice, case=case, body="First session: she described the Telegram room.")
    results = do_add_sightings(actor=alice, case=case, lines=["https://t.me/room/5", "https://x.com/u/status/9"])
    sighting = results[0].sighting
    assert sighting is not None, results
    takedown = do_draft_takedowns(actor=alice, case=case)[0]
    followup = do_set_followup(actor=alice, case=case, due_at=timezone.now() + timedelta(days=2), note="Call back")
    partner = Partner.objects.create(
        centre_id=alice.centre_id, name="Legal Aid", kind="legal", channel="phone", contact="132"
    )
    referral = do_propose_referral(
        actor=alice,
        case=case,
        partner=partner,
        reason="Legal advice",
        shared_items=["victim_name"],
        no_contact_reason="She asked the centre to speak for her.",
    )
    reply = PlatformReply.objects.create(
        centre_id=alice.centre_id,
        takedown=takedown,
        status="matched",
        from_address="abuse@telegram.org",
        subject=f"Re: {takedown.token}",
        text="We have received your report.",
        suggested_status="acknowledged",
    )
    attachment = ReplyAttachment.objects.create(
        reply=reply, filename="receipt.pdf", content_type="application/pdf", content="JVBERi0=", size=5
    )
    case.refresh_from_db()
    return World(
        case=case,
        note=note,
        sighting=sighting,
        takedown=takedown,
        followup=followup,
        partner=partner,
        referral=referral,
        reply=reply,
        attachment=attachment,
    )


@pytest.fixture
def token_of(db: None) -> object:
    """`token_of(alice)`: the `Authorization` header of a fresh API token of that user (knox, as the token view)."""

    def make(user: User) -> dict[str, str]:
        _instance, token = AuthToken.objects.create(user)
        return {"Authorization": f"Token {token}"}

    return make


@pytest.fixture
def wsgi_in_transaction(db: None) -> Iterator[None]:
    """Lets a tool call the project's real WSGI handler (not Django's test client) inside a test's transaction.

    Django closes a connection that is inside a transaction when a request starts or ends
    (close_old_connections), which would end the test's transaction; the test client turns that off
    for its own requests, and this does the same for the real handler.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
