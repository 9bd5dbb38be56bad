"""The per-user API rate as two counters in the cache, not a list of every request's time.

DRF's UserRateThrottle keeps each user's request times of the last period in one cache entry and
reads and rewrites the whole list, pickled, on every request: up to 1,200 times at 1,200 a minute, a
read and a write of several kilobytes on every API call (0.4 ms of the staff list's, bench.run).
This one counts requests in windows of the period: one round trip to Redis increments this window's
counter and reads the last window's, and the rate is the estimate of a sliding window, the last
window's count weighted by how much of it still falls within the period, plus this window's.

As before, while the cache is unreachable nothing can be counted and the throttle lets every request
through (caseflow/cache.py).
"""

from __future__ import annotations

from typing import Any

from rest_framework import throttling


def _counts(cache: Any, current: str, previous: str, timeout: int) -> tuple[int, int] | None:
    """This window's count after adding one, and the last window's; None while nothing can be counted."""
    counted = getattr(cache, "count_and_read", None)
    if counted is not None:  # caseflow.cache.ResilientRedisCache: one pipelined round trip
        result: tuple[int, int] | None = counted(current, previous, timeout)
        return result
    # Any other cache (the local memory of `make run`): the same, in three steps.
    cache.add(current, 0, timeout)
    try:
        now = int(cache.incr(current))
    except ValueError:
        return None
    return now, int(cache.get(previous, 0))


class UserRateThrottle(throttling.UserRateThrottle):
    """DRF's per-user rate (scope "user"), counted in windows."""

    def allow_request(self, request: Any, view: Any) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        # Set by DRF's __init__ from the rate ("1200/min": 1200 requests, 60 seconds).
        limit: int = self.num_requests  # type: ignore[attr-defined]
        period: int = self.duration  # type: ignore[attr-defined]
        self.now = self.timer()
        window, into = divmod(self.now, period)
        self.window_left = period - into
        counts = _counts(self.cache, f"{self.key}:{int(window)}", f"{self.key}:{int(window) - 1}", 2 * period)
        if counts is None:
            return True
        current, previous = counts
        return previous * (1 - into / period) + current <= limit

    def wait(self) -> float:
        """Until this window ends: by then the last window's weight has gone and this one's fades."""
        return float(max(self.window_left, 0))
