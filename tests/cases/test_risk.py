"""Risk of harm: the assessment on the case page, its escalation to the on-call supervisors, the
acknowledgement, the plan, the dashboard, and the crisis numbers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pytest_django import DjangoCaptureOnCommitCallbacks

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse

from accounts.models import Centre, Role, User
from cases import safety
from cases.actions.safety import do_acknowledge_escalation, do_assess_risk, send_due_escalation_rounds
from cases.models import (
    Case,
    CaseEvent,
    CrisisLine,
    Escalation,
    EscalationState,
    EventKind,
    OnCallShift,
    RiskAssessment,
)
from notifications.dispatcher import dispatch_due
from notifications.messages import render
from notifications.models import Channel, Notification, State
from tests.factories import UserFactory
from tests.notifications.conftest import Collector

pytestmark = pytest.mark.django_db

ClientAs = Callable[[User], Client]
ASKED = "요즘 스스로를 해치고 싶다는 생각이 드나요?"
ANSWER = "오늘 밤 약을 모아 두었다고 했다"
PLAN = "어머니가 오늘 밤 함께 있기로 함; 내일 10시 다시 통화"


def _assess(client: Client, case: Case, level: str = "immediate", **extra: str) -> _MonkeyPatchedWSGIResponse:
    return client.post(f"/cases/{case.pk}/risk/", {"level": level, "asked": ASKED, "answer": ANSWER, **extra})


def _on_call_all_week(supervisor: User, phone: str = "") -> None:
    for day in range(7):
        OnCallShift.objects.create(
            centre_id=supervisor.centre_id,
            supervisor=supervisor,
            weekday=day,
            start_hour=0,
            end_hour=24,
            phone=phone,
            created_by=supervisor,
        )


@pytest.fixture
def dan(centre: Centre) -> User:
    """A second supervisor of alice's centre, not on the rota."""
    return UserFactory.create(email="dan@seoul.test", full_name="Dan Yoon", centre=centre, role=Role.SUPERVISOR)


