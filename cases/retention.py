"""How long a closed case is kept: CASE_RETENTION_YEARS after the day it closed (in the centre's time zone)."""

from __future__ import annotations

from datetime import date, datetime

from django.conf import settings
from django.utils import timezone


def add_years(day: date, years: int) -> date:
    """The same day `years` later; 29 February becomes 28 February in a year without it."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def retention_date(closed_at: datetime) -> date:
    """The last day a case closed at `closed_at` is kept; it is purged the day after."""
    return add_years(timezone.localdate(closed_at), settings.CASE_RETENTION_YEARS)
