"""Helpers of the key-store tests: a case with a value in every column encrypted with its key."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from accounts.models import User
from cases.actions.cases import Consents, do_add_note, do_transition_case
from cases.actions.closures import do_decide_closure, do_request_closure
from cases.actions.duties import do_record_duty_report
from cases.actions.evidence import do_add_evidence
from cases.actions.followups import do_set_followup
from cases.actions.guardians import do_set_guardian
from cases.actions.portal import do_issue_portal_access
from cases.actions.referrals import do_propose_referral
from cases.actions.rights import do_request_erasure
from cases.actions.safety import do_assess_risk
from cases.actions.sightings import do_add_sightings
from cases.actions.takedowns import do_draft_takedowns
from cases.hashing import hash_upload
from cases.models import Case, LegalDuty, Partner, PlatformReply, ReplyAttachment, TakedownRequest
from tests.cases.conftest import open_case
from tests.evidence_media import jpeg


def fill_every_column(alice: User, carol: User, *, name: str = "김민지", **details: Any) -> Case:
    """A case with a value in every column encrypted with case keys, each written by its action (a
    platform's reply and its kept attachment as the inbound server stores them, a referral's outcome
    and attachment saved on the row)."""
    # A minor's: her guardian, and the report the law requires, are encrypted with the case's key too.
    details.setdefault("safe_contact_notes", "Only after 6pm")
    details.setdefault("consents", Consents(keep_evidence=True))
    case = open_case(alice, victim_name=name, is_minor=True, **details)
    # A kept evidence file (bytes, not a text column: cases/evidence_vault.py seals it with the case's key).
    data = jpeg(case.pk)
    do_add_evidence(actor=alice, case=case, data=data, hashed=hash_upload(data))
    duty = LegalDuty.objects.filter(case=case).earliest("pk")
    do_record_duty_report(
        actor=alice,
        case=case,
        duty_id=duty.pk,
        authority="police",
        reported_at=timezone.now(),
        reported_by=alice,
        reference_number="2026-서울-0042",
    )
    do_set_guardian(
        actor=alice,
        case=case,
        version=0,
        details={
            "name": "박정희",
            "relationship": "어머니",
            "contact_email": "mother@example.kr",
            "contact_phone": "010-7777-8888",
            "contact_channel": "sms",
            "preferred_language": "ko",
            "safe_to_contact": True,
            "consent_given_by": "박정희 (어머니)",
            "consent_given_at": timezone.now() - timedelta(hours=1),
            "consent_method": "in_person",
        },
    )
    do_issue_portal_access(actor=alice, case=case, holder="guardian", holder_reason="She has no phone of her own")
    partner, _new = Partner.objects.get_or_create(
        centre_id=alice.centre_id, name="Legal Aid", defaults={"kind": "legal", "channel": "phone", "contact": "132"}
    )
    referral = do_propose_referral(
        actor=alice,
        case=case,
        partner=partner,
        reason="Legal advice",
        shared_items=["victim_name"],
        no_contact_reason="She asked the centre to speak for her.",
    )
    referral.outcome_note, referral.attachment = "Appointment on Monday", "The letter as sent"
    referral.save(update_fields=["outcome_note", "attachment"])
    do_add_note(actor=alice, case=case, body="Called her back")
    do_assess_risk(actor=alice, case=case, level="low", asked="Are you safe?", answer="Yes", plan="Call Friday")
    do_add_sightings(actor=alice, case=case, lines=["https://t.me/some_room/12", "https://example.com/v/1"])
    do_draft_takedowns(actor=alice, case=case)
    do_set_followup(actor=alice, case=case, due_at=timezone.now() + timedelta(days=2), note="Call back Friday")
    case = do_transition_case(actor=alice, case=case, status="in_progress", reason="Talked it through")
    request = do_request_closure(actor=alice, case=case, reason="Everything removed")
    case.refresh_from_db()
    do_decide_closure(
        actor=carol, case=case, request=request, approve=False, reason="Wait a week", version=case.version
    )
    # The copy of a letter "as sent" is written when it is e-mailed; saved here as the mailer saves it.
    takedown = TakedownRequest.objects.filter(case=case).earliest("pk")
    takedown.sent_subject, takedown.sent_body = takedown.subject, takedown.body
    takedown.save(update_fields=["sent_subject", "sent_body"])
    reply = PlatformReply.objects.create(
        centre_id=case.centre_id,
        takedown=takedown,
        status="matched",
        from_address="abuse@telegram.org",
        subject=f"Re: {takedown.token}",
        text="We have received your report.",
    )
    ReplyAttachment.objects.create(
        reply=reply, filename="receipt.pdf", content_type="application/pdf", content="JVBERi0=", size=5
    )
    # The victim asked for the erasure; a counsellor's request waits for a supervisor.
    do_request_erasure(actor=alice, case=Case.objects.get(pk=case.pk), reason="She asked by phone")
    return Case.objects.get(pk=case.pk)
