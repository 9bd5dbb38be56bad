"""Risk of harm through the API: /api/v1/cases/{id}/risk/ assesses and lists, /risk/acknowledge/ is a
supervisor's; the same rules as the case page (tests/cases/test_risk.py), answered in JSON."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pytest_django import DjangoCaptureOnCommitCallbacks
from rest_framework.test import APIClient

from accounts.models import Role, User
from cases.actions.safety import do_acknowledge_escalation, do_assess_risk
from cases.models import AccessLog, Case, CaseEvent, Escalation, EscalationState, EventKind, RiskAssessment
from notifications.models import Notification, State
from tests.cases.conftest import open_case
from tests.cases.test_risk import ANSWER, ASKED, PLAN, _on_call_all_week
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ApiAs = Callable[[User], APIClient]


def _risk(case: Case) -> str:
    return f"/api/v1/cases/{case.pk}/risk/"


def test_it_assesses_lists_and_acknowledges_an_urgent_risk(
    api_as: ApiAs,
    alice: User,
    carol: User,
    alices_case: Case,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    _on_call_all_week(carol)
    counsellor, supervisor = api_as(alice), api_as(carol)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        created = counsellor.post(_risk(alices_case), {"level": "immediate", "asked": ASKED, "answer": ANSWER})
    assert created.status_code == 201, created.json()
    assert len(callbacks) == 1, "the dispatcher is asked to hand the round out at once"
    body = created.json()
    assert (body["level"], body["asked"], body["answer"], body["plan"]) == ("immediate", ASKED, ANSWER, "")
    assert body["assessed_by"] == {"id": alice.pk, "full_name": alice.full_name}
    escalation = Escalation.objects.get(case=alices_case)
    assert body["escalation"]["id"] == escalation.pk
    assert (body["escalation"]["state"], body["escalation"]["rounds"]) == ("raised", 1)
    calls = Notification.objects.filter(group_key=f"escalation:{escalation.pk}", state=State.PENDING)
    assert calls.exists()

    # A revision with the plan: kept beside the first, newest first; no second escalation.
    revised = counsellor.post(_risk(alices_case), {"level": "high", "answer": ANSWER, "plan": PLAN}, format="json")
    assert revised.status_code == 201 and revised.json()["escalation"] is None
    listed = counsellor.get(_risk(alices_case))
    assert listed.status_code == 200
    rows = listed.json()["results"]
    assert [(row["level"], row["plan"]) for row in rows] == [("high", PLAN), ("immediate", "")]
    assert rows[1]["escalation"]["state"] == "raised" and listed.json()["count"] == 2
    assert AccessLog.objects.filter(user=alice, case=alices_case, action="view").exists()

    # Her counsellor may not acknowledge; a supervisor of the centre does, and the calls stop.
    acknowledge = f"{_risk(alices_case)}acknowledge/"
    refused = counsellor.post(acknowledge, {"escalation": escalation.pk}, format="json")
    assert refused.status_code == 403
    assert Escalation.objects.get().state == EscalationState.RAISED
    done = supervisor.post(acknowledge, {"escalation": escalation.pk}, format="json")
    assert done.status_code == 200, done.json()
    # The plan was recorded before: the escalation ends here.
    assert done.json()["state"] == "resolved" and done.json()["acknowledged_by"]["id"] == carol.pk
    assert not calls.exists(), "the rounds no worker took are cancelled"
    event = CaseEvent.objects.get(case=alices_case, kind=EventKind.ESCALATION_ACKNOWLEDGED)
    assert event.actor == carol

    # A second supervisor a moment later is told who has it; nothing changes.
    dan = UserFactory.create(email="dan3@seoul.test", centre=carol.centre, role=Role.SUPERVISOR, full_name="Dan")
    again = api_as(dan).post(acknowledge, {"escalation": escalation.pk}, format="json")
    assert again.status_code == 400 and "Carol Park" in again.json()["escalation"][0]
    assert Escalation.objects.get().acknowledged_by_id == carol.pk


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({}, "level"),
        ({"level": "urgent", "asked": ASKED}, "level"),
        ({"level": "high"}, "asked"),  # a risk, and nothing of what was said
        ({"level": "low", "asked": "x" * 5001}, "asked"),
        ({"level": "low", "asked": ASKED, "plan": "a\x00b"}, "plan"),
        ({"level": "low", "asked": ["a list"]}, "asked"),
        ({"level": "low", "asked": ASKED, "assessed_by": 1}, "assessed_by"),  # not a field one writes
    ],
)
def test_it_refuses_bad_input_naming_the_field(
    api_as: ApiAs, alice: User, alices_case: Case, data: dict[str, object], field: str
) -> None:
    answer = api_as(alice).post(_risk(alices_case), data, format="json")
    assert answer.status_code == 400
    assert field in answer.json(), answer.json()
    assert not RiskAssessment.objects.exists() and not Escalation.objects.exists()
    assert not CaseEvent.objects.filter(kind=EventKind.RISK_ASSESSED).exists()


def test_it_refuses_an_acknowledgement_of_no_escalation_of_this_case(
    api_as: ApiAs, alice: User, carol: User, alices_case: Case
) -> None:
    other = open_case(alice, victim_name="정다온")
    do_assess_risk(actor=alice, case=other, level="immediate", asked=ASKED)
    elsewhere = Escalation.objects.get(case=other)
    supervisor = api_as(carol)
    for data in ({"escalation": elsewhere.pk}, {"escalation": elsewhere.pk + 999}, {"escalation": "1e3"}, {}):
        answer = supervisor.post(f"{_risk(alices_case)}acknowledge/", data, format="json")
        assert answer.status_code == 400 and "escalation" in answer.json(), (data, answer.json())
    assert Escalation.objects.get().state == EscalationState.RAISED


def test_it_hides_a_cases_risk_from_other_staff(
    api_as: ApiAs, alice: User, bob: User, dave: User, erin: User, alices_case: Case
) -> None:
    do_assess_risk(actor=alice, case=alices_case, level="high", asked=ASKED)
    escalation = Escalation.objects.get()
    for user, status in ((bob, 404), (dave, 404), (erin, 403)):
        api = api_as(user)
        assert api.get(_risk(alices_case)).status_code == status
        assert api.post(_risk(alices_case), {"level": "low", "asked": ASKED}, format="json").status_code == status
        acknowledge = f"{_risk(alices_case)}acknowledge/"
        assert api.post(acknowledge, {"escalation": escalation.pk}, format="json").status_code == status
    assert RiskAssessment.objects.count() == 1 and Escalation.objects.get().state == EscalationState.RAISED


def test_it_lists_a_page_of_assessments_in_a_fixed_number_of_queries(
    api_as: ApiAs, alice: User, carol: User, alices_case: Case
) -> None:
    api = api_as(alice)

    def queries() -> int:
        with CaptureQueriesContext(connection) as read:
            assert api.get(_risk(alices_case)).status_code == 200
        return len(read)

    do_assess_risk(actor=alice, case=alices_case, level="immediate", asked=ASKED)
    queries()  # the first request of a session fills caches
    few = queries()
    do_acknowledge_escalation(actor=carol, case=alices_case, escalation_id=Escalation.objects.get().pk)
    for level in ("high", "low", "immediate", "none"):
        do_assess_risk(actor=alice, case=alices_case, level=level, asked=ASKED, plan=PLAN)
    assert RiskAssessment.objects.count() == 5 and Escalation.objects.count() == 2
    assert queries() == few
