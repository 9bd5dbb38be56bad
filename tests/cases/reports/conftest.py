"""A small, fixed centre for the report tests, built through the real actions, with history.

Times are set afterwards with update(), as test data setup: a case opened 200 days ago, a request sent
five days ago and answered two days later. `report_mode` runs each test twice: every day counted live,
and days before today read from the daily summaries (rebuilt as the nightly task does).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import Centre, Role, User
from cases.actions.cases import do_assign_case, do_transition_case
from cases.actions.sightings import SightingFlags, do_add_sightings, do_update_sighting
from cases.actions.takedowns import do_draft_takedowns, do_transition_takedown
from cases.models import Case, Sighting, TakedownRequest
from cases.reports import summaries
from tests.cases.conftest import add_regulator, open_case
from tests.clock import clear_of_the_turn
from tests.factories import UserFactory

# Longer than any report test takes (the purge comparisons take about 12 s on a loaded VM).
MIDNIGHT_MARGIN = timedelta(seconds=90)


@pytest.fixture(autouse=True)
def _not_across_midnight() -> None:
    """A report counts by local day and compares figures read at two moments: a test that spans
    midnight would compare two different "todays" (about 1 run in 6,000). Within the margin before
    midnight, the test waits for the new day first."""
    clear_of_the_turn("day", MIDNIGHT_MARGIN)


@dataclass
class World:
    """The Seoul centre's cases (and one of Busan's), and the moment the data was made."""

    now: datetime
    centre: Centre
    cases: dict[str, Case] = field(default_factory=dict)


def ago(now: datetime, days: float = 0, hours: float = 0) -> datetime:
    return now - timedelta(days=days, hours=hours)


def opened(world: World, name: str, user: User, days: float, **details: Any) -> Case:
    case = open_case(user, **details)
    Case.objects.filter(pk=case.pk).update(created_at=ago(world.now, days))
    case.refresh_from_db()
    world.cases[name] = case
    return case


def places(user: User, case: Case, lines: list[str], days: float, now: datetime, **flags: Any) -> list[Sighting]:
    results = do_add_sightings(actor=user, case=case, lines=lines, flags=SightingFlags(**flags))
    created = [r.sighting for r in results if r.sighting is not None]
    Sighting.objects.filter(pk__in=[s.pk for s in created]).update(created_at=ago(now, days))
    return created


def send(user: User, case: Case, platform: str, now: datetime, days: float) -> TakedownRequest:
    """Sends the case's draft to `platform`, `days` ago."""
    draft = TakedownRequest.objects.get(case=case, platform__name=platform, status="draft")
    takedown = do_transition_takedown(actor=user, case=case, takedown=draft, status="sent")
    sent_at = ago(now, days)
    deadline = sent_at + timedelta(hours=takedown.platform.response_hours)
    TakedownRequest.objects.filter(pk=takedown.pk).update(sent_at=sent_at, deadline_at=deadline)
    takedown.refresh_from_db()
    return takedown


def after(takedown: TakedownRequest, **delay: float) -> datetime:
    """A moment this long after the request was sent (or past its deadline, with `deadline=True`)."""
    start = takedown.deadline_at if delay.pop("deadline", False) else takedown.sent_at
    assert start is not None
    return start + timedelta(**delay)


def answer(
    user: User, case: Case, takedown: TakedownRequest, status: str, at: datetime, removed: list[int] | None = None
) -> TakedownRequest:
    takedown = do_transition_takedown(
        actor=user, case=case, takedown=takedown, status=status, removed_sightings=removed
    )
    TakedownRequest.objects.filter(pk=takedown.pk).update(closed_at=at)
    Sighting.objects.filter(takedown_items__takedown=takedown, state="removed").update(removed_at=at)
    takedown.refresh_from_db()
    return takedown


def escalate(user: User, case: Case, takedown: TakedownRequest, at: datetime) -> TakedownRequest:
    add_regulator(case.centre_id)
    takedown = do_transition_takedown(actor=user, case=case, takedown=takedown, status="escalated")
    TakedownRequest.objects.filter(pk=takedown.pk).update(escalated_at=at)
    takedown.refresh_from_db()
    return takedown


@pytest.fixture
def frank(centre: Centre) -> User:
    """A counsellor who has left the centre; one of her cases still waits for a new owner."""
    return UserFactory.create(email="frank@seoul.test", full_name="Frank Yoon", centre=centre, role=Role.COUNSELLOR)


@pytest.fixture
def world(platforms: None, centre: Centre, alice: User, bob: User, carol: User, dave: User, frank: User) -> World:
    return build_world(centre, alice=alice, bob=bob, carol=carol, dave=dave, frank=frank)


