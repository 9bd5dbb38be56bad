"""Quiet hours and hourly coalescing: the clock arithmetic that cases uses to decide when a message is due."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from notifications import outbox
from notifications.models import Channel, Notification
from notifications.schedule import end_of_hour, hourly_dedupe_key, next_allowed_time

SEOUL = ZoneInfo("Asia/Seoul")
NIGHT = (time(22, 0), time(8, 0))


def seoul(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=SEOUL)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (seoul(25, 14, 30), seoul(25, 14, 30)),  # daytime: at once
        (seoul(25, 21, 59), seoul(25, 21, 59)),
        (seoul(25, 22, 0), seoul(26, 8, 0)),  # the start is quiet
        (seoul(25, 23, 30), seoul(26, 8, 0)),  # quiet since the evening: tomorrow morning
        (seoul(26, 3, 0), seoul(26, 8, 0)),  # after midnight: this morning
        (seoul(26, 8, 0), seoul(26, 8, 0)),  # the end is not quiet
    ],
)
def test_it_moves_a_message_out_of_overnight_quiet_hours(now: datetime, expected: datetime) -> None:
    assert next_allowed_time(now, *NIGHT, SEOUL) == expected


def test_it_handles_quiet_hours_within_a_day_and_time_zones_given_by_name() -> None:
    lunch = (time(12, 0), time(13, 30))
    assert next_allowed_time(seoul(25, 12, 10), *lunch, "Asia/Seoul") == seoul(25, 13, 30)
    assert next_allowed_time(seoul(25, 13, 30), *lunch, "Asia/Seoul") == seoul(25, 13, 30)
    # The same instant given in UTC: the answer is about the recipient's wall clock.
    utc_now = seoul(25, 23, 0).astimezone(UTC)
    assert next_allowed_time(utc_now, *NIGHT, SEOUL) == seoul(26, 8, 0)


def test_it_allows_any_time_without_quiet_hours() -> None:
    now = seoul(25, 3, 0)
    assert next_allowed_time(now, None, None, SEOUL) == now
    assert next_allowed_time(now, time(8, 0), time(8, 0), SEOUL) == now


def test_it_refuses_a_naive_time() -> None:
    with pytest.raises(ValueError, match="aware"):
        next_allowed_time(datetime(2026, 11, 25, 3, 0), *NIGHT, SEOUL)


def test_it_makes_the_end_of_the_hour_the_time_of_one_message_for_that_hour() -> None:
    assert end_of_hour(datetime(2026, 11, 25, 5, 0, tzinfo=UTC)) == datetime(2026, 11, 25, 6, 0, tzinfo=UTC)
    assert end_of_hour(datetime(2026, 11, 25, 5, 59, 59, tzinfo=UTC)) == datetime(2026, 11, 25, 6, 0, tzinfo=UTC)


def _victim_update(changed_at: datetime) -> Notification | None:
    """What cases does when a victim's case changes: the convention of notifications.schedule."""
    due_at = next_allowed_time(end_of_hour(changed_at), *NIGHT, SEOUL)
    return outbox.enqueue(
        address="+82 10 1234 5678",
        channel=Channel.SMS,
        template_key="victim.case_updated",
        params={"case_id": 5},
        language="ko",
        due_at=due_at,
        dedupe_key=hourly_dedupe_key("victim.case_updated", "case:5", due_at),
        group_key="case:5",
    )


@pytest.mark.django_db
def test_it_turns_several_updates_within_an_hour_into_one_message() -> None:
    created = [_victim_update(seoul(25, 14, minute)) for minute in (5, 20, 59)]
    assert created[0] is not None and created[1:] == [None, None]
    assert created[0].due_at == seoul(25, 15, 0)

    assert _victim_update(seoul(25, 15, 1)) is not None
    assert Notification.objects.count() == 2


@pytest.mark.django_db
def test_it_turns_the_updates_of_a_whole_quiet_night_into_one_morning_message() -> None:
    for changed_at in [seoul(25, 21, 30), seoul(25, 23, 10), seoul(26, 2, 0), seoul(26, 6, 45)]:
        _victim_update(changed_at)

    due_times = list(Notification.objects.order_by("due_at").values_list("due_at", flat=True))
    # 21:30 is due at 22:00, which is already quiet; everything else waits for 08:00 as well.
    assert due_times == [seoul(26, 8, 0)]


def test_it_names_the_hour_in_the_dedupe_key() -> None:
    due_at = seoul(26, 8, 0)
    assert hourly_dedupe_key("victim.case_updated", "case:5", due_at) == "victim.case_updated:case:5:2026112523"