def test_it_records_an_immediate_risk_and_calls_the_on_call_supervisor_at_once(
    alice: User,
    carol: User,
    dan: User,
    alices_case: Case,
    client_as: ClientAs,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    _on_call_all_week(carol, phone="+82 10-9999-0000")
    with django_capture_on_commit_callbacks() as callbacks:
        answer = _assess(client_as(alice), alices_case)
    assert answer.status_code == 302
    assert len(callbacks) == 1, "the dispatcher is asked to hand the round out at once"
    assessment = RiskAssessment.objects.get(case=alices_case)
    assert (assessment.level, assessment.asked, assessment.answer, assessment.plan) == ("immediate", ASKED, ANSWER, "")
    escalation = Escalation.objects.get(case=alices_case)
    assert (escalation.state, escalation.rounds) == (EscalationState.RAISED, 1)
    assert escalation.next_round_at == escalation.raised_at + timedelta(minutes=15)
    rows = Notification.objects.filter(group_key=f"escalation:{escalation.pk}")
    # Carol, on call: inbox, e-mail and a text to the shift's phone; Dan, not on call, nothing.
    assert sorted((row.channel, row.recipient_id or 0) for row in rows) == [
        (Channel.EMAIL, carol.pk),
        (Channel.INBOX, carol.pk),
        (Channel.SMS, 0),
    ]
    assert rows.get(channel=Channel.SMS).address == "+82 10-9999-0000"
    event = CaseEvent.objects.get(case=alices_case, kind=EventKind.RISK_ASSESSED)
    assert event.old == {"level": None}
    assert event.new == {
        "level": "immediate",
        "assessment": assessment.pk,
        "plan": False,
        "escalation": escalation.pk,
        "called": True,
    }
    # Neutral in both languages: no reference, no name, nothing she said.
    for row in rows:
        for language in ("ko", "en"):
            row.language = language
            message = render(row)
            text = message.subject + message.body
            assert alices_case.reference not in text and "김민지" not in text and "약" not in message.body
    assert render(rows.get(channel=Channel.SMS)).body == "긴급 사례가 있습니다. 지금 로그인해서 확인해 주세요."


def test_it_stores_what_was_said_encrypted(alice: User, alices_case: Case, client_as: ClientAs) -> None:
    _assess(client_as(alice), alices_case, level="high", plan=PLAN)
    with connection.cursor() as cursor:
        cursor.execute("SELECT asked, answer, plan FROM cases_riskassessment")
        stored = cursor.fetchone()
    assert all(value and "요즘" not in value and "약" not in value and "어머니" not in value for value in stored)


def test_it_calls_every_supervisor_when_nobody_is_on_the_rota(
    alice: User, carol: User, dan: User, alices_case: Case
) -> None:
    do_assess_risk(actor=alice, case=alices_case, level="high", asked=ASKED)
    recipients = set(
        Notification.objects.filter(template_key="case.risk_escalated", channel=Channel.INBOX).values_list(
            "recipient_id", flat=True
        )
    )
    assert recipients == {carol.pk, dan.pk}


def test_it_calls_whoever_is_on_call_at_the_hour_of_each_round(
    alice: User, carol: User, dan: User, alices_case: Case, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = timezone.now()
    local = safety.local_now(now)
    # The first round asks the clock itself: held at `now`, so that an hour turning during the test
    # does not end Carol's shift before it (a few runs in a million).
    read_clock = safety.local_now
    monkeypatch.setattr(safety, "local_now", lambda moment=None: read_clock(moment or now))
    # Carol until the end of this hour, Dan from the next hour (within the same local day, or the next).
    OnCallShift.objects.create(
        centre_id=carol.centre_id,
        supervisor=carol,
        weekday=local.weekday(),
        start_hour=local.hour,
        end_hour=local.hour + 1,
        created_by=carol,
    )
    later = local + timedelta(hours=1)
    OnCallShift.objects.create(
        centre_id=dan.centre_id,
        supervisor=dan,
        weekday=later.weekday(),
        start_hour=later.hour,
        end_hour=later.hour + 1,
        created_by=carol,
    )
    do_assess_risk(actor=alice, case=alices_case, level="immediate", asked=ASKED)
    escalation = Escalation.objects.get()
    first = set(Notification.objects.filter(channel=Channel.INBOX).values_list("recipient_id", flat=True))
    assert first == {carol.pk}
    # An hour on, nobody acknowledged: the round goes to Dan, whose shift it is.
    assert send_due_escalation_rounds(now=now + timedelta(hours=1)) == 1
    second = Notification.objects.filter(
        channel=Channel.INBOX, dedupe_key__startswith=f"escalation:{escalation.pk}:r1:"
    )
    assert set(second.values_list("recipient_id", flat=True)) == {dan.pk}


def test_it_repeats_every_fifteen_minutes_until_acknowledged(alice: User, carol: User, alices_case: Case) -> None:
    do_assess_risk(actor=alice, case=alices_case, level="immediate", asked=ASKED)
    escalation = Escalation.objects.get()
    start = escalation.raised_at
    assert send_due_escalation_rounds(now=start + timedelta(minutes=14)) == 0
    assert send_due_escalation_rounds(now=start + timedelta(minutes=15)) == 1
    # The same minute again (a second beat, a retried task) sends nothing more.
    assert send_due_escalation_rounds(now=start + timedelta(minutes=15)) == 0
    assert send_due_escalation_rounds(now=start + timedelta(minutes=30)) == 1
    inbox = Notification.objects.filter(recipient=carol, channel=Channel.INBOX, template_key="case.risk_escalated")
    assert inbox.count() == 3
    do_acknowledge_escalation(actor=carol, case=alices_case, escalation_id=escalation.pk)
    assert send_due_escalation_rounds(now=start + timedelta(hours=5)) == 0
    assert inbox.count() == 3


def test_it_cancels_a_round_that_no_worker_took_when_a_supervisor_acknowledges(
    alice: User, carol: User, alices_case: Case, client_as: ClientAs
) -> None:
    do_assess_risk(actor=alice, case=alices_case, level="high", asked=ASKED)
    escalation = Escalation.objects.get()
    answer = client_as(carol).post(f"/cases/{alices_case.pk}/escalations/{escalation.pk}/acknowledge/")
    assert answer.status_code == 302
    rows = Notification.objects.filter(group_key=f"escalation:{escalation.pk}")
    assert set(rows.values_list("state", flat=True)) == {State.CANCELLED}
    collector = Collector()
    dispatch_due(publish=collector)
    assert collector.ids == []
    escalation.refresh_from_db()
    assert (escalation.state, escalation.acknowledged_by_id, escalation.next_round_at) == (
        EscalationState.ACKNOWLEDGED,
        carol.pk,
        None,
    )
    assert CaseEvent.objects.filter(case=alices_case, kind=EventKind.ESCALATION_ACKNOWLEDGED, actor=carol).exists()


def test_it_lets_only_a_supervisor_of_the_centre_acknowledge(
    alice: User, carol: User, dave: User, erin: User, alices_case: Case, client_as: ClientAs, other_centre: Centre
) -> None:
    do_assess_risk(actor=alice, case=alices_case, level="immediate", asked=ASKED)
    escalation = Escalation.objects.get()
    url = f"/cases/{alices_case.pk}/escalations/{escalation.pk}/acknowledge/"
    outsider = UserFactory.create(email="sup@busan.test", centre=other_centre, role=Role.SUPERVISOR)
    assert client_as(alice).post(url).status_code == 403
    assert client_as(dave).post(url).status_code == 404
    assert client_as(outsider).post(url).status_code == 404
    assert client_as(erin).post(url).status_code == 403
    # An id that is not this case's escalation: not found.
    assert (
        client_as(carol).post(f"/cases/{alices_case.pk}/escalations/{escalation.pk + 999}/acknowledge/").status_code
        == 404
    )
    assert Escalation.objects.get().state == EscalationState.RAISED
    assert client_as(carol).post(url).status_code == 302
    # A second supervisor a moment later is told who has it; nothing changes.
    dan = UserFactory.create(email="dan2@seoul.test", centre=carol.centre, role=Role.SUPERVISOR, full_name="Dan")
    again = client_as(dan).post(url, follow=True)
    assert "Carol Park" in again.content.decode()
    assert Escalation.objects.get().acknowledged_by_id == carol.pk


def test_it_keeps_the_case_on_the_dashboard_until_the_plan_is_recorded(
    alice: User, carol: User, alices_case: Case, client_as: ClientAs
) -> None:
    supervisor = client_as(carol)
    _assess(client_as(alice), alices_case)
    escalation = Escalation.objects.get()
    board = supervisor.get("/").content.decode()
    assert 'id="escalations"' in board and alices_case.display_reference in board
    supervisor.post(f"/cases/{alices_case.pk}/escalations/{escalation.pk}/acknowledge/")
    board = supervisor.get("/").content.decode()
    assert 'id="escalations"' in board and "Carol Park" in board
    # Alice sees it on her own dashboard too.
    assert 'id="escalations"' in client_as(alice).get("/").content.decode()
    assert _assess(client_as(alice), alices_case, plan=PLAN).status_code == 302
    escalation.refresh_from_db()
    assert escalation.state == EscalationState.RESOLVED
    assert 'id="escalations"' not in supervisor.get("/").content.decode()
    kinds = list(CaseEvent.objects.filter(case=alices_case).order_by("pk").values_list("kind", flat=True))
    assert kinds[-4:] == ["risk_assessed", "escalation_acknowledged", "risk_assessed", "escalation_resolved"]


def test_it_ends_at_the_acknowledgement_when_the_plan_came_first(alice: User, carol: User, alices_case: Case) -> None:
    do_assess_risk(actor=alice, case=alices_case, level="immediate", asked=ASKED, plan=PLAN)
    escalation = Escalation.objects.get()
    do_acknowledge_escalation(actor=carol, case=alices_case, escalation_id=escalation.pk)
    escalation.refresh_from_db()
    assert escalation.state == EscalationState.RESOLVED
    # A new high risk later raises a new escalation.
    do_assess_risk(actor=alice, case=alices_case, level="high", asked=ASKED)
    assert Escalation.objects.filter(case=alices_case).count() == 2


def test_it_raises_one_escalation_while_one_is_open(alice: User, carol: User, alices_case: Case) -> None:
    do_assess_risk(actor=alice, case=alices_case, level="high", asked=ASKED)
    do_assess_risk(actor=alice, case=alices_case, level="immediate", asked=ASKED)
    do_assess_risk(actor=alice, case=alices_case, level="moderate", asked=ASKED)
    assert Escalation.objects.filter(case=alices_case).count() == 1
    assert Escalation.objects.get().state == EscalationState.RAISED


def test_it_keeps_every_revision_in_the_history(alice: User, alices_case: Case, client_as: ClientAs) -> None:
    client = client_as(alice)
    _assess(client, alices_case, level="moderate")
    _assess(client, alices_case, level="low", plan=PLAN)
    page = client.get(f"/cases/{alices_case.pk}/").content.decode()
    assert page.count('class="badge risk-') >= 3  # the current level and both revisions
    assert page.index(PLAN) < page.index("risk-moderate", page.index("risk-history"))
    assert RiskAssessment.objects.filter(case=alices_case).count() == 2


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"level": "HIGH", "asked": ASKED}, "level"),
        ({"level": "", "asked": ASKED}, "level"),
        ({"level": "high"}, "asked"),
        ({"level": "high", "asked": "x" * 5001}, "asked"),
        ({"level": "high", "asked": "bad\x00byte"}, "asked"),
        ({"level": "high", "asked": ASKED, "plan": "\u202eevil"}, "plan"),
    ],
)
def test_it_refuses_bad_input_naming_the_field(
    alice: User, alices_case: Case, client_as: ClientAs, data: dict[str, str], field: str
) -> None:
    answer = client_as(alice).post(f"/cases/{alices_case.pk}/risk/", data)
    assert answer.status_code == 400
    assert answer.context["risk_form"].errors.keys() == {field}
    assert not RiskAssessment.objects.exists() and not Escalation.objects.exists()


