"""Cases for the cast: alice's own case, an unassigned intake case, bob's case, dave's case."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import User
from cases.actions.cases import do_assign_case, do_open_case, do_transition_case
from cases.models import Case, Partner, PartnerKind


def open_case(user: User, **details: Any) -> Case:
    """A case opened through the real action, as the intake form and the API do."""
    details.setdefault("victim_name", "김민지")
    details.setdefault("contact_phone", "010-1234-5678")
    details.setdefault("contact_email", "minji@example.kr")
    details.setdefault("summary", "Deepfake images shared in a Telegram room.")
    return do_open_case(actor=user, **details)


@pytest.fixture
def alices_case(alice: User) -> Case:
    return open_case(alice)


@pytest.fixture
def intake_case(alice: User, carol: User) -> Case:
    """An unassigned case of the Seoul centre, waiting in the intake queue."""
    case = open_case(alice, victim_name="박서연", contact_phone="010-5555-0000", contact_email="")
    return do_assign_case(actor=carol, case=case, assignee=None)


@pytest.fixture
def bobs_case(bob: User) -> Case:
    return open_case(bob, victim_name="이하은", contact_phone="010-7777-1111", contact_email="haeun@example.kr")


@pytest.fixture
def daves_case(dave: User) -> Case:
    return open_case(dave, victim_name="최지우", contact_phone="010-2222-3333", contact_email="jiwoo@example.kr")


def add_regulator(centre_id: int) -> Partner:
    """The regulator (KCSC) in a centre's partner directory: escalating a takedown request refers to it."""
    partner, _created = Partner.objects.get_or_create(
        centre_id=centre_id,
        name="KCSC",
        defaults={"kind": PartnerKind.REGULATOR, "channel": "web_form", "contact": "https://www.kocsc.or.kr"},
    )
    return partner


@pytest.fixture
def regulator(alice: User) -> Partner:
    return add_regulator(alice.centre_id)


# Cases of every kind a counsellor's rule tells apart (cases_of_every_kind), and who may read each.
READERS = {
    "alice": {"mine", "mine_closed", "intake"},
    "bob": {"bobs", "intake"},
    "carol": {"mine", "mine_closed", "intake", "intake_closed", "bobs"},
    "dave": {"daves"},
}


def cases_of_every_kind(alice: User, bob: User, dave: User, **details: Any) -> dict[str, Case]:
    """Alice's two cases, two future intake cases (opened by her), bob's and dave's, all open, so that
    children can be added to each before settle_kinds closes and unassigns them."""
    return {
        "mine": open_case(alice, **details),
        "mine_closed": open_case(alice, victim_name="정다은", **details),
        "intake": open_case(alice, victim_name="박서연", **details),
        "intake_closed": open_case(alice, victim_name="한소희", **details),
        "bobs": open_case(bob, victim_name="이하은", **details),
        "daves": open_case(dave, victim_name="최지우", **details),
    }


def settle_kinds(cases: dict[str, Case], alice: User, carol: User) -> None:
    """Closes "mine_closed" and "intake_closed", and takes both intake cases from alice: a closed case
    left unassigned is nobody's to read but a supervisor's."""
    for name in ("mine_closed", "intake_closed"):
        case = cases[name]
        for status in ("in_progress", "monitoring"):
            case = do_transition_case(actor=alice, case=case, status=status)
        do_transition_case(actor=carol, case=case, status="closed")
    for name in ("intake", "intake_closed"):
        do_assign_case(actor=carol, case=Case.objects.get(pk=cases[name].pk), assignee=None)