def build_world(centre: Centre, *, alice: User, bob: User, carol: User, dave: User, frank: User) -> World:
    """Seoul's cases, places and requests (and one case of Busan's) with their history."""
    now = timezone.now()
    w = World(now=now, centre=centre)

    # alice: an urgent deepfake case of a minor, three days old; its places were reported by the victim.
    a1 = opened(w, "a1", alice, 3, priority="urgent", is_minor=True, harm_types=["synthetic"])
    do_transition_case(actor=alice, case=a1, status="in_progress")
    places(
        alice,
        a1,
        ["https://t.me/room/1", "https://t.me/room/2", "https://x.com/u/status/1"],
        3,
        now,
        found_by="victim",
        is_synthetic=True,
    )
    do_draft_takedowns(actor=alice, case=a1)
    telegram = send(alice, a1, "Telegram", now, days=2.5)
    answer(alice, a1, telegram, "removed", at=after(telegram, hours=30))
    send(alice, a1, "X (Twitter)", now, days=4)  # 48-hour deadline long passed: overdue

    # alice: a deepfake with personal information, 40 days old, in monitoring; found by monitoring.
    a2 = opened(w, "a2", alice, 40, harm_types=["synthetic", "personal_info"])
    do_transition_case(actor=alice, case=a2, status="in_progress")
    do_transition_case(actor=alice, case=a2, status="monitoring")
    found = places(
        alice,
        a2,
        ["https://instagram.com/p/1", "https://instagram.com/p/2", "https://leak.example/v/9"],
        38,
        now,
        found_by="monitoring",
        exposes_personal_info=True,
    )
    do_draft_takedowns(actor=alice, case=a2)
    instagram = send(alice, a2, "Instagram", now, days=35)
    do_transition_takedown(actor=alice, case=a2, takedown=instagram, status="acknowledged")
    answer(alice, a2, instagram, "partially_removed", at=after(instagram, hours=70), removed=[found[0].pk])
    unknown = send(alice, a2, "Unknown site / 기타 사이트", now, days=33)
    unknown = escalate(alice, a2, unknown, at=after(unknown, deadline=True, hours=5))
    answer(alice, a2, unknown, "refused", at=after(unknown, days=6))

    # alice: a new high-priority case today, and a closed one.
    opened(w, "a3", alice, 0, priority="high")
    a4 = opened(w, "a4", alice, 100, priority="low", harm_types=["distribution"])
    do_transition_case(actor=alice, case=a4, status="in_progress")
    do_transition_case(actor=alice, case=a4, status="monitoring")
    do_transition_case(actor=carol, case=a4, status="closed")
    Case.objects.filter(pk=a4.pk).update(closed_at=ago(now, 20))
    places(alice, a4, ["https://naver.com/blog/7"], 90, now, found_by="counsellor")
    do_draft_takedowns(actor=carol, case=a4)
    Sighting.objects.filter(case=a4).update(created_at=ago(now, 90))

    # bob: a minor's filming case from 200 days ago; its places found by the counsellor.
    b1 = opened(w, "b1", bob, 200, priority="high", is_minor=True, harm_types=["filming", "distribution"])
    do_transition_case(actor=bob, case=b1, status="in_progress")
    places(bob, b1, ["https://youtube.com/watch?v=abc", "https://naver.com/cafe/1"], 190, now, found_by="counsellor")
    do_draft_takedowns(actor=bob, case=b1)
    youtube = send(bob, b1, "YouTube", now, days=150)
    answer(bob, b1, youtube, "removed", at=after(youtube, hours=47, minutes=30))
    send(bob, b1, "Naver", now, days=0.2)  # 24-hour deadline still ahead: waiting, not overdue
    opened(w, "b2", bob, 10)

    # The intake queue, a case carol holds herself, and frank's case left behind when she left.
    intake = opened(w, "intake", alice, 1, harm_types=["sextortion"])
    do_assign_case(actor=carol, case=intake, assignee=None)
    c1 = opened(w, "c1", carol, 95)
    do_transition_case(actor=carol, case=c1, status="in_progress")
    f1 = opened(w, "f1", frank, 60, is_minor=True)
    do_transition_case(actor=frank, case=f1, status="in_progress")
    User.objects.filter(pk=frank.pk).update(is_active=False)

    # A manual removal: a place of a1 found again by monitoring today and taken down by hand.
    extra = places(alice, a1, ["https://discord.com/channels/1/2"], 0, now, found_by="monitoring")[0]
    do_update_sighting(actor=alice, case=a1, sighting=extra, changes={"state": "removed"}, version=1)

    # Busan, which no Seoul report may count.
    d1 = opened(w, "d1", dave, 50, priority="urgent", is_minor=True, harm_types=["synthetic"])
    do_transition_case(actor=dave, case=d1, status="in_progress")
    places(dave, d1, ["https://t.me/busan/1"], 45, now, found_by="monitoring", is_synthetic=True)
    do_draft_takedowns(actor=dave, case=d1)
    busan = send(dave, d1, "Telegram", now, days=44)
    answer(dave, d1, busan, "removed", at=after(busan, hours=3))
    for case in w.cases.values():
        case.refresh_from_db()
    return w


@pytest.fixture(params=["live", "summaries"])
def report_mode(request: pytest.FixtureRequest, world: World) -> str:
    """Every day live, or the days before today from the daily summaries (as after the nightly rebuild)."""
    if request.param == "summaries":
        summaries.rebuild(world.now)
    return str(request.param)