def test_it_hides_the_case_from_other_staff(
    alice: User, bob: User, dave: User, erin: User, alices_case: Case, client_as: ClientAs
) -> None:
    for user, status in ((bob, 404), (dave, 404), (erin, 403)):
        assert _assess(client_as(user), alices_case).status_code == status
    assert not RiskAssessment.objects.exists()


def test_it_shows_the_crisis_numbers_in_the_counsellors_language(
    alice: User, alices_case: Case, client_as: ClientAs
) -> None:
    client = client_as(alice)
    korean = client.get(f"/cases/{alices_case.pk}/", headers={"accept-language": "ko"}).content.decode()
    assert "109" in korean and "자살예방 상담전화" in korean and "112" in korean and "경찰 긴급신고" in korean
    client.post("/i18n/setlang/", {"language": "en"})
    english = client.get(f"/cases/{alices_case.pk}/").content.decode()
    assert "Suicide prevention line" in english and "자살예방" not in english


def test_it_shows_a_centres_own_crisis_numbers_instead(
    alice: User, carol: User, alices_case: Case, client_as: ClientAs
) -> None:
    answer = client_as(carol).post(
        "/on-call/crisis-lines/", {"number": "1388", "label_ko": "청소년 상담전화", "label_en": "Youth line"}
    )
    assert answer.status_code == 302
    page = client_as(alice).get(f"/cases/{alices_case.pk}/").content.decode()
    assert "1388" in page and "청소년 상담전화" in page and "자살예방" not in page
    # Taken off: the national numbers show again; the row stays as the list's history, with who.
    line = CrisisLine.objects.get()
    assert client_as(carol).post(f"/on-call/crisis-lines/{line.pk}/remove/").status_code == 302
    page = client_as(alice).get(f"/cases/{alices_case.pk}/").content.decode()
    assert "청소년 상담전화" not in page and "자살예방" in page
    line.refresh_from_db()
    assert (line.created_by, line.removed_by) == (carol, carol)
    assert line.created_at is not None and line.removed_at is not None and line.created_at <= line.removed_at
    assert client_as(carol).post(f"/on-call/crisis-lines/{line.pk}/remove/").status_code == 404


