"""The per-user API rate counted in two windows (caseflow/throttling.py), with the cache `make run`
uses (local memory); tests/caseflow/test_redis_outage.py drives it over HTTP with Redis."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.core.cache.backends.locmem import LocMemCache

from accounts.models import User
from caseflow.throttling import UserRateThrottle

pytestmark = pytest.mark.django_db

MINUTE = 60 * 29_500_000  # the start of some minute, in seconds since the epoch


def test_the_last_minutes_calls_weigh_by_how_much_of_it_is_still_within_a_minute(
    monkeypatch: pytest.MonkeyPatch, alice: User, bob: User
) -> None:
    clock = [MINUTE + 50.0]
    monkeypatch.setattr(UserRateThrottle, "cache", LocMemCache("throttle-test", {}))
    monkeypatch.setattr(UserRateThrottle, "rate", "4/min", raising=False)
    monkeypatch.setattr(UserRateThrottle, "timer", lambda self: clock[0])

    def calls(user: User, count: int) -> list[bool]:
        return [UserRateThrottle().allow_request(SimpleNamespace(user=user), None) for _ in range(count)]

    assert calls(alice, 5) == [True, True, True, True, False]  # 50 s into a minute: 4 pass, the 5th waits
    throttle = UserRateThrottle()
    assert throttle.allow_request(SimpleNamespace(user=alice), None) is False
    assert throttle.wait() == 10  # until this minute ends
    assert calls(bob, 1) == [True]  # counted apart
    clock[0] = MINUTE + 70.0  # 10 s into the next minute: its 6 calls × 50/60 still count, so none passes
    assert calls(alice, 1) == [False]
    clock[0] = MINUTE + 115.0  # 55 s in: 6 × 5/60 = 0.5 of them, and this minute's own calls
    assert calls(alice, 3) == [True, True, False]
    clock[0] = MINUTE + 185.0  # two minutes on: nothing of the old counts is left
    assert calls(alice, 4) == [True] * 4
