"""The referrals report: a centre's referrals made in a period, by kind and outcome."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from cases.actions.cases import Consents
from cases.actions.referrals import do_propose_referral, do_transition_referral
from cases.models import Partner, Referral
from tests.cases.conftest import open_case

pytestmark = pytest.mark.django_db


def _refer(user: User, partner: Partner, steps: list[str]) -> Referral:
    case = open_case(user, consents=Consents(contact=True, share_with_police=True, hash_matching=False))
    referral = do_propose_referral(actor=user, case=case, partner=partner, reason="x", shared_items=["victim_name"])
    for step in steps:
        referral = do_transition_referral(actor=user, case=case, referral=referral, status=step, note="done")
    return referral


def _partner(user: User, kind: str) -> Partner:
    return Partner.objects.create(centre_id=user.centre_id, name=kind, kind=kind, channel="phone", contact="1")


def _rows(api) -> dict[str, dict]:
    body = api.get("/api/v1/reports/referrals/").json()
    [table] = body["tables"]
    return {row["kind_code"]: row for row in table["rows"]} | {"total": table["footer"]}


def test_it_counts_referrals_by_kind_and_outcome(api_as, alice: User, carol: User, dave: User) -> None:
    legal, police, medical = _partner(alice, "legal"), _partner(alice, "police"), _partner(alice, "medical")
    _refer(alice, legal, ["consented", "sent", "accepted"])
    _refer(alice, legal, ["consented", "sent", "accepted", "completed"])
    _refer(alice, legal, ["consented", "sent", "declined"])
    _refer(alice, police, [])
    _refer(alice, medical, ["consented", "sent"])
    # Another centre's referral and one made before the period count nowhere here.
    _refer(dave, _partner(dave, "legal"), ["consented"])
    old = _refer(alice, legal, ["consented"])
    Referral.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=400))
    rows = _rows(api_as(carol))
    assert {k: rows["legal"][k] for k in ("accepted", "completed", "declined", "total")} == {
        "accepted": 1,
        "completed": 1,
        "declined": 1,
        "total": 3,
    }
    assert (rows["police"]["proposed"], rows["medical"]["sent"], rows["regulator"]["total"]) == (1, 1, 0)
    assert rows["total"]["total"] == 5


def test_it_reads_the_report_in_a_fixed_number_of_queries(api_as, alice: User, carol: User) -> None:
    legal = _partner(alice, "legal")
    api = api_as(carol)
    _refer(alice, legal, ["consented"])
    _rows(api)

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert api.get("/api/v1/reports/referrals/").status_code == 200
            assert api.get("/reports/referrals/").status_code == 200
        return len(captured)

    few = count()
    for steps in (["consented", "sent"], [], ["consented", "sent", "declined"]):
        _refer(alice, legal, steps)
    assert count() == few


def test_it_is_for_supervisors_only(api_as, client_as, alice: User, erin: User) -> None:
    assert api_as(alice).get("/api/v1/reports/referrals/").status_code == 403
    assert client_as(erin).get("/reports/referrals/").status_code == 403