def test_it_costs_the_case_page_and_dashboard_no_query_per_assessment(
    alice: User, carol: User, client_as: ClientAs, alices_case: Case
) -> None:
    from tests.cases.conftest import open_case

    client, supervisor = client_as(alice), client_as(carol)

    def counts() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as page:
            assert client.get(f"/cases/{alices_case.pk}/").status_code == 200
        with CaptureQueriesContext(connection) as board:
            assert supervisor.get("/").status_code == 200
        return len(page), len(board)

    do_assess_risk(actor=alice, case=alices_case, level="immediate", asked=ASKED)
    counts()  # the first requests of a session fill caches
    few = counts()
    for _ in range(4):
        do_assess_risk(actor=alice, case=alices_case, level="high", asked=ASKED, plan=PLAN)
        do_assess_risk(actor=alice, case=open_case(alice), level="immediate", asked=ASKED)
    assert counts() == few


# --- The rota ------------------------------------------------------------------------------------


def test_it_lets_supervisors_and_administrators_keep_the_rota(
    alice: User, carol: User, erin: User, dave: User, client_as: ClientAs
) -> None:
    assert client_as(alice).get("/on-call/").status_code == 403
    assert client_as(carol).get("/on-call/").status_code == 200
    page = client_as(erin).get("/on-call/")
    assert page.status_code == 200 and "Carol Park" in page.content.decode()
    shift = {"supervisor": carol.pk, "weekday": 5, "start_hour": 18, "end_hour": 24, "phone": "010-2222-3333"}
    assert client_as(erin).post("/on-call/", shift).status_code == 302
    row = OnCallShift.objects.get()
    assert (row.centre_id, row.weekday, row.start_hour, row.end_hour, row.created_by_id) == (
        carol.centre_id,
        5,
        18,
        24,
        erin.pk,
    )
    # Dave's centre sees nothing of it and cannot remove it.
    dave.role = Role.SUPERVISOR
    dave.save(update_fields=["role"])
    assert client_as(dave).post(f"/on-call/shifts/{row.pk}/remove/").status_code == 404
    assert client_as(carol).post(f"/on-call/shifts/{row.pk}/remove/").status_code == 302
    row.refresh_from_db()
    assert row.removed_by_id == carol.pk and row.removed_at is not None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"supervisor": "alice"}, "supervisor"),
        ({"supervisor": "dave"}, "supervisor"),
        ({"start_hour": 20, "end_hour": 8}, "end_hour"),
        ({"end_hour": 25}, "end_hour"),
        ({"weekday": 7}, "weekday"),
        ({"start_hour": "eight"}, "start_hour"),
        ({"phone": "call me"}, "phone"),
    ],
)
def test_it_refuses_a_bad_shift_naming_the_field(
    alice: User, carol: User, dave: User, client_as: ClientAs, change: dict[str, object], field: str
) -> None:
    people = {"alice": alice.pk, "dave": dave.pk}
    shift: dict[str, object] = {"supervisor": carol.pk, "weekday": 1, "start_hour": 9, "end_hour": 18}
    shift |= {key: people.get(str(value), value) for key, value in change.items()}
    answer = client_as(carol).post("/on-call/", shift)
    assert answer.status_code == 400
    assert field in answer.context["shift_form"].errors
    assert not OnCallShift.objects.exists()


def test_it_ignores_removed_shifts_and_inactive_supervisors(carol: User, dan: User) -> None:
    _on_call_all_week(carol)
    people, from_rota = safety.on_call(carol.centre_id)
    assert ([p.user.pk for p in people], from_rota) == ([carol.pk], True)
    carol.is_active = False
    carol.save(update_fields=["is_active"])
    people, from_rota = safety.on_call(carol.centre_id)
    assert ([p.user.pk for p in people], from_rota) == ([dan.pk], False)
