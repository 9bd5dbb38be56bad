"""The on-call rota and crisis numbers through the API (/api/v1/oncall-shifts/, /api/v1/crisis-lines/):
the page's rules (tests/cases/test_risk.py): its centre's supervisors and administrators only, another
centre's rows not found, bad input named, a shift taken off kept as the rota's history."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.conf import settings
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import Centre, Role, User
from cases import safety
from cases.actions.safety import MAX_CRISIS_LINES
from cases.models import CrisisLine, OnCallShift
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ApiAs = Callable[[User], APIClient]
SHIFTS, LINES = "/api/v1/oncall-shifts/", "/api/v1/crisis-lines/"


@pytest.fixture
def busan_supervisor(other_centre: Centre) -> User:
    return UserFactory.create(email="sup@busan.test", centre=other_centre, role=Role.SUPERVISOR)


@pytest.fixture(autouse=True)
def _held_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """The rota's clock held at one moment: a test that spans the turn of an hour would otherwise see
    the shift it added end."""
    moment = safety.local_now().replace(minute=30, second=0, microsecond=0)
    read_clock = safety.local_now
    monkeypatch.setattr(safety, "local_now", lambda now=None: moment if now is None else read_clock(now))


def _now_shift(supervisor: User) -> dict[str, object]:
    """A shift of this supervisor that covers the present hour (local time)."""
    now = safety.local_now()
    return {"supervisor": supervisor.pk, "weekday": now.weekday(), "start_hour": now.hour, "end_hour": now.hour + 1}


def test_it_keeps_the_rota_and_says_who_is_on_call_now(api_as: ApiAs, carol: User, erin: User) -> None:
    dan = UserFactory.create(email="dan@seoul.test", centre=carol.centre, role=Role.SUPERVISOR, full_name="Dan")
    admin = api_as(erin)  # administrators keep the staffing too
    nobody = admin.get(f"{SHIFTS}now/").json()
    assert nobody["from_rota"] is False and {p["id"] for p in nobody["on_call"]} == {carol.pk, dan.pk}
    added = admin.post(SHIFTS, {**_now_shift(carol), "phone": "+82 10-9999-0000"}, format="json")
    assert added.status_code == 201, added.json()
    body = added.json()
    people = (body["supervisor"]["id"], body["created_by"]["id"])
    # Whether a phone gets the texts, not its number (someone's own mobile, as the page keeps it).
    assert (people, body["has_phone"]) == ((carol.pk, erin.pk), True) and "phone" not in body
    assert "9999" not in added.content.decode()
    assert [row["id"] for row in api_as(carol).get(SHIFTS).json()] == [body["id"]]
    now = api_as(carol).get(f"{SHIFTS}now/").json()
    assert now["from_rota"] is True and [p["id"] for p in now["on_call"]] == [carol.pk]
    assert now["time_zone"] == settings.TIME_ZONE == "Asia/Seoul"

    # Taken off: gone from the rota, kept as its history; the next urgent risk calls every supervisor.
    assert api_as(carol).delete(f"{SHIFTS}{body['id']}/").status_code == 204
    assert api_as(carol).get(SHIFTS).json() == []
    row = OnCallShift.objects.get(pk=body["id"])
    assert row.removed_by == carol and row.removed_at is not None
    assert api_as(carol).delete(f"{SHIFTS}{body['id']}/").status_code == 404
    assert api_as(carol).get(f"{SHIFTS}now/").json()["from_rota"] is False


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"weekday": 7}, "weekday"),
        ({"weekday": "monday"}, "weekday"),
        ({"weekday": "0"}, "weekday"),  # a JSON integer, as every number of the API
        ({"start_hour": 9, "end_hour": 9}, "end_hour"),  # a shift ends after it starts
        ({"start_hour": 22, "end_hour": 25}, "end_hour"),  # a night across midnight is two shifts
        ({"start_hour": "9"}, "start_hour"),
        ({"start_hour": -1}, "start_hour"),
        ({"phone": "call me"}, "phone"),
        ({"supervisor": 2**63}, "supervisor"),
        ({"removed_at": None}, "removed_at"),
    ],
)
def test_it_refuses_a_bad_shift_naming_the_field(
    api_as: ApiAs, carol: User, change: dict[str, object], field: str
) -> None:
    shift = {"supervisor": carol.pk, "weekday": 0, "start_hour": 9, "end_hour": 18, **change}
    answer = api_as(carol).post(SHIFTS, shift, format="json")
    assert answer.status_code == 400 and field in answer.json(), answer.json()
    assert not OnCallShift.objects.exists()


def test_it_puts_only_an_active_supervisor_of_the_centre_on_call(
    api_as: ApiAs, alice: User, carol: User, busan_supervisor: User
) -> None:
    gone = UserFactory.create(email="old@seoul.test", centre=carol.centre, role=Role.SUPERVISOR, is_active=False)
    answers = []
    for person in (alice.pk, gone.pk, busan_supervisor.pk, 999_999):  # a counsellor, gone, elsewhere, nobody
        shift = {"supervisor": person, "weekday": 0, "start_hour": 9, "end_hour": 18}
        answer = api_as(carol).post(SHIFTS, shift, format="json")
        assert answer.status_code == 400 and "supervisor" in answer.json(), answer.json()
        answers.append(answer.json())
    assert answers[2] == answers[3], "another centre's account and none answer alike"
    assert not OnCallShift.objects.exists()


def test_it_keeps_each_centres_rota_to_itself(
    api_as: ApiAs, alice: User, carol: User, dave: User, busan_supervisor: User
) -> None:
    shift = api_as(carol).post(SHIFTS, {**_now_shift(carol)}, format="json").json()
    line = api_as(carol).post(LINES, {"number": "1388", "label_ko": "청소년", "label_en": "Youth"}, format="json")
    line_id = line.json()["id"]
    busan = api_as(busan_supervisor)
    assert busan.get(SHIFTS).json() == [] and busan.get(LINES).json() == []
    for url, missing in ((f"{SHIFTS}{shift['id']}/", f"{SHIFTS}999999/"), (f"{LINES}{line_id}/", f"{LINES}999999/")):
        assert busan.get(url).status_code == 404 and busan.get(url).json() == busan.get(missing).json()
        assert busan.delete(url).status_code == 404
    assert [p["id"] for p in busan.get(f"{SHIFTS}now/").json()["on_call"]] == [busan_supervisor.pk]
    for counsellor in (alice, dave):  # counsellors keep no rota, their own centre's or another's
        api = api_as(counsellor)
        assert api.get(SHIFTS).status_code == 403 and api.get(LINES).status_code == 403
        assert api.post(LINES, {"number": "112", "label_ko": "x", "label_en": "x"}, format="json").status_code == 403
        assert api.delete(f"{SHIFTS}{shift['id']}/").status_code == 403
    assert OnCallShift.objects.filter(removed_at__isnull=True).count() == 1
    assert CrisisLine.objects.filter(removed_at__isnull=True).count() == 1
    assert APIClient().get(SHIFTS).status_code == 401


def test_it_keeps_the_crisis_numbers_shown_beside_every_risk_assessment(
    api_as: ApiAs, client_as: Callable[[User], object], alice: User, carol: User, alices_case: object
) -> None:
    api = api_as(carol)
    for number, korean, english in (("1388", "청소년 상담전화", "Youth line"), ("02-000-0000", "센터 당직", "Duty")):
        answer = api.post(LINES, {"number": number, "label_ko": korean, "label_en": english}, format="json")
        assert answer.status_code == 201, answer.json()
    lines = api.get(LINES).json()
    assert [(row["number"], row["position"]) for row in lines] == [("1388", 0), ("02-000-0000", 1)]
    page = client_as(alice).get(f"/cases/{alices_case.pk}/").content.decode()  # type: ignore[attr-defined]
    assert "청소년 상담전화" in page and "자살예방 상담전화" not in page  # instead of the national lines
    assert api.delete(f"{LINES}{lines[0]['id']}/").status_code == 204
    assert [row["number"] for row in api.get(LINES).json()] == ["02-000-0000"]
    removed = CrisisLine.objects.get(pk=lines[0]["id"])  # kept as the list's history, with who
    assert (removed.created_by, removed.removed_by) == (carol, carol) and removed.removed_at is not None
    assert api.delete(f"{LINES}{lines[0]['id']}/").status_code == 404
    for bad, field in (
        ({"number": "call me"}, "number"),
        ({"label_ko": "a\nb"}, "label_ko"),
        ({"label_en": "x" * 101}, "label_en"),
        ({"position": 0}, "position"),
    ):
        answer = api.post(LINES, {"number": "112", "label_ko": "경찰", "label_en": "Police", **bad}, format="json")
        assert answer.status_code == 400 and field in answer.json(), (bad, answer.json())
    assert CrisisLine.objects.filter(removed_at__isnull=True).count() == 1


def test_it_keeps_the_list_of_crisis_numbers_short_and_in_order(
    api_as: ApiAs, client_as: Callable[[User], Client], carol: User
) -> None:
    api = api_as(carol)

    def add(number: str) -> int:
        answer = api.post(LINES, {"number": number, "label_ko": "번호", "label_en": "Line"}, format="json")
        assert answer.status_code == 201, answer.json()
        return int(answer.json()["id"])

    first = add("1000")
    add("1001")
    add("1002")
    assert api.delete(f"{LINES}{first}/").status_code == 204
    add("1003")  # the gap closed: the order stays small however often numbers come and go
    assert [(row["number"], row["position"]) for row in api.get(LINES).json()] == [
        ("1001", 0),
        ("1002", 1),
        ("1003", 2),
    ]
    for n in range(MAX_CRISIS_LINES - 3):
        add(str(2000 + n))
    refused = api.post(LINES, {"number": "3000", "label_ko": "번호", "label_en": "Line"}, format="json")
    assert refused.status_code == 400 and "number" in refused.json()
    page = client_as(carol).post("/on-call/crisis-lines/", {"number": "3000", "label_ko": "번호", "label_en": "Line"})
    assert page.status_code == 400 and "먼저 하나를 빼 주세요" in page.content.decode()  # the page says so too
    assert CrisisLine.shown(carol.centre_id).count() == MAX_CRISIS_LINES


def test_it_answers_not_found_when_another_took_it_off_meanwhile(
    api_as: ApiAs, carol: User, erin: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cases.api import rota

    shift = api_as(carol).post(SHIFTS, _now_shift(carol), format="json").json()
    line = api_as(carol).post(LINES, {"number": "1388", "label_ko": "a", "label_en": "b"}, format="json").json()
    real_shift, real_line = rota.do_remove_oncall_shift, rota.do_remove_crisis_line

    def shift_raced(*, actor: User, shift_id: int) -> OnCallShift:
        real_shift(actor=erin, shift_id=shift_id)  # the administrator, a moment earlier
        return real_shift(actor=actor, shift_id=shift_id)

    def line_raced(*, actor: User, line_id: int) -> None:
        real_line(actor=erin, line_id=line_id)
        real_line(actor=actor, line_id=line_id)

    monkeypatch.setattr(rota, "do_remove_oncall_shift", shift_raced)
    monkeypatch.setattr(rota, "do_remove_crisis_line", line_raced)
    assert api_as(carol).delete(f"{SHIFTS}{shift['id']}/").status_code == 404
    assert api_as(carol).delete(f"{LINES}{line['id']}/").status_code == 404
    assert OnCallShift.objects.get().removed_by == erin and CrisisLine.objects.get().removed_by == erin
