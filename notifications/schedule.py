"""Helpers for callers that compute when a notification is due: quiet hours and hourly coalescing.

cases decides *when* something is due (a victim's quiet hours and wishes live there); these helpers
only do the clock arithmetic. The coalescing convention for "several updates within an hour become one
message":

    due_at = next_allowed_time(end_of_hour(now), quiet_start, quiet_end, tz)
    dedupe_key = hourly_dedupe_key("victim.case_updated", f"case:{case.pk}", due_at)

Every update of the same hour gets the same due time (the end of that hour, pushed out of the quiet
hours) and so the same dedupe key: the first enqueue() writes the row, the others do nothing, and the
one message that goes out covers them all. Updates made during the quiet hours all fall due when the
quiet hours end, so they too become a single message. Keying on the due time rather than on the time
of the change is what makes that work.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo


def _zone(tz: tzinfo | str) -> tzinfo:
    return ZoneInfo(tz) if isinstance(tz, str) else tz


def _in_quiet_hours(moment: time, quiet_start: time, quiet_end: time) -> bool:
    """Whether a local wall-clock time falls in [start, end); a window may span midnight (22:00-08:00)."""
    if quiet_start < quiet_end:
        return quiet_start <= moment < quiet_end
    return moment >= quiet_start or moment < quiet_end


def next_allowed_time(now: datetime, quiet_start: time | None, quiet_end: time | None, tz: tzinfo | str) -> datetime:
    """`now` if it is outside the recipient's quiet hours, else the moment they end; aware, in `tz`.

    `quiet_start` and `quiet_end` are wall-clock times in the recipient's time zone `tz`; the start is
    quiet, the end is not. No quiet hours (either missing, or both equal) means any time is allowed.
    """
    if now.tzinfo is None:
        raise ValueError("next_allowed_time() needs an aware datetime.")
    zone = _zone(tz)
    local = now.astimezone(zone)
    if quiet_start is None or quiet_end is None or quiet_start == quiet_end:
        return local
    if not _in_quiet_hours(local.time().replace(tzinfo=None), quiet_start, quiet_end):
        return local
    end_date = local.date()
    if local.time().replace(tzinfo=None) >= quiet_end:
        # Quiet since this evening: they end tomorrow morning.
        end_date += timedelta(days=1)
    # Wall-clock arithmetic in the zone, then normalised through UTC so a DST gap gives a real instant.
    return datetime.combine(end_date, quiet_end, tzinfo=zone).astimezone(UTC).astimezone(zone)


def end_of_hour(when: datetime) -> datetime:
    """The start of the next full hour after `when` (UTC hours), when one message for that hour is due."""
    if when.tzinfo is None:
        raise ValueError("end_of_hour() needs an aware datetime.")
    start = when.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    return start + timedelta(hours=1)


def hourly_dedupe_key(template_key: str, subject: str, due_at: datetime) -> str:
    """The dedupe key shared by every notification of one template about one subject due in one hour.

    `subject` names the recipient's thread, e.g. "case:123" for the victim of case 123.
    """
    if due_at.tzinfo is None:
        raise ValueError("hourly_dedupe_key() needs an aware datetime.")
    return f"{template_key}:{subject}:{due_at.astimezone(UTC):%Y%m%d%H}"
