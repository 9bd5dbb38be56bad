"""Tests whose answer depends on the hour or the day they run in, kept clear of its turn."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Literal

from django.utils import timezone


def clear_of_the_turn(unit: Literal["hour", "day"], margin: timedelta) -> None:
    """Within `margin` before the next local hour or day, waits for it: a test that reads the clock at
    two moments (one reminder an hour, a report by day) would otherwise see two different ones."""
    now = timezone.localtime()
    if unit == "day":
        turn = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    else:
        turn = (now + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
    if turn - now < margin:
        time.sleep((turn - now).total_seconds() + 1)
