"""Purge: after its retention date (nightly job, command) a case and everything it holds is deleted;
the access log keeps its rows without the link, and a purge record says what went."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db.models import ForeignKey, Model
from django.test import Client
from django.utils import timezone

from accounts.models import User
from cases.actions.cases import Consents, do_add_note, do_transition_case
from cases.actions.closures import do_request_closure
from cases.actions.followups import do_set_followup
from cases.actions.portal import do_issue_portal_access
from cases.actions.purge import purge_case
from cases.actions.safety import do_assess_risk
from cases.actions.sightings import do_add_sightings
from cases.actions.takedowns import do_draft_takedowns, do_transition_takedown
from cases.models import (
    AccessLog,
    Case,
    CaseEvent,
    ClosureRequest,
    ContactChannel,
    Escalation,
    FollowUp,
    NameGram,
    Note,
    PortalAccess,
    PortalSession,
    PurgedTakedown,
    PurgeKind,
    PurgeRecord,
    RiskAssessment,
    Sighting,
    TakedownItem,
    TakedownRequest,
)
from cases.subjects import SUBJECTS, covered_models
from cases.tasks import purge_expired_cases
from notifications.models import Notification
from tests.cases.conftest import open_case

pytestmark = pytest.mark.django_db


def full_case(alice: User, carol: User, **details) -> Case:
    """A case with something of every subject: notes, places, a sent request, a follow-up, portal access
    and a session, a closure request, messages waiting for the victim and staff, reads in the log."""
    case = open_case(
        alice,
        consents=Consents(contact=True),
        contact_channel=ContactChannel.EMAIL,
        victim_name="김민지 테스트",
        **details,
    )
    do_add_note(actor=alice, case=case, body="She called; shared note.", visibility="shared")
    do_add_sightings(actor=alice, case=case, lines=["https://t.me/room/77", "https://x.com/u/status/77"])
    do_draft_takedowns(actor=alice, case=case)
    draft = TakedownRequest.objects.filter(case=case, platform__name="Telegram").get()
    sent = do_transition_takedown(actor=alice, case=case, takedown=draft, status="sent")
    do_transition_takedown(actor=alice, case=case, takedown=sent, status="removed")
    do_set_followup(actor=alice, case=case, due_at=timezone.now() + timedelta(days=2), note="Call back")
    issued = do_issue_portal_access(actor=alice, case=case)
    victim = Client()
    signed_in = victim.post("/portal/", {"reference": issued.reference, "passphrase": issued.passphrase})
    assert signed_in.status_code == 302
    for status in ("in_progress", "monitoring"):
        case = do_transition_case(actor=alice, case=case, status=status)
    do_request_closure(actor=alice, case=case, reason="Done.")
    # A high risk calls the on-call supervisors: an assessment, an escalation and its messages.
    do_assess_risk(actor=alice, case=case, level="high", asked="Safe tonight?", answer="Not sure.")
    return case


def close(case: Case, alice: User, carol: User) -> Case:
    case.refresh_from_db()
    for status in ("in_progress", "monitoring"):
        if case.status != "closed" and status != case.status and case.status != "monitoring":
            case = do_transition_case(actor=alice, case=case, status=status)
    return do_transition_case(actor=carol, case=case, status="closed")


def expire(case: Case, days: int = 1) -> None:
    """The retention date passed `days` ago (test data: the years are not waited for)."""
    Case.objects.filter(pk=case.pk).update(retention_until=timezone.localdate() - timedelta(days=days))


def rows_of(case_id: int, takedown_ids: list[int]) -> dict[str, int]:
    return {
        "case": Case.objects.filter(pk=case_id).count(),
        "notes": Note.objects.filter(case_id=case_id).count(),
        "events": CaseEvent.objects.filter(case_id=case_id).count(),
        "sightings": Sighting.objects.filter(case_id=case_id).count(),
        "takedowns": TakedownRequest.objects.filter(case_id=case_id).count(),
        "items": TakedownItem.objects.filter(takedown_id__in=takedown_ids).count(),
        "followups": FollowUp.objects.filter(case_id=case_id).count(),
        "portal": PortalAccess.objects.filter(case_id=case_id).count(),
        "sessions": PortalSession.objects.filter(case_id=case_id).count(),
        "closures": ClosureRequest.objects.filter(case_id=case_id).count(),
        "grams": NameGram.objects.filter(case_id=case_id).count(),
        "risk": RiskAssessment.objects.filter(case_id=case_id).count(),
        "escalations": Escalation.objects.filter(case_id=case_id).count(),
        "linked_reads": AccessLog.objects.filter(case_id=case_id).count(),
        "notifications": Notification.objects.filter(params__case_id=case_id).count()
        + Notification.objects.filter(group_key__in=[f"case:{case_id}", f"victim:case:{case_id}"]).count()
        + Notification.objects.filter(group_key__in=[f"takedown:{pk}" for pk in takedown_ids]).count(),
    }


def test_it_purges_a_case_past_its_retention_date_and_everything_it_holds(
    api_as, client_as, alice: User, bob: User, carol: User
) -> None:
    case = close(full_case(alice, carol), alice, carol)
    other = open_case(bob, victim_name="이하은")
    api_as(carol).get(f"/api/v1/cases/{case.pk}/")
    client_as(carol).get(f"/cases/{case.pk}/")
    takedowns = list(TakedownRequest.objects.filter(case=case).values_list("pk", flat=True))
    before = rows_of(case.pk, takedowns)
    assert all(before[name] > 0 for name in before if name not in {"case"}), before
    reads = AccessLog.objects.filter(case=case).count()
    expire(case)

    out = StringIO()
    call_command("purge_expired_cases", stdout=out)
    assert "1 case(s) purged" in out.getvalue()

    assert set(rows_of(case.pk, takedowns).values()) == {0}
    kept = AccessLog.objects.filter(case_reference=case.reference)
    assert kept.count() == reads and not kept.filter(case__isnull=False).exists()
    record = PurgeRecord.objects.get(case_reference=case.reference)
    assert (record.kind, record.requested_by, record.centre_id) == (PurgeKind.RETENTION, None, case.centre_id)
    assert record.counts["notes"] == before["notes"] and record.counts["access_log"] == reads
    assert api_as(carol).get(f"/api/v1/cases/{case.pk}/").status_code == 404
    assert client_as(carol).get(f"/cases/{case.pk}/").status_code == 404
    assert Case.objects.filter(pk=other.pk).exists() and Note.objects.count() == 0
    assert PurgedTakedown.objects.filter(centre_id=case.centre_id, status="removed").count() == 1


def test_it_signs_the_victim_out_of_the_portal_for_good(alice: User, carol: User) -> None:
    case = close(open_case(alice), alice, carol)
    issued = do_issue_portal_access(actor=alice, case=case)
    victim = Client()
    assert victim.post("/portal/", {"reference": issued.reference, "passphrase": issued.passphrase}).status_code == 302
    assert victim.get("/portal/case/").status_code == 200
    purge_case(case_id=case.pk, kind=PurgeKind.ERASURE, requested_by=alice, reason="She asked.")
    assert victim.get("/portal/case/").status_code in (302, 404)
    again = Client().post("/portal/", {"reference": issued.reference, "passphrase": issued.passphrase})
    assert again.status_code != 302


def test_it_keeps_a_case_until_its_last_day_and_purges_it_the_day_after(alice: User, carol: User) -> None:
    today_case = close(open_case(alice), alice, carol)
    Case.objects.filter(pk=today_case.pk).update(retention_until=timezone.localdate())
    yesterday_case = close(open_case(alice, victim_name="박서연"), alice, carol)
    expire(yesterday_case)
    reopened = close(open_case(alice, victim_name="최지우"), alice, carol)
    expire(reopened)
    do_transition_case(actor=carol, case=Case.objects.get(pk=reopened.pk), status="in_progress")
    assert purge_expired_cases() == 1
    assert set(Case.objects.values_list("pk", flat=True)) == {today_case.pk, reopened.pk}


def test_it_does_not_purge_a_case_a_supervisor_kept_longer(api_as, alice: User, carol: User) -> None:
    case = close(open_case(alice), alice, carol)
    expire(case, days=0)  # its last day is today
    case.refresh_from_db()
    assert case.retention_until is not None
    later = (case.retention_until + timedelta(days=365)).isoformat()
    answer = api_as(carol).post(
        f"/api/v1/cases/{case.pk}/retention/",
        {"until": later, "reason": "Trial.", "version": case.version},
        format="json",
    )
    assert answer.status_code == 200
    assert purge_expired_cases() == 0
    assert Case.objects.filter(pk=case.pk).exists()


def test_it_counts_in_a_dry_run_and_changes_nothing(alice: User, carol: User) -> None:
    for name in ("김민지", "박서연", "최지우"):
        expire(close(open_case(alice, victim_name=name), alice, carol))
    close(open_case(alice, victim_name="이하은"), alice, carol)
    cases, events, reads = Case.objects.count(), CaseEvent.objects.count(), AccessLog.objects.count()
    out = StringIO()
    call_command("purge_expired_cases", "--dry-run", stdout=out)
    assert f"centre {alice.centre_id}: 3 case(s) due" in out.getvalue()
    assert "dry run: 3 case(s) due" in out.getvalue()
    assert (Case.objects.count(), CaseEvent.objects.count(), AccessLog.objects.count()) == (cases, events, reads)
    assert not PurgeRecord.objects.exists() and not PurgedTakedown.objects.exists()


def test_it_purges_in_batches_and_carries_on_where_a_run_stopped(alice: User, carol: User) -> None:
    due = [close(open_case(alice, victim_name=f"사람{n}"), alice, carol) for n in range(5)]
    for case in due:
        expire(case)
    out = StringIO()
    call_command("purge_expired_cases", "--batch-size", "2", "--limit", "3", stdout=out)
    assert "3 case(s) purged in 2 batch(es); 2 left due" in out.getvalue()
    assert Case.objects.count() == 2
    call_command("purge_expired_cases", "--batch-size", "2", stdout=out)
    assert Case.objects.count() == 0
    assert PurgeRecord.objects.count() == 5
    # Run again: nothing left, nothing done twice.
    assert purge_expired_cases() == 0 and PurgeRecord.objects.count() == 5


@pytest.mark.parametrize("value", ["0", "-1", "x"])
def test_it_refuses_a_batch_size_that_makes_no_sense(value: str) -> None:
    with pytest.raises(CommandError, match="batch-size"):
        call_command("purge_expired_cases", "--batch-size", value, stderr=StringIO(), stdout=StringIO())


def test_it_runs_every_night() -> None:
    entry = next(e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "cases.tasks.purge_expired_cases")
    assert entry["schedule"] == timedelta(days=1)


def test_it_covers_every_table_that_holds_part_of_a_case() -> None:
    """A new subject (a table pointing at a case, or at a row of one) must join cases/subjects.py."""
    covered = covered_models()
    holding: set[type[Model]] = {Case}
    changed = True
    while changed:
        changed = False
        for model in apps.get_models():
            if model in holding:
                continue
            links = [f for f in model._meta.get_fields(include_hidden=True) if isinstance(f, ForeignKey)]
            if model.__module__.startswith("cases.") and any(f.related_model in holding for f in links):
                holding.add(model)
                changed = True
    missing = {model.__name__ for model in holding - covered}
    assert not missing, f"not exported nor purged: {missing}"
    assert len({subject.name for subject in SUBJECTS}) == len(SUBJECTS)
